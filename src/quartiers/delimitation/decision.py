"""Zone statistics and the decision the decree prescribes for each candidate zone.

A candidate zone becomes a quartier when (décret n° 2014-767, art. 2):
its urban unit has at least ``population_min_uu`` inhabitants, it has at least
``population_min_quartier`` inhabitants, and its income statistic, recomputed on the whole
zone (population-weighted), is below the threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from quartiers.delimitation.squares import SquareAssessment
from quartiers.delimitation.zones import Zones
from quartiers.io.grid import Grid
from quartiers.io.urban_units import UrbanUnits
from quartiers.parameters import Rules

RETENU = "retenu"
REASONS = {
    "retenu": "retenu : toutes les conditions du décret sont remplies",
    "hors_unite_urbaine": "rejeté : hors unité urbaine",
    "unite_urbaine_trop_petite": "rejeté : unité urbaine de moins de {min_uu} habitants",
    "population_insuffisante": "rejeté : moins de {min_q} habitants",
    "revenu_au_dessus_du_seuil": (
        "rejeté : statistique de revenu de la zone supérieure ou égale au seuil"
    ),
}


def weighted_median(
    groups: np.ndarray, values: np.ndarray, weights: np.ndarray, n: int
) -> np.ndarray:
    """Population-weighted median of ``values`` per group (vectorised).

    >>> weighted_median(np.array([0, 0, 0, 1]), np.array([1., 2., 10., 5.]),
    ...                 np.array([1., 1., 1., 2.]), 2).tolist()
    [2.0, 5.0]
    """
    ok = np.isfinite(values) & (weights > 0)
    g, v, w = groups[ok], values[ok], weights[ok]
    order = np.lexsort((v, g))
    g, v, w = g[order], v[order], w[order]
    cum = np.cumsum(w)
    totals = np.bincount(g, weights=w, minlength=n)
    before = np.concatenate([[0.0], np.cumsum(totals)[:-1]])
    within = cum - before[g]
    reached = within >= totals[g] / 2
    first = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(reached)
    # first index per group where half the weight is reached
    uniq, pos = np.unique(g[idx], return_index=True)
    first[uniq] = idx[pos]
    return np.where(first >= 0, v[np.maximum(first, 0)], np.nan)


def zone_table(
    grid: Grid, squares: SquareAssessment, zones: Zones, uus: UrbanUnits, rules: Rules,
    commune_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per candidate zone with its numbers, decision and reason."""
    n = zones.count
    member = zones.square_zone >= 0
    zid = zones.square_zone[member]
    ind = grid.ind[member]

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(zid, weights=values, minlength=n)

    population = total(ind)
    snv = total(grid.snv[member])
    n_squares = np.bincount(zid, minlength=n) + (
        np.bincount(zones.extra_cells[:, 2], minlength=n) if len(zones.extra_cells) else 0
    )
    n_low = np.bincount(zid[squares.low[member]], minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        if squares.statistic_kind == "mediane":
            stat = weighted_median(zid, squares.statistic[member], ind, n)
        else:
            stat = np.where(population > 0, snv / population, np.nan)
    uu = zones.zone_uu
    s = squares.uu_threshold[uu]
    applied = s * squares.uu_factor[uu]

    is_urban = uus.is_urban[uu]
    eligible_uu = squares.uu_eligible[uu]
    big_enough = population >= rules.population_min_quartier
    with np.errstate(invalid="ignore"):
        below = stat < applied
    reason = np.select(
        [~is_urban, ~eligible_uu, ~big_enough, ~below],
        ["hors_unite_urbaine", "unite_urbaine_trop_petite", "population_insuffisante",
         "revenu_au_dessus_du_seuil"],
        default=RETENU,
    )

    # stable identifier: the zone's most populous square (ties: smallest y, then x)
    order = np.lexsort((grid.x[member], grid.y[member], -ind, zid))
    zs = zid[order]
    first = order[np.r_[True, zs[1:] != zs[:-1]]] if n else order  # no zone: empty
    anchor = np.flatnonzero(member)[first]
    anchor_zone = zid[first]
    anchor_of = np.empty(n, dtype=np.int64)
    anchor_of[anchor_zone] = anchor
    anchor_ids = pa.array(grid.ids[anchor_of], type=pa.string())
    codes = pc.binary_join_element_wise(
        "QC", pa.array(uus.codes[uu], type=pa.string()), "-", anchor_ids, ""
    ).to_numpy(zero_copy_only=False)

    # communes of each zone, most populous first, joined by pyarrow (no loop over zones)
    main5 = pc.utf8_slice_codeunits(
        pa.array(grid.communes[anchor_of], type=pa.string()), 0, 5
    ).to_numpy(zero_copy_only=False)
    pairs = pd.DataFrame({"zone": zid, "commune": grid.communes[member].astype(str), "ind": ind})
    pairs["commune"] = pairs["commune"].str.slice(0, 5)
    by_commune = pairs.groupby(["zone", "commune"], sort=False)["ind"].sum().reset_index()
    by_commune = by_commune.sort_values(["zone", "ind", "commune"], ascending=[True, False, True])
    counts = np.bincount(by_commune["zone"].to_numpy(), minlength=n)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    lists = pa.ListArray.from_arrays(
        offsets, pa.array(by_commune["commune"].to_numpy(dtype=object), type=pa.string())
    )
    communes_arr = pc.binary_join(lists, ",").to_numpy(zero_copy_only=False)

    names = commune_names or {}
    distinct, which = np.unique(main5.astype(str), return_inverse=True)
    main_names = np.array([names.get(c, "") for c in distinct], dtype=object)[which]
    labels = {
        code: text.format(min_uu=rules.population_min_uu, min_q=rules.population_min_quartier)
        for code, text in REASONS.items()
    }
    table = pd.DataFrame(
        {
            "zone": np.arange(n),
            "code": codes,
            "uu_code": uus.codes[uu],
            "uu_nom": uus.names[uu],
            "commune_principale": main5,
            "commune_principale_nom": main_names,
            "communes": communes_arr,
            "population": np.round(population, 1),
            "nb_carreaux": n_squares,
            "nb_carreaux_bas_revenus": n_low,
            "statistique": np.round(stat, 1),
            "type_statistique": squares.statistic_kind,
            "seuil": s,
            "seuil_applique": np.round(applied, 1),
            "ratio_moyenne_mediane": np.round(squares.uu_mean_median[uu], 4),
            "facteur_seuil": np.round(squares.uu_factor[uu], 4),
            "population_uu_min": uus.population[uu],
            "decision": np.where(reason == RETENU, "retenu", "rejete"),
            "motif": reason,
            "explication": pd.Series(reason).map(labels).to_numpy(),
        }
    )
    if grid.men is not None:
        table["men"] = np.round(total(np.nan_to_num(grid.men[member])), 1)
    if grid.men_pauv is not None:
        table["men_pauv"] = np.round(total(np.nan_to_num(grid.men_pauv[member])), 1)
    return table
