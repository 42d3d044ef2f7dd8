"""Square-level assessment: urban unit, income statistic, threshold, low-income flag."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
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
    uu_mean_median: np.ndarray  # mean / median ratio per UU (1 for medians)
    uu_factor: np.ndarray  # factor applied to S per UU (1 for medians)
    commune: np.ndarray  # index in ``communes`` of the square's first lcog_geo commune
    communes: np.ndarray  # the distinct first communes, sorted (5-character codes)


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


def encode_communes(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``lcog_geo`` values and each square's index among them.

    Rules on communes then run once per distinct value (tens of thousands for France, not
    millions) and are spread to the squares by that index.
    """
    # pandas hashes the Python strings directly: about twice as fast as building an Arrow
    # array first and dictionary-encoding it
    of_square, distinct = pd.factorize(grid.communes)
    return np.asarray(distinct, dtype=object), of_square


def _urban_units_of_values(
    grid: Grid, uus: UrbanUnits, distinct: np.ndarray, of_square: np.ndarray, unknown: str,
    first_codes: np.ndarray,
) -> np.ndarray:
    """UU index of each distinct ``lcog_geo`` value (see :func:`assign_urban_units`)."""
    first = uus.index_of_communes(first_codes)
    if unknown == "erreur" and (first < 0).any():
        idx = int(np.flatnonzero(first[of_square] < 0)[0])
        raise QuartiersError(
            f"commune « {grid.communes[idx][:5]} » absente de la composition des unités "
            "urbaines (unité urbaine inconnue)",
            fichier=grid.source, ligne=idx + 2, champ="lcog_geo",
        )
    result = first.copy()
    chosen_urban = np.where(first >= 0, uus.is_urban[np.maximum(first, 0)], False)
    text = pa.array(distinct, type=pa.string())
    for pos in range(1, MAX_COMMUNES_PER_SQUARE):
        sliced = pc.utf8_slice_codeunits(text, pos * 5, pos * 5 + 5)
        codes = np.asarray(sliced.to_numpy(zero_copy_only=False), dtype="U5")
        present = codes != ""
        if not present.any():
            break
        other = np.where(present, uus.index_of_communes(codes), -1)
        urban = np.where(other >= 0, uus.is_urban[np.maximum(other, 0)], False)
        take = urban & ~chosen_urban
        result = np.where(take, other, result)
        chosen_urban |= take
    return result


def assign_urban_units(
    grid: Grid, uus: UrbanUnits, unknown: str = "erreur"
) -> np.ndarray:
    """UU index per square from ``lcog_geo``.

    A square listing several communes goes to the urban unit of the first listed commune
    that belongs to an urban unit (a built-up square across a UU boundary is urban); when
    none does, to the first commune's "outside UU" group. Codes of municipal arrondissements
    are mapped to their commune first.

    The rule runs once per distinct ``lcog_geo`` value (tens of thousands for France, not
    millions), then the result is spread to the squares.
    """
    distinct, of_square = encode_communes(grid)
    first_codes = commune_codes(distinct, 0)
    return _urban_units_of_values(grid, uus, distinct, of_square, unknown, first_codes)[
        of_square
    ]


def mean_median_ratio(grid: Grid, uu: np.ndarray, uus: UrbanUnits, rules: Rules) -> np.ndarray:
    """Mean / median ratio of the standard of living per urban unit.

    With ``calibration_moyenne_mediane = uu``, measured as the grid's population-weighted
    mean (``sum ind_snv / sum ind`` over the UU's squares) divided by the UU's published
    median, for the UUs whose fiscal population is covered at ``couverture_min_uu`` or more;
    ``ratio_moyenne_mediane`` elsewhere (and everywhere with ``fixe``).

    The measured ratio also absorbs the gap between the grid's and the medians' vintages.
    """
    n = len(uus.codes)
    fixed = np.full(n, rules.ratio_moyenne_mediane)
    if rules.calibration_moyenne_mediane == "fixe" or uus.fiscal_population is None:
        return fixed
    ok = uu >= 0
    pop = np.bincount(uu[ok], weights=grid.ind[ok], minlength=n)
    snv = np.bincount(uu[ok], weights=grid.snv[ok], minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = pop / uus.fiscal_population
        measured = (snv / pop) / uus.median
    usable = (coverage >= rules.couverture_min_uu) & np.isfinite(measured) & uus.is_urban
    return np.where(usable, measured, fixed)


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
    grid: Grid, uus: UrbanUnits, rules: Rules, unknown_communes: str = "erreur",
    derogation_uu: list[str] | None = None,
) -> SquareAssessment:
    """Compute each square's UU, statistic, threshold and low-income flag.

    ``derogation_uu`` lists urban units under 10 000 inhabitants that held quartiers of the
    previous list: with ``derogation_liste_precedente`` they are treated as eligible.
    """
    kind = statistic_kind(grid, rules)
    distinct, of_square = encode_communes(grid)
    first_codes = commune_codes(distinct, 0)
    uu_of_value = _urban_units_of_values(
        grid, uus, distinct, of_square, unknown_communes, first_codes
    )
    uu = uu_of_value[of_square]
    communes, commune_of_value = np.unique(first_codes, return_inverse=True)

    eligible = uus.is_urban & uu_is_eligible(uus.population, rules)
    if derogation_uu:
        unknown = sorted(set(derogation_uu) - set(uus.codes.tolist()))
        if unknown:
            raise QuartiersError(
                f"unité(s) urbaine(s) inconnue(s) : {', '.join(unknown)}", champ="--uu-derogation"
            )
        if not rules.derogation_liste_precedente:
            raise QuartiersError(
                f"les règles {rules.jeu} ne prévoient pas de dérogation", champ="--uu-derogation"
            )
        eligible |= np.isin(uus.codes, derogation_uu) & uus.is_urban
    # Outside urban units the decree does not apply; a national-only threshold still lets
    # the explanation table show the low-income zones that were left out for that reason.
    uu_median = np.where(uus.is_urban, uus.median, uus.national_median)
    s_uu = threshold(uu_median, uus.national_median, uus.population, rules)

    present = np.unique(uu_of_value[uu_of_value >= 0])  # every value is some square's
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
    if kind == "moyenne":
        mean_median = mean_median_ratio(grid, uu, uus, rules)
        factor = mean_median * rules.ratio_disponible_declare
    else:
        mean_median = np.ones(len(uus.codes))
        factor = mean_median
    applied = np.where(s >= 0, s * factor[np.maximum(uu, 0)], np.nan)
    near_empty = grid.imputed & (grid.ind < rules.population_min_carreau)
    with np.errstate(invalid="ignore"):
        low = (selection < applied) & (grid.ind > 0) & ~near_empty
    return SquareAssessment(
        uu=uu, statistic=stat, threshold=s, applied=applied, low=low,
        statistic_kind=kind, uu_threshold=s_uu, uu_eligible=eligible,
        uu_mean_median=mean_median, uu_factor=factor,
        commune=commune_of_value[of_square], communes=communes,
    )
