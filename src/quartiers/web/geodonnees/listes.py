"""The perimeter lists the application offers, by vintage: the official ``2015`` and
``2024`` lists of the data directory and ``calcul``, the quartiers of the delimitation engine
on the bundled grid under the 2024 rules."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from quartiers.errors import QuartiersError
from quartiers.perimeters import PerimeterSet, load_perimeters

MILLESIMES: dict[str, str] = {
    "2024": "Liste officielle 2024",
    "2015": "Liste officielle 2015",
    "calcul": "Quartiers calculés (règles 2024, carroyage intégré)",
}
_lock = threading.RLock()


class ErreurPoint(QuartiersError):
    """A point that cannot be checked, with a stable machine-readable code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def millesime_valide(millesime: str) -> str:
    if millesime not in MILLESIMES:
        raise ErreurPoint(
            "millesime_inconnu",
            f"millésime « {millesime} » inconnu (valeurs possibles : {', '.join(MILLESIMES)})",
        )
    return millesime


def entrees() -> Any:
    """Grid and urban units of the data directory (read once per process)."""
    from quartiers.inputs import default_inputs

    return default_inputs()


@lru_cache(maxsize=16)
def delimitation(jeu: str = "2024", parametres: tuple[tuple[str, str], ...] = ()) -> Any:
    """A delimitation run on the bundled data (cached by rule set and overrides)."""
    from quartiers.delimitation import delimit
    from quartiers.parameters import load_rules

    inp = entrees()
    rules = load_rules(jeu, dict(parametres) or None)
    return delimit(inp.grid, inp.uus, rules, unknown_communes="ignorer",
                   commune_names=inp.uus.commune_names)


@lru_cache(maxsize=4)
def perimetres(millesime: str) -> PerimeterSet:
    """The perimeter set of a vintage (``2015``, ``2024`` or ``calcul``)."""
    millesime_valide(millesime)
    with _lock:
        return load_perimeters(millesime)


