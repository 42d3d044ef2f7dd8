"""Context shared by every page of the base template: skip links and the operator's details
shown in the footer and the accessibility statement."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

LIENS_EVITEMENT = (
    {"link": "#content", "label": "Contenu"},
    {"link": "#fr-navigation", "label": "Menu"},
    {"link": "#footer", "label": "Pied de page"},
)


def gabarit(request: HttpRequest) -> dict[str, Any]:
    return {
        "skiplinks": LIENS_EVITEMENT,
        "exploitant": settings.EXPLOITANT,
        "contact": settings.CONTACT,
    }
