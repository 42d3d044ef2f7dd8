"""Human labels for what the pages show: computed quartier codes, income statistics, the
choices of the delimitation parameters."""

from __future__ import annotations

import re

# QC<uu>-CRS3035RES200mN<y>E<x>: a computed quartier, named after its urban unit and its
# most populous square (see quartiers.delimitation.decision)
_CODE_CALCULE = re.compile(r"^QC(?P<uu>[0-9A-Z]+)-CRS3035RES(?P<cote>\d+)mN(?P<y>\d+)E(?P<x>\d+)$")

METHODES = {
    "moyenne": "indicateur de substitution : niveau de vie moyen de chaque carreau (somme des "
               "niveaux de vie de ses habitants, variable ind_snv, divisée par leur nombre, "
               "variable ind — l'INSEE ne publie pas la médiane par carreau), comparé au seuil "
               "S corrigé du rapport moyenne / médiane et du rapport revenu disponible / "
               "revenu déclaré",
    "mediane": "médiane du niveau de vie de chaque carreau (fournie avec le carroyage)",
}

CHOIX = {
    "auto": "automatique (médiane si fournie, sinon moyenne)",
    "moyenne": "moyenne (indicateur de substitution)",
    "mediane": "médiane (fournie par carreau)",
    "uu": "mesuré pour chaque unité urbaine",
    "fixe": "valeur fixe",
    "cote": "par un côté (4 voisins)",
    "coin": "par un côté ou un coin (8 voisins)",
}


def code_lisible(code: str) -> str:
    """``QC00760-CRS3035RES200mN2260000E4032400`` -> ``QC00760 · carreau N2260000 E4032400``;
    any other code unchanged."""
    m = _CODE_CALCULE.match(str(code))
    if not m:
        return str(code)
    return f"QC{m['uu']} · carreau N{m['y']} E{m['x']}"
