"""Territories: régions, départements, EPCI (SIREN), communes (INSEE code), quartiers (QPV)."""
