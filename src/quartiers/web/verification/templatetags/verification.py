"""Filters of the address check pages: answers and numbers written the French way."""

from __future__ import annotations

from typing import Any

from django import template

from quartiers.web.accueil.templatetags.nombres import nombre_fr

register = template.Library()

PRECISIONS = {"numero": "au numéro", "rue": "à la rue seulement", "lieudit": "au lieu-dit",
              "commune": "à la commune seulement"}


@register.filter
def metres_absolus(value: Any) -> str:
    """``-61.86`` -> ``62 m`` (a distance to a limit, whichever side)."""
    if value is None or value == "":
        return "une distance inconnue"
    return f"{nombre_fr(abs(float(value)))}\u00a0m"


@register.filter
def score(value: Any) -> str:
    """``0.934`` -> ``0,93``."""
    if value is None:
        return "inconnu"
    return nombre_fr(float(value), 2)


@register.filter
def precision(value: Any) -> str:
    return PRECISIONS.get(str(value), "précision inconnue")


@register.filter
def oui_non(value: Any) -> str:
    return {True: "oui", False: "non"}.get(value, "inconnu")
