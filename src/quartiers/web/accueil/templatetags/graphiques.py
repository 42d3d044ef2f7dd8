"""Server-rendered charts (inline SVG, no JavaScript library): ``{% load graphiques %}``.

``{% barres lignes titre="Crédits par pilier" %}`` draws grouped horizontal bars, one group
per row (``cle``), one bar per series (default ``demande``, ``accorde``, ``verse``). Amounts
in integer cents (the register's convention) are shown in euros. The SVG has ``role="img"``
and a text alternative; the table next to it stays the accessible reference.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

COULEURS = ("#000091", "#6a6af4", "#18753c", "#ce0500", "#b34000")
LIBELLES = {"demande": "demandé", "accorde": "accordé", "verse": "versé",
            "subventions": "subventions", "prets": "prêts bonifiés", "concours": "concours"}


def _euros(cents: float) -> str:
    euros = cents / 100
    if abs(euros) >= 1_000_000:
        return f"{euros / 1_000_000:.1f} M€".replace(".", ",")
    if abs(euros) >= 1_000:
        return f"{euros / 1_000:.0f} k€"
    return f"{euros:.0f} €"


def _valeur(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


@register.simple_tag
def barres(lignes: Any, titre: str = "", cle: str = "cle",
           series: str = "demande,accorde,verse", centimes: bool = True) -> SafeString:
    noms = [s.strip() for s in series.split(",") if s.strip()]
    rows = list(lignes or [])
    if not rows or not noms:
        return mark_safe("")
    values = [[float(_valeur(r, s) or 0) for s in noms] for r in rows]
    vmax = max((v for vs in values for v in vs), default=0) or 1
    label_w, bar_w, bar_h, gap = 300, 420, 12, 10
    group_h = bar_h * len(noms) + gap
    legend_h = 24
    height = legend_h + group_h * len(rows) + 10
    width = label_w + bar_w + 110
    fmt = _euros if centimes else (lambda v: f"{v:,.0f}".replace(",", " "))
    desc = "; ".join(
        f"{_valeur(r, cle)} : " + ", ".join(f"{LIBELLES.get(s, s)} {fmt(v)}"
                                           for s, v in zip(noms, vs, strict=True))
        for r, vs in zip(rows, values, strict=True))
    parts = [f'<svg class="graphique" role="img" aria-label="{escape(titre)} : {escape(desc)}" '
             f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" '
             'xmlns="http://www.w3.org/2000/svg" font-family="Marianne, arial, sans-serif" '
             'font-size="12">', f"<title>{escape(titre)}</title>"]
    x = label_w
    for k, s in enumerate(noms):
        color = COULEURS[k % len(COULEURS)]
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{color}"/>'
                     f'<text x="{x + 16}" y="16" fill="#161616">{escape(LIBELLES.get(s, s))}'
                     "</text>")
        x += 110
    for i, (r, vs) in enumerate(zip(rows, values, strict=True)):
        y0 = legend_h + i * group_h
        label = str(_valeur(r, cle))
        label = label if len(label) <= 44 else label[:42] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y0 + group_h / 2}" text-anchor="end" '
                     f'fill="#161616">{escape(label)}</text>')
        for k, v in enumerate(vs):
            w = max(bar_w * v / vmax, 0.5 if v else 0)
            y = y0 + k * bar_h
            color = COULEURS[k % len(COULEURS)]
            parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" '
                         f'fill="{color}"/><text x="{label_w + w + 4:.1f}" y="{y + bar_h - 3}" '
                         f'fill="#3a3a3a" font-size="10">{escape(fmt(v))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
