"""Server-rendered charts (inline SVG, no JavaScript library): ``{% load graphiques %}``.

``{% barres lignes titre="Crédits par pilier" %}`` draws grouped horizontal bars, one group
per row (``cle``), one bar per series (default ``demande``, ``accorde``, ``verse``). Amounts
in integer cents (the register's convention) are shown in euros, French style. The chart is a
``<figure>`` whose caption, its heading, comes first; the SVG has ``role="img"`` and a text
alternative, the table next to it stays the accessible reference. Colours and text sizes
come from CSS (``quartiers.css``: DSFR colour variables, so the text follows the light or
dark theme); the view box is narrow (400 units) so that the text stays readable on a phone.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from quartiers.web.accueil.templatetags.nombres import ESPACE_INSECABLE, nombre_fr

register = template.Library()

LIBELLES = {"demande": "demandé", "accorde": "accordé", "verse": "versé",
            "subventions": "subventions", "prets": "prêts bonifiés", "concours": "concours"}
LARGEUR = 400
BARRES_MAX = 250  # the rest of the width holds the value written after the bar
HAUTEUR_BARRE, ECART, HAUTEUR_LIBELLE = 14, 3, 20


def _euros(cents: float) -> str:
    euros = cents / 100
    if abs(euros) >= 1_000_000:
        return f"{nombre_fr(euros / 1_000_000, 1)}{ESPACE_INSECABLE}M€"
    if abs(euros) >= 1_000:
        return f"{nombre_fr(euros / 1_000)}{ESPACE_INSECABLE}k€"
    return f"{nombre_fr(euros)}{ESPACE_INSECABLE}€"


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
    fmt = _euros if centimes else nombre_fr
    legende_h = 24
    groupe_h = HAUTEUR_LIBELLE + len(noms) * (HAUTEUR_BARRE + ECART) + 10
    height = legende_h + groupe_h * len(rows)
    desc = "; ".join(
        f"{_valeur(r, cle)} : " + ", ".join(f"{LIBELLES.get(s, s)} {fmt(v)}"
                                           for s, v in zip(noms, vs, strict=True))
        for r, vs in zip(rows, values, strict=True))
    parts = [f'<figure class="graphique"><figcaption>{escape(titre)}</figcaption>'
             f'<svg role="img" aria-label="{escape(titre)} : {escape(desc)}" '
             f'viewBox="0 0 {LARGEUR} {height}" xmlns="http://www.w3.org/2000/svg" '
             'font-family="Marianne, arial, sans-serif">']
    x = 0
    for k, s in enumerate(noms):
        parts.append(f'<rect class="graphique__serie-{k % 5}" x="{x}" y="4" width="12" '
                     f'height="12"/><text class="graphique__texte" x="{x + 16}" y="15">'
                     f"{escape(LIBELLES.get(s, s))}</text>")
        x += LARGEUR // max(len(noms), 3)
    for i, (r, vs) in enumerate(zip(rows, values, strict=True)):
        y0 = legende_h + i * groupe_h
        label = str(_valeur(r, cle))
        label = label if len(label) <= 50 else label[:48] + "…"
        parts.append(f'<text class="graphique__texte" x="0" y="{y0 + 14}">{escape(label)}</text>')
        for k, v in enumerate(vs):
            w = max(BARRES_MAX * v / vmax, 0.5 if v else 0)
            y = y0 + HAUTEUR_LIBELLE + k * (HAUTEUR_BARRE + ECART)
            parts.append(f'<rect class="graphique__serie-{k % 5}" x="0" y="{y}" '
                         f'width="{w:.1f}" height="{HAUTEUR_BARRE}"/>'
                         f'<text class="graphique__valeur" x="{w + 4:.1f}" '
                         f'y="{y + HAUTEUR_BARRE - 2}">{escape(fmt(v))}</text>')
    parts.append("</svg></figure>")
    return mark_safe("".join(parts))
