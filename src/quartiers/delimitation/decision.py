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


_TEXT = pd.Series(["texte"]).dtype  # pandas' own dtype for text


def text_column(values: pa.Array) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """A pandas text column from an Arrow string array, without a round trip through
    Python strings (pandas 3 keeps text in Arrow: the array is wrapped, not converted)."""
    if isinstance(_TEXT, pd.StringDtype) and _TEXT.storage == "pyarrow":
        return pd.array(values, dtype=_TEXT)
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)


def _spread(values: np.ndarray, index: np.ndarray) -> pa.Array:
    """``values[index]`` as Arrow strings, converting each distinct value once."""
    present, which = np.unique(index, return_inverse=True)
    return pa.array(np.asarray(values)[present].tolist(), type=pa.string()).take(
        pa.array(which.astype(np.int32))
    )


def zone_table(
    grid: Grid, squares: SquareAssessment, zones: Zones, uus: UrbanUnits, rules: Rules,
    commune_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per candidate zone with its numbers, decision and reason."""
    n = zones.count
    member = np.flatnonzero(zones.square_zone >= 0)
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
    # index into REASONS, whose first entry is RETENU
    reason = np.select([~is_urban, ~eligible_uu, ~big_enough, ~below], [1, 2, 3, 4], default=0)

    # stable identifier: the zone's most populous square (ties: smallest y, then x); only
    # the squares reaching their zone's maximum are sorted (all of a zone's squares if its
    # populations are all missing)
    most = np.full(n, -np.inf)
    np.fmax.at(most, zid, ind)
    candidates = np.flatnonzero((ind == most[zid]) | (most[zid] == -np.inf))
    order = candidates[np.lexsort((grid.x[member[candidates]], grid.y[member[candidates]],
                                   zid[candidates]))]
    zs = zid[order]
    first = order[np.r_[True, zs[1:] != zs[:-1]]] if len(order) else order
    anchor_of = np.empty(n, dtype=np.int64)
    anchor_of[zid[first]] = member[first]
    anchor_ids = pa.array(grid.ids[anchor_of].tolist(), type=pa.string())
    uu_codes = _spread(uus.codes, uu)
    codes = pc.binary_join_element_wise("QC", uu_codes, "-", anchor_ids, "")

    # communes of each zone, most populous first (ties: by code), joined by Arrow; each
    # square counts for the first commune of its lcog_geo
    n_communes = max(len(squares.communes), 1)
    pair = zid * n_communes + squares.commune[member]
    pairs, which = np.unique(pair, return_inverse=True)
    pair_population = np.bincount(which, weights=ind, minlength=len(pairs))
    pair_zone, pair_commune = np.divmod(pairs, n_communes)
    by_commune = np.lexsort((pair_commune, -pair_population, pair_zone))
    counts = np.bincount(pair_zone, minlength=n)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    lists = pa.ListArray.from_arrays(offsets, _spread(squares.communes,
                                                      pair_commune[by_commune]))
    communes_arr = pc.binary_join(lists, ",")

    main = squares.commune[anchor_of]
    names = commune_names or {}
    main_names = np.full(len(squares.communes), "", dtype=object)
    for c in np.unique(main):  # a loop over the zones' main communes, not over squares
        main_names[c] = names.get(str(squares.communes[c]), "")
    labels = [text.format(min_uu=rules.population_min_uu, min_q=rules.population_min_quartier)
              for text in REASONS.values()]
    columns = {
        "zone": np.arange(n),
        "code": text_column(codes),
        "uu_code": text_column(uu_codes),
        "uu_nom": text_column(_spread(uus.names, uu)),
        "commune_principale": text_column(_spread(squares.communes, main)),
        "commune_principale_nom": text_column(_spread(main_names, main)),
        "communes": text_column(communes_arr),
        "population": np.round(population, 1),
        "nb_carreaux": n_squares,
        "nb_carreaux_bas_revenus": n_low,
        "statistique": np.round(stat, 1),
        "type_statistique": text_column(pa.array([squares.statistic_kind] * n, pa.string())),
        "seuil": s,
        "seuil_applique": np.round(applied, 1),
        "ratio_moyenne_mediane": np.round(squares.uu_mean_median[uu], 4),
        "facteur_seuil": np.round(squares.uu_factor[uu], 4),
        "population_uu_min": uus.population[uu],
        "decision": text_column(_spread(np.array(["retenu", "rejete"]), (reason > 0) * 1)),
        "motif": text_column(_spread(np.array(list(REASONS)), reason)),
        "explication": text_column(_spread(np.array(labels), reason)),
    }
    if grid.men is not None:
        columns["men"] = np.round(total(np.nan_to_num(grid.men[member])), 1)
    if grid.men_pauv is not None:
        columns["men_pauv"] = np.round(total(np.nan_to_num(grid.men_pauv[member])), 1)
    return pd.DataFrame(columns)
