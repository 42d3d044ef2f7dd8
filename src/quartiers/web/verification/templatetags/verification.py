"""Filters of the address check pages: answers and numbers written the French way."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

PRECISIONS = {"numero": "au numéro", "rue": "à la rue seulement", "lieudit": "au lieu-dit",
              "commune": "à la commune seulement"}


def _entier(v: float) -> str:
    return f"{v:,.0f}".replace(",", "\u202f")


@register.filter
def metres_absolus(value: Any) -> str:
    """``-61.86`` -> ``62 m`` (a distance to a limit, whichever side)."""
    if value is None or value == "":
        return "une distance inconnue"
    return f"{_entier(abs(float(value)))}\u00a0m"


@register.filter
def score(value: Any) -> str:
    """``0.934`` -> ``0,93``."""
    if value is None:
        return "inconnu"
    return f"{float(value):.2f}".replace(".", ",")


@register.filter
def precision(value: Any) -> str:
    return PRECISIONS.get(str(value), "précision inconnue")


@register.filter
def oui_non(value: Any) -> str:
    return {True: "oui", False: "non"}.get(value, "inconnu")
