"""The answer to "is this point in a QPV?": ``oui``, ``non`` or ``inconnu``, with its reason.

The rules, in the order they are applied to each point and each perimeter list:

1. coordinates that cannot be used (missing, outside France, swapped), an address not found
   or found with too low a score: ``inconnu``;
2. inside a quartier of the list: ``oui`` (the list says so, wherever it is);
3. outside every commune whose outline the data directory holds: ``inconnu``;
4. in a commune the list does not cover (see :mod:`~quartiers.eligibility.coverage`), or
   closer than the commune-limit margin to one (the outlines are simplified): ``inconnu``;
5. otherwise ``non`` — said only where the list is known to be complete.

A position known only roughly (an address found at the street or the commune, with the
radius of a disc that holds every known address of it) is answered only if the whole disc
gets the same answer: inside a quartier farther than the radius from its limit, or outside
every quartier by more than the radius and in covered territory all around; else
``inconnu``. The VAT distance bands (CGI art. 278 sexies) follow the same logic: ``True``
when the whole disc is within the distance of a quartier, ``False`` when no quartier can be
within it, unknown (None) otherwise — for the 500 m band, always unknown near a quartier
whose renewal convention (NPNRU) the data does not give.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from quartiers.parameters import dated

OUI, NON, INCONNU = "oui", "non", "inconnu"

# reason categories, for the summaries (the motif text says more)
MOTIFS = {
    1: "coordonnées inutilisables",
    2: "adresse introuvable",
    3: "adresse incertaine (score trop faible)",
    4: "adresse imprécise (rue ou commune seulement)",
    5: "hors des communes connues",
    6: "commune non couverte par la liste",
    7: "limite de commune incertaine",
}
COORDONNEES, INTROUVABLE, SCORE, IMPRECIS, HORS_COMMUNES, NON_COUVERT, LIMITE = range(1, 8)
#: Reasons for which the list says nothing at the point (no distance is given either).
SILENT = (HORS_COMMUNES, NON_COUVERT, LIMITE)


@dataclass(frozen=True)
class Settings:
    """The numbers the rules use, read from ``parameters/eligibilite.yaml``."""

    band_qpv: float
    band_npnru: float
    commune_margin: float
    min_score: float

    @classmethod
    @cache
    def on(cls, day: dt.date | None = None) -> Settings:
        def v(name: str) -> float:
            return float(dated.value(f"eligibilite.{name}", day).valeur)

        return cls(v("tva_distance_qpv"), v("tva_distance_qpv_npnru"),
                   v("marge_limite_communale"), v("score_geocodage_minimal"))


@dataclass
class Place:
    """Where each point is: shared by every perimeter list of one call.

    ``reason`` holds the French reason of each unusable point (None when usable);
    ``commune`` the index of its commune in ``territory`` (-1 outside every outline);
    ``radius`` the radius (m) of the disc the position stands for (0: exact)."""

    x: np.ndarray
    y: np.ndarray
    reason: np.ndarray
    commune: np.ndarray
    territory: object | None
    radius: np.ndarray
    category: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))

    def __post_init__(self) -> None:
        if len(self.category) != len(self.x):
            self.category = np.where(self.reason != None, COORDONNEES, 0).astype(np.int8)  # noqa: E711

    @property
    def usable(self) -> np.ndarray:
        return self.category == 0


def keep(values: np.ndarray | str, where: np.ndarray) -> np.ndarray:
    """``values`` where ``where`` holds, None elsewhere (object dtype)."""
    out = np.full(len(where), None, dtype=object)
    out[where] = np.asarray(values, dtype=object)[where] if np.ndim(values) else values
    return out


def nullable(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """A boolean array with None where not ``known`` (object dtype)."""
    out = np.empty(len(values), dtype=object)
    out[known] = values[known]
    return out


def decide(
    *, place: Place, inside: np.ndarray, distance: np.ndarray,
    covered_commune: np.ndarray, uncovered_distance: np.ndarray,
    commune_text: np.ndarray, uncovered_text: np.ndarray, outside_text: str,
    npnru_distance: np.ndarray | None, settings: Settings,
) -> dict[str, np.ndarray]:
    """``statut``, ``motif``, ``dans_qpv``, ``bande_300m`` and ``bande_500m`` of one list.

    ``distance`` is the signed distance to the nearest quartier limit (negative inside);
    ``covered_commune`` says per point whether the list covers its commune;
    ``uncovered_distance`` the distance to the nearest known commune it does not cover;
    ``commune_text`` / ``uncovered_text`` the French names used in the reasons.
    """
    n = len(place.x)
    r = place.radius
    usable = place.usable
    margin = settings.commune_margin

    def covered_disc(reach: np.ndarray | float) -> np.ndarray:
        return in_commune & covered_commune & (uncovered_distance >= reach + margin)

    in_commune = place.commune >= 0
    sure_in = usable & (inside >= 0) & (-distance >= r)
    sure_out = usable & (inside < 0) & (distance > r) & covered_disc(r)
    statut = np.full(n, INCONNU, dtype=object)
    statut[sure_in] = OUI
    statut[sure_out] = NON
    category = place.category.copy()
    motif = np.full(n, None, dtype=object)
    undecided = usable & ~sure_in & ~sure_out
    coarse = undecided & (r > 0) & ((inside >= 0) | (np.abs(distance) <= r))
    category[coarse] = IMPRECIS
    rest = undecided & ~coarse
    category[rest & ~in_commune] = HORS_COMMUNES
    category[rest & in_commune & ~covered_commune] = NON_COUVERT
    category[rest & in_commune & covered_commune] = LIMITE
    motif[~usable] = place.reason[~usable]
    if coarse.any():
        motif[coarse] = [f"position connue à {_metres(v)} m près seulement (adresse trouvée "
                         "à la rue ou à la commune) : trop près de la limite d'un quartier "
                         "pour conclure" for v in r[coarse]]  # the coarse points only
    motif[category == HORS_COMMUNES] = outside_text
    pick = category == NON_COUVERT
    motif[pick] = commune_text[pick]
    pick = category == LIMITE
    motif[pick] = uncovered_text[pick]
    statut_known = statut != INCONNU
    dans_qpv = nullable(inside >= 0, statut_known)

    def band(limit: float, near: np.ndarray | None) -> np.ndarray:
        yes = usable & (distance + r <= limit) if near is None else usable & (near + r <= limit)
        d = distance if near is None else near
        no = usable & (d - r > limit) & (inside < 0) & covered_disc(limit + r)
        return nullable(yes, yes | no)

    band_npnru = band(settings.band_npnru, npnru_distance) if npnru_distance is not None \
        else nullable(np.zeros(n, bool), usable & (distance - r > settings.band_npnru)
                      & (inside < 0) & covered_disc(settings.band_npnru + r))
    return {
        "statut": statut, "motif": motif, "dans_qpv": dans_qpv,
        "bande_300m": band(settings.band_qpv, None), "bande_500m": band_npnru,
        "_categorie": category,
    }


def _metres(v: float) -> str:
    return f"{v:,.0f}".replace(",", "\u202f")
