"""Official codes and names of régions and départements (COG INSEE, 2018 onwards).

The shared data gives commune codes and names (UU2020 composition) but no région or
département names: they are reference data of the package, ``cog.json``, read once here.
"""

from __future__ import annotations

import json
from importlib import resources

_COG = json.loads(resources.files(__package__).joinpath("cog.json").read_text("utf-8"))

REGIONS: dict[str, str] = _COG["regions"]
# code -> (name, région code)
DEPARTEMENTS: dict[str, tuple[str, str]] = {
    code: (d["nom"], d["region"]) for code, d in _COG["departements"].items()}


def departement_of(commune: str) -> str:
    """Département code of an INSEE commune code (``97x`` overseas, ``2A``/``2B`` Corsica)."""
    return commune[:3] if commune.startswith("97") else commune[:2]
