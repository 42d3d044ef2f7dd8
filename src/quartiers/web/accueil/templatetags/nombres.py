"""French number formatting, one helper for every page: ``{% load nombres %}``.

- ``{{ x|nombre }}`` -> ``523 174`` (narrow no-break space between thousands), ``{{ x|nombre:2 }}``
  -> ``1 234,57`` (comma decimals), ``{{ x|nombre:-1 }}`` as many decimals as needed;
  nothing (None, NaN) -> ``—``;
- ``{{ x|euros }}`` -> ``1 234 €`` (``{{ x|euros:2 }}`` with cents);
- ``{{ x|pourcentage }}`` for a share in [0, 1] -> ``12,3 %``.

The same functions are importable for Python code (CSV reports, chart labels):
:func:`nombre_fr`, :func:`euros_fr`.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()

ESPACE_FINE = "\u202f"  # narrow no-break space: the French thousands separator
ESPACE_INSECABLE = "\u00a0"
VIDE = "—"


def _valeur(x: Any) -> float | Decimal | None:
    if x is None or x == "" or isinstance(x, bool):
        return None
    if isinstance(x, Decimal):
        return x if x.is_finite() else None
    try:
        v = float(x)
    except (TypeError, ValueError, OverflowError):
        try:
            return Decimal(str(x).replace(",", ".").strip())
        except InvalidOperation:
            return None
    return v if math.isfinite(v) else None


def nombre_fr(x: Any, decimales: int = 0) -> str:
    """``x`` written the French way (``1 234 567,8``); ``—`` when it is not a number."""
    v = _valeur(x)
    if v is None:
        return VIDE
    d = min(int(decimales), 10)
    text = f"{abs(v):,.{6 if d < 0 else d}f}"
    if d < 0 and "." in text:  # as many decimals as needed
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", ESPACE_FINE).replace(".", ",")
    negatif = v < 0 and text.strip("0,\u202f") != ""
    return ("-" if negatif else "") + text


def euros_fr(x: Any, decimales: int = 0) -> str:
    n = nombre_fr(x, decimales)
    return n if n == VIDE else f"{n}{ESPACE_INSECABLE}€"


def _entier(x: Any, defaut: int) -> int:
    try:
        return int(x)
    except (TypeError, ValueError):
        return defaut


@register.filter
def nombre(x: Any, decimales: Any = 0) -> str:
    return nombre_fr(x, _entier(decimales, 0))


@register.filter
def euros(x: Any, decimales: Any = 0) -> str:
    return euros_fr(x, _entier(decimales, 0))


@register.filter
def pourcentage(x: Any, decimales: Any = 1) -> str:
    v = _valeur(x)
    if v is None:
        return VIDE
    return f"{nombre_fr(float(v) * 100, _entier(decimales, 1))}{ESPACE_INSECABLE}%"
