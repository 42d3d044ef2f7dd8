"""Dated, referenced parameters outside the delimitation rules (in the manner of OpenFisca).

Each ``*.yaml`` file of this package other than ``regles.yaml`` holds one domain's
parameters under ``parametres:``; a parameter is named ``<file>.<key>`` (``eligibilite.
tva_distance_qpv``) and has a description, a unit and values by date of entry into force,
each with its legal reference (title and Légifrance link)::

    parametres:
      tva_distance_qpv:
        description: "..."
        unite: metres
        valeurs:
          "2024-01-01":
            valeur: 300
            reference:
              titre: "Code général des impôts, art. 278 sexies, I, 11 bis"
              url: "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000048829245"

>>> p = value("eligibilite.tva_distance_qpv", "2025-01-01")
>>> p.valeur, p.unite
(300, 'metres')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from quartiers.errors import QuartiersError

UNITS = ("habitants", "euros", "ratio", "metres", "annees", "mois", "date", "booleen", "texte",
         "carreaux", "pourcentage")
_EXCLUDED = ("regles.yaml",)


@dataclass(frozen=True)
class Reference:
    titre: str
    url: str = ""


@dataclass(frozen=True)
class Value:
    """The value of a parameter in force at a date, with its unit and reference."""

    nom: str
    valeur: Any
    unite: str
    description: str
    depuis: dt.date
    reference: Reference


def _date(text: Any, where: str) -> dt.date:
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise QuartiersError(f"date « {text} » invalide (AAAA-MM-JJ)", champ=where) from None


@cache
def _files() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for entry in resources.files("quartiers.parameters").iterdir():
        name = entry.name
        if not name.endswith(".yaml") or name in _EXCLUDED:
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        params = data.get("parametres")
        if not isinstance(params, dict):
            raise QuartiersError("section « parametres » absente", fichier=name)
        for key, spec in params.items():
            _check(f"{name[:-5]}.{key}", spec, name)
            out[f"{name[:-5]}.{key}"] = spec
    return out


def _check(nom: str, spec: Any, fichier: str) -> None:
    if not isinstance(spec, dict):
        raise QuartiersError("paramètre mal formé", fichier=fichier, champ=nom)
    for needed in ("description", "unite", "valeurs"):
        if needed not in spec:
            raise QuartiersError(f"clé « {needed} » absente", fichier=fichier, champ=nom)
    if spec["unite"] not in UNITS:
        raise QuartiersError(f"unité « {spec['unite']} » inconnue ({', '.join(UNITS)})",
                             fichier=fichier, champ=nom)
    for date, v in spec["valeurs"].items():
        _date(date, nom)
        ref = (v or {}).get("reference")
        if not isinstance(ref, dict) or not ref.get("titre"):
            raise QuartiersError(f"valeur du {date} sans référence (titre, url)",
                                 fichier=fichier, champ=nom)


def names() -> list[str]:
    """Every dated parameter's name."""
    return sorted(_files())


def value(nom: str, on: dt.date | str | None = None) -> Value:
    """The value of parameter ``nom`` in force on ``on`` (today by default)."""
    spec = _files().get(nom)
    if spec is None:
        raise QuartiersError(f"paramètre « {nom} » inconnu", champ=nom)
    when = _date(on, nom) if on is not None else dt.date.today()
    chosen = None
    for start, v in sorted((_date(d, nom), v) for d, v in spec["valeurs"].items()):
        if start <= when:
            chosen = (start, v)
    if chosen is None:
        raise QuartiersError(f"aucune valeur en vigueur au {when.isoformat()}", champ=nom)
    start, v = chosen
    ref = v["reference"]
    return Value(nom, v["valeur"], spec["unite"], spec["description"], start,
                 Reference(ref["titre"], ref.get("url", "")))
