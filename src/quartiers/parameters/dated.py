"""Dated, referenced parameters by name (in the manner of OpenFisca).

Every ``parameters/<fichier>.yaml`` file gives parameters named ``<fichier>.<cle>``, with a
description, a unit and values by date of entry into force, each with its reference (title
and Légifrance link); the format and its checks are in :mod:`quartiers.parameters.schema`.
The delimitation rules (``regles.yaml``) are read the same way, and also by rule set through
:func:`quartiers.parameters.load_rules`.

>>> p = value("eligibilite.tva_distance_qpv", "2025-01-01")
>>> p.valeur, p.unite, p.depuis.isoformat()
(300.0, 'metres', '2024-01-01')
>>> value("regles.coefficient", "2024-01-01").reference.titre
'Décret n° 2014-767 du 3 juillet 2014, art. 4'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from quartiers.parameters.catalogue import Reference, catalogue
from quartiers.parameters.schema import UNITS

__all__ = ["UNITS", "Reference", "Value", "names", "value"]


@dataclass(frozen=True)
class Value:
    """The value of a parameter in force at a date, with its unit and reference."""

    nom: str
    valeur: Any
    unite: str
    description: str
    depuis: dt.date
    reference: Reference


def names() -> list[str]:
    """Every parameter's name (``<fichier>.<cle>``)."""
    return sorted(catalogue().parameters)


def value(nom: str, on: dt.date | str | None = None) -> Value:
    """The value of parameter ``nom`` in force on ``on`` (today by default)."""
    p = catalogue().parameter(nom)
    entry = p.at(on if on is not None else dt.date.today())
    return Value(nom, entry.valeur, p.unite, p.description, entry.depuis, entry.reference)
