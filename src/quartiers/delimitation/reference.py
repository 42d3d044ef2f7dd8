"""The naive delimitation, written the way a GIS analyst would with geopandas: one box per
square, thresholds by ``merge``, neighbours by a spatial join, zones by ``dissolve``.

It is the engine's reference (an oracle): the tests run both on generated grids and require
the same quartiers, square for square, with the same outlines; the benchmark measures how
much faster the engine is (``bench/bench_delimitation.py``). It lives in the package, beside
the engine it checks, so that the tests and the benchmark import the same code.

It implements the plain method only — no hole filling, no gap bridging, no smoothing, the
mean standard of living as statistic — and is slow by design (GEOS predicates on boxes).

See ``tests/delimitation/test_oracle.py``; the example of
:func:`quartiers.delimitation.engine.delimit` gives the same quartier here.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from quartiers.io.grid import Grid
from quartiers.io.urban_units import ARRONDISSEMENTS, UrbanUnits
from quartiers.parameters import Rules

LAEA, LAMBERT93 = "EPSG:3035", "EPSG:2154"


def _check_plain(grid: Grid, rules: Rules) -> None:
    has_median = grid.median is not None and bool(np.isfinite(grid.median).any())
    if (rules.combler_trous or rules.combler_ecarts or rules.lissage
            or rules.statistique == "mediane" or (rules.statistique == "auto" and has_median)):
        raise ValueError("naive reference: plain method only (no filling, bridging, "
                         "smoothing or medians)")


def _square_units(squares: pd.DataFrame, uus: UrbanUnits) -> pd.Series:
    """UU code of each square: the first listed commune that is in an urban unit, else the
    first commune's group; None when its first commune is unknown."""
    composition = pd.Series(uus.codes[uus.commune_uu], index=uus.commune_codes.astype(str))
    urban = pd.Series(uus.is_urban, index=uus.codes.astype(str))
    first = None
    chosen = pd.Series(None, index=squares.index, dtype=object)
    for pos in range(0, int(squares["lcog_geo"].str.len().max()), 5):
        code = squares["lcog_geo"].str.slice(pos, pos + 5).replace(ARRONDISSEMENTS)
        unit = code.map(composition)
        if first is None:
            first = unit
        is_urban = unit.map(urban).fillna(False).astype(bool)
        chosen = chosen.where(chosen.notna() | ~is_urban, unit)
    assert first is not None
    return chosen.fillna(first)


def _thresholds(uus: UrbanUnits, rules: Rules, grid_pop: pd.Series,
                grid_snv: pd.Series) -> pd.DataFrame:
    """Per UU: threshold S (float formula rounded up), factor applied, eligibility."""
    units = pd.DataFrame({"uu": uus.codes.astype(str), "median": uus.median,
                          "population_uu": uus.population, "urbaine": uus.is_urban})
    big = units["population_uu"] >= rules.seuil_grande_uu
    w = np.where(big, rules.poids_national_grande_uu, rules.poids_national)
    median = units["median"].where(units["urbaine"], uus.national_median)
    s = rules.coefficient * (w * uus.national_median + (1 - w) * median)
    units["seuil"] = np.ceil(np.round(s, 6) / rules.arrondi_seuil) * rules.arrondi_seuil
    factor = pd.Series(rules.ratio_moyenne_mediane, index=units.index)
    if rules.calibration_moyenne_mediane == "uu" and uus.fiscal_population is not None:
        pop = units["uu"].map(grid_pop).fillna(0.0)
        measured = units["uu"].map(grid_snv).fillna(0.0) / pop / units["median"]
        coverage = pop / uus.fiscal_population
        usable = (coverage >= rules.couverture_min_uu) & np.isfinite(measured) & units[
            "urbaine"]
        factor = factor.where(~usable, measured)
    units["seuil_applique"] = units["seuil"] * (factor * rules.ratio_disponible_declare)
    step = rules.arrondi_population_uu
    units["eligible"] = units["urbaine"] & (
        np.ceil(units["population_uu"] / step) * step >= rules.population_min_uu)
    return units


