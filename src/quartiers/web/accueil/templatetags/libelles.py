"""``{% load libelles %}``: ``{{ code|code_quartier }}`` shows a computed quartier's code in
a readable way (see :mod:`quartiers.web.libelles`)."""

from __future__ import annotations

from django import template

from quartiers.web.libelles import code_lisible

register = template.Library()


@register.filter
def code_quartier(code: object) -> str:
    return code_lisible(str(code))
