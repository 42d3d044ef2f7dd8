from __future__ import annotations

from typing import Any

from django import template

from quartiers.registre.commun import centimes_en_euros

register = template.Library()


@register.filter
def euros(cents: Any) -> str:
    """Integer cents -> "1 234,56 €"."""
    if cents in (None, ""):
        return "0,00\u00a0€"
    return centimes_en_euros(int(cents))


@register.filter
def milliers(n: Any) -> str:
    if n in (None, ""):
        return ""
    return f"{int(n):,}".replace(",", "\u202f")
