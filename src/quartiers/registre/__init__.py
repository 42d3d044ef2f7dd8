"""The register of contrats de ville and NPNRU sites: one Django app per domain."""
