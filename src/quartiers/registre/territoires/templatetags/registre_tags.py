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


@register.simple_tag
def url_territoire(territoire: Any) -> str:
    """The dashboard of a région, a département or an EPCI."""
    from quartiers.registre.territoires.views import url_de

    return url_de(territoire)


@register.filter
def get(mapping: Any, key: str) -> Any:
    """``{{ forms|get:kind }}``: a dictionary's value in a template."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def verbose(model: Any) -> str:
    """A model's verbose name (``{{ form.Meta.model|verbose }}``)."""
    return str(model._meta.verbose_name)
