"""Square-level assessment: urban unit, income statistic, threshold, low-income flag."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from quartiers.delimitation.thresholds import threshold, uu_is_eligible
from quartiers.errors import QuartiersError
from quartiers.io.grid import Grid, commune_codes
from quartiers.io.urban_units import UrbanUnits
from quartiers.parameters import Rules

MAX_COMMUNES_PER_SQUARE = 8


@dataclass
class SquareAssessment:
    """Per-square results, aligned with the grid rows."""

    uu: np.ndarray  # index into UrbanUnits.codes, -1 when the commune is unknown
    statistic: np.ndarray  # median, or the mean proxy ind_snv / ind
    threshold: np.ndarray  # legal threshold S of the square's UU (EUR), -1 if none
    applied: np.ndarray  # threshold the statistic is compared with
    low: np.ndarray  # low-income square, seed of a candidate zone
    statistic_kind: str  # "mediane" or "moyenne"
    uu_threshold: np.ndarray  # S per urban unit (aligned with UrbanUnits.codes)
    uu_eligible: np.ndarray  # UU of at least population_min_uu inhabitants


def statistic_kind(grid: Grid, rules: Rules) -> str:
    """``mediane`` when per-square medians are given (and not disabled), else ``moyenne``."""
    has_median = grid.median is not None and bool(np.isfinite(grid.median).any())
    if rules.statistique == "mediane" and not has_median:
        raise QuartiersError(
            "statistique=mediane demandée mais le carroyage n'a pas de colonne « median »",
            fichier=grid.source, champ="median",
        )
    if rules.statistique == "auto":
        return "mediane" if has_median else "moyenne"
    return rules.statistique


def assign_urban_units(
    grid: Grid, uus: UrbanUnits, unknown: str = "erreur"
) -> np.ndarray:
    """UU index per square from ``lcog_geo``.

    A square listing several communes goes to the urban unit of the first listed commune
    that belongs to an urban unit (a built-up square across a UU boundary is urban); when
    none does, to the first commune's "outside UU" group. Codes of municipal arrondissements
    are mapped to their commune first.
    """
    first = uus.index_of_communes(commune_codes(grid.communes, 0))
    if unknown == "erreur" and (first < 0).any():
        idx = int(np.flatnonzero(first < 0)[0])
        raise QuartiersError(
            f"commune « {grid.communes[idx][:5]} » absente de la composition des unités "
            "urbaines (unité urbaine inconnue)",
            fichier=grid.source, ligne=idx + 2, champ="lcog_geo",
        )
    result = first.copy()
    chosen_urban = np.where(first >= 0, uus.is_urban[np.maximum(first, 0)], False)
    for pos in range(1, MAX_COMMUNES_PER_SQUARE):
        codes = commune_codes(grid.communes, pos)
        present = codes != ""
        if not present.any():
            break
        idx = np.where(present, uus.index_of_communes(codes), -1)
        urban = np.where(idx >= 0, uus.is_urban[np.maximum(idx, 0)], False)
        take = urban & ~chosen_urban
        result = np.where(take, idx, result)
        chosen_urban |= take
    return result


def smoothed_mean(grid: Grid, radius: int) -> np.ndarray:
    """Population-weighted mean standard of living over a (2r+1)^2 window of squares.

    Squares of fewer than 11 households carry imputed values (``i_est_200``); pooling the
    neighbourhood reduces that noise before squares are selected.
    """
    res = grid.resolution
    col = (grid.x - grid.x.min()) // res + radius
    row = (grid.y - grid.y.min()) // res + radius
    shape = (int(row.max()) + radius + 1, int(col.max()) + radius + 1)
    ind = np.zeros(shape)
    snv = np.zeros(shape)
    ind[row, col] = grid.ind
    snv[row, col] = grid.snv
    size = 2 * radius + 1
    ind_s = ndimage.uniform_filter(ind, size=size, mode="constant")[row, col]
    snv_s = ndimage.uniform_filter(snv, size=size, mode="constant")[row, col]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ind_s > 0, snv_s / ind_s, np.nan)


def assess_squares(
    grid: Grid, uus: UrbanUnits, rules: Rules, unknown_communes: str = "erreur"
) -> SquareAssessment:
    """Compute each square's UU, statistic, threshold and low-income flag."""
    kind = statistic_kind(grid, rules)
    uu = assign_urban_units(grid, uus, unknown_communes)

    eligible = uus.is_urban & uu_is_eligible(uus.population, rules)
    # Outside urban units the decree does not apply; a national-only threshold still lets
    # the explanation table show the low-income zones that were left out for that reason.
    uu_median = np.where(uus.is_urban, uus.median, uus.national_median)
    s_uu = threshold(uu_median, uus.national_median, uus.population, rules)

    present = np.unique(uu[uu >= 0])
    missing = present[eligible[present] & (s_uu[present] < 0)]
    if missing.size:
        code = uus.codes[missing[0]]
        raise QuartiersError(
            f"unité urbaine {code} ({uus.names[missing[0]]}) sans médiane de niveau de vie "
            "dans le fichier des revenus par unité urbaine",
            fichier=uus.median_source, champ="MED18",
        )

    s = np.where(uu >= 0, s_uu[np.maximum(uu, 0)], -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "mediane":
            assert grid.median is not None
            stat = grid.median.astype(np.float64)
        else:
            stat = np.where(grid.ind > 0, grid.snv / grid.ind, np.nan)
    selection = smoothed_mean(grid, rules.lissage) if kind == "moyenne" and rules.lissage else stat
    ratio = rules.ratio_moyenne_mediane if kind == "moyenne" else 1.0
    applied = np.where(s >= 0, s * ratio, np.nan)
    near_empty = grid.imputed & (grid.ind < rules.population_min_carreau)
    with np.errstate(invalid="ignore"):
        low = (selection < applied) & (grid.ind > 0) & ~near_empty
    return SquareAssessment(
        uu=uu, statistic=stat, threshold=s, applied=applied, low=low,
        statistic_kind=kind, uu_threshold=s_uu, uu_eligible=eligible,
    )
