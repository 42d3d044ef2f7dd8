"""Quartier sheets: identity, grid indicators next to the urban unit's, contract and NPNRU."""