def naive_delimitation(grid: Grid, uus: UrbanUnits, rules: Rules,
                       how: str = "sjoin") -> tuple[gpd.GeoDataFrame, int]:
    """The quartiers (EPSG:2154: ``uu``, ``ind``, ``ind_snv``, ``statistique``,
    ``seuil_applique``, ``carreaux``: the ids of their squares) and the number of candidate
    zones. ``how``: ``"sjoin"`` groups squares by a spatial join on touching boxes (corner
    contiguity; shared edges only for ``connexite = cote``), ``"dissolve"`` by the parts of
    the union of each unit's squares (edge contiguity only)."""
    _check_plain(grid, rules)
    if how == "dissolve" and rules.connexite != "cote":
        raise ValueError("dissolve + explode joins squares by their edges only")
    half = grid.resolution / 2
    squares = gpd.GeoDataFrame(
        {"id": grid.ids, "ind": grid.ind, "ind_snv": grid.snv, "imputed": grid.imputed,
         "lcog_geo": pd.Series(grid.communes, dtype=object).astype(str)},
        geometry=gpd.GeoSeries.from_xy(grid.x + half, grid.y + half).buffer(
            half, cap_style="square"),
        crs=LAEA,
    )
    squares["uu"] = _square_units(squares, uus)
    squares = squares[squares["uu"].notna()]
    units = _thresholds(uus, rules, squares.groupby("uu")["ind"].sum(),
                        squares.groupby("uu")["ind_snv"].sum())
    squares = squares.merge(units, on="uu")
    squares["moyenne"] = squares["ind_snv"] / squares["ind"]
    tiny = squares["imputed"] & (squares["ind"] < rules.population_min_carreau)
    low = squares[(squares["ind"] > 0) & (squares["moyenne"] < squares["seuil_applique"])
                  & ~tiny].reset_index(drop=True)
    if how == "sjoin":
        pairs = gpd.sjoin(low, low, predicate="touches")
        pairs = pairs[pairs["uu_left"] == pairs["uu_right"]]
        if rules.connexite == "cote":  # rook contiguity: the boxes share an edge
            other = low.geometry.to_numpy()[pairs["index_right"].to_numpy()]
            shared = pairs.geometry.intersection(gpd.GeoSeries(other, index=pairs.index,
                                                               crs=LAEA))
            pairs = pairs[shared.length.to_numpy() > 0]
        n = len(low)
        graph = coo_matrix((np.ones(len(pairs)), (pairs.index.to_numpy(),
                                                  pairs["index_right"].to_numpy())),
                           shape=(n, n))
        low["zone"] = connected_components(graph, directed=False)[1]
    else:
        parts = low.dissolve(by="uu").explode(index_parts=False).reset_index()
        parts = parts[["uu", "geometry"]].reset_index(names="zone")
        centres = low[["uu", "geometry"]].copy()
        centres["geometry"] = low.geometry.centroid
        joined = gpd.sjoin(centres, parts, predicate="within")
        joined = joined[joined["uu_left"] == joined["uu_right"]]
        low["zone"] = joined["zone"]
    zones = low.dissolve(by="zone", aggfunc={
        "ind": "sum", "ind_snv": "sum", "uu": "first", "seuil_applique": "first",
        "eligible": "first", "id": lambda ids: tuple(sorted(ids))})
    zones = zones.rename(columns={"id": "carreaux"})
    zones["statistique"] = zones["ind_snv"] / zones["ind"]
    kept = zones[zones["eligible"].astype(bool)
                 & (zones["ind"] >= rules.population_min_quartier)
                 & (zones["statistique"] < zones["seuil_applique"])]
    kept = gpd.GeoDataFrame(kept, geometry="geometry", crs=LAEA).to_crs(LAMBERT93)
    return kept, len(zones)
