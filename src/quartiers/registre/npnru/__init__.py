"""NPNRU renewal projects (national / regional interest) and CPER envelopes per région."""
