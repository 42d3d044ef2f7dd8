"""Contrats de ville: signatories, amendments (avenants), engagements by pillar."""
