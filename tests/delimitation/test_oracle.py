"""The engine against the naive geopandas delimitation (its oracle,
:mod:`quartiers.delimitation.reference`) on generated SYNTHETIC grids: the same candidate
zones, the same quartiers square for square, the same populations and statistics, and the
same outlines (the union of the boxes that GEOS draws)."""

from __future__ import annotations

import dataclasses

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quartiers.delimitation import Delimitation, delimit
from quartiers.delimitation.reference import naive_delimitation
from quartiers.io.urban_units import UrbanUnits
from quartiers.parameters import Rules

from .strategies import UUS, cells_st
from .synth import Cell, block, make_grid, rules

plain_rules_st = st.builds(
    lambda connexite, pmin, qmin, coefficient, ratio: rules(
        connexite=connexite, population_min_carreau=pmin, population_min_quartier=qmin,
        coefficient=coefficient, ratio_disponible_declare=ratio,
    ),
    st.sampled_from(["cote", "coin"]),
    st.sampled_from([0, 3.5, 5]),
    st.sampled_from([300, 1000]),
    st.sampled_from([0.6, 0.65]),
    st.sampled_from([1.0, 1.2]),
)


def engine_quartiers(result: Delimitation) -> dict[tuple[str, ...], tuple]:
    """Squares (sorted ids) of each quartier -> (population, statistic, outline)."""
    zones = result.zones.square_zone
    out = {}
    for _, q in result.quartiers.iterrows():
        ids = tuple(sorted(result.grid.ids[zones == q["zone"]]))
        out[ids] = (q["population"], q["statistique"], q["geometry"])
    return out


def check_same(cells: list[Cell], r: Rules, how: str = "sjoin",
               uus: UrbanUnits = UUS) -> None:
    grid = make_grid(cells)
    result = delimit(grid, uus, r)
    kept, n_zones = naive_delimitation(grid, uus, r, how)
    assert n_zones == len(result.explanations)
    mine = engine_quartiers(result)
    theirs = {q["carreaux"]: q for _, q in kept.iterrows()}
    assert set(mine) == set(theirs)
    for ids, (population, statistic, outline) in mine.items():
        q = theirs[ids]
        assert round(q["ind"], 1) == population
        assert round(q["statistique"], 1) == statistic
        # same area (the engine keeps every grid vertex, GEOS may drop collinear ones)
        gap = shapely.area(shapely.symmetric_difference(outline, q.geometry))
        assert gap <= 1e-6 * outline.area


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=cells_st(), r=plain_rules_st)
def test_engine_matches_the_naive_geopandas_delimitation(cells: list[Cell], r: Rules) -> None:
    check_same(cells, r)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=cells_st(), fiscal=st.lists(st.sampled_from([300.0, 1500.0, 40000.0]),
                                         min_size=5, max_size=5),
       coverage=st.sampled_from([0.5, 0.8]))
def test_measured_mean_to_median_ratio_matches(cells: list[Cell], fiscal: list[float],
                                               coverage: float) -> None:
    """With ``calibration_moyenne_mediane = uu``: the ratio measured on each unit covered
    enough by the grid (SYNTHETIC fiscal populations), the fixed one elsewhere."""
    uus = dataclasses.replace(UUS, fiscal_population=np.array(fiscal))
    r = rules(connexite="coin", population_min_quartier=300, calibration_moyenne_mediane="uu",
              couverture_min_uu=coverage, ratio_moyenne_mediane=1.1)
    check_same(cells, r, uus=uus)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=cells_st(), qmin=st.sampled_from([300, 1000]))
def test_edge_contiguity_matches_dissolve_and_explode(cells: list[Cell], qmin: int) -> None:
    check_same(cells, rules(connexite="cote", population_min_quartier=qmin), how="dissolve")


def test_oracle_sees_corner_contiguity() -> None:
    """The oracle is not vacuous: it tells corner and edge contiguity apart."""
    cells = block(0, 0, 2, 3, ind=100.0) + block(2, 3, 2, 3, ind=100.0)
    kept, n_zones = naive_delimitation(make_grid(cells), UUS, rules(connexite="coin"))
    assert (n_zones, len(kept), kept["ind"].sum()) == (1, 1, 1200)
    kept, n_zones = naive_delimitation(make_grid(cells), UUS, rules(connexite="cote"))
    assert (n_zones, len(kept)) == (2, 0)
