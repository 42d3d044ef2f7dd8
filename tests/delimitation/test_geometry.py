"""Outlines traced on the raster (``cell_polygons``) against GEOS's union of the squares.

Synthetic rasters only: squares touching at a corner (pinches), holes, holes touching the
outline at a corner, islands nested in holes, several zones sharing cells. Whatever the
cells, each zone's outline must be valid and equal to ``shapely.union_all`` of its boxes,
with one polygon per edge-connected part, shells clockwise and holes anticlockwise.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import ndimage

from quartiers.delimitation.geometry import LAEA, LAMBERT93, cell_polygons, transformer
from quartiers.delimitation.zones import EDGE

from .synth import RES, X0, Y0


def cells_of(picture: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(col, row, group) of a picture: one character per cell, top row first, ``.`` empty,
    ``a``, ``b``... the group."""
    lines = [line.strip() for line in picture.strip().splitlines()]
    cols, rows, groups = [], [], []
    for i, line in enumerate(lines):
        for col, char in enumerate(line):
            if char != ".":
                cols.append(col)
                rows.append(len(lines) - 1 - i)
                groups.append(ord(char) - ord("a"))
    return np.array(cols), np.array(rows), np.array(groups)


def union_of_boxes(col: np.ndarray, row: np.ndarray) -> shapely.Geometry:
    x, y = X0 + col * RES, Y0 + row * RES
    return shapely.union_all(shapely.box(x, y, x + RES, y + RES))


def check_outlines(col: np.ndarray, row: np.ndarray, group: np.ndarray, n_groups: int) -> list:
    polygons = cell_polygons(col, row, group, n_groups, origin=(X0, Y0), size=RES)
    assert len(polygons) == n_groups
    for g in range(n_groups):
        mine = group == g
        if not mine.any():
            assert polygons[g] is None
            continue
        geom, expected = polygons[g], union_of_boxes(col[mine], row[mine])
        assert shapely.is_valid(geom), shapely.is_valid_reason(geom)
        assert shapely.equals(geom, expected)
        assert shapely.symmetric_difference(geom, expected).area == 0
        assert geom.area == mine.sum() * RES * RES
        # one polygon per edge-connected part, Polygon when there is only one
        r, c = row[mine] - row.min() + 1, col[mine] - col.min() + 1
        raster = np.zeros((r.max() + 2, c.max() + 2), dtype=bool)
        raster[r, c] = True
        n_parts = ndimage.label(raster, structure=EDGE)[1]
        assert geom.geom_type == ("Polygon" if n_parts == 1 else "MultiPolygon")
        assert len(shapely.get_parts(geom)) == n_parts
        for part in shapely.get_parts(geom):
            assert not part.exterior.is_ccw  # as GEOS's overlay writes them
            assert all(hole.is_ccw for hole in part.interiors)
        # every cell corner on the outline is a vertex (as with the union of boxes): one per
        # unit edge of the outline, plus the closing vertex of each ring
        shared = (raster[:, 1:] & raster[:, :-1]).sum() + (raster[1:] & raster[:-1]).sum()
        n_rings = sum(1 + len(p.interiors) for p in shapely.get_parts(geom))
        assert shapely.get_num_coordinates(geom) == 4 * mine.sum() - 2 * shared + n_rings
    return list(polygons)


PICTURES = {
    "single square": "a",
    "two squares touching at a corner": """
        a.
        .a
    """,
    "checkerboard": """
        a.a.
        .a.a
        a.a.
    """,
    "hole": """
        aaa
        a.a
        aaa
    """,
    "hole touching the outline at a corner": """
        .aaa
        a..a
        a..a
        aaaa
    """,
    "hole touching the outline at two corners": """
        .aaa
        a..a
        a..a
        aaa.
    """,
    "two holes touching at a corner": """
        aaaa
        a.aa
        aa.a
        aaaa
    """,
    "ring closed only by corners": """
        aaa.
        a..a
        a..a
        .aaa
    """,
    "island in a hole": """
        aaaaa
        a...a
        a.a.a
        a...a
        aaaaa
    """,
    "island touching its hole at a corner": """
        aaaaa
        a...a
        a..aa
        a...a
        aaaaa
    """,
    "island with a hole holding an island": """
        aaaaaaaaa
        a.......a
        a.aaaaa.a
        a.a...a.a
        a.a.a.a.a
        a.a...a.a
        a.aaaaa.a
        a.......a
        aaaaaaaaa
    """,
    "island diagonal across its hole": """
        aaaaa
        aa..a
        a.a.a
        a..aa
        aaaaa
    """,
    "two zones side by side": """
        aab
        abb
        aab
    """,
    "a zone in the hole of another": """
        aaaaa
        abbba
        ab.ba
        abbba
        aaaaa
    """,
}


@pytest.mark.parametrize("name", list(PICTURES))
def test_pictures(name: str) -> None:
    col, row, group = cells_of(PICTURES[name])
    check_outlines(col, row, group, int(group.max()) + 1)


def test_shapes_of_pinches() -> None:
    col, row, group = cells_of(PICTURES["hole touching the outline at a corner"])
    (geom,) = check_outlines(col, row, group, 1)
    assert geom.geom_type == "Polygon" and len(geom.interiors) == 1
    assert geom.exterior.intersection(geom.interiors[0]).geom_type == "Point"
    col, row, group = cells_of(PICTURES["hole touching the outline at two corners"])
    (geom,) = check_outlines(col, row, group, 1)
    assert geom.geom_type == "MultiPolygon" and len(geom.geoms) == 2
    col, row, group = cells_of(PICTURES["island with a hole holding an island"])
    (geom,) = check_outlines(col, row, group, 1)
    assert len(geom.geoms) == 3
    assert sorted(len(p.interiors) for p in geom.geoms) == [0, 1, 1]


def test_cell_in_two_groups_and_empty_group() -> None:
    # gap bridging of two urban units can add the same empty cell to two zones
    col = np.array([0, 1, 2, 1, 1, 1])
    row = np.array([1, 1, 1, 0, 1, 2])
    group = np.array([0, 0, 0, 2, 2, 2])
    polygons = check_outlines(col, row, group, 3)
    assert polygons[1] is None
    assert polygons[0].intersection(polygons[2]).area == RES * RES


def test_no_cells() -> None:
    out = cell_polygons(np.zeros(0, int), np.zeros(0, int), np.zeros(0, int), 2)
    assert out.tolist() == [None, None]


def test_reprojected_outline_is_the_reprojected_union() -> None:
    col, row, group = cells_of(PICTURES["island with a hole holding an island"])
    t = transformer(LAEA, LAMBERT93)
    (geom,) = cell_polygons(col, row, group, 1, origin=(X0, Y0), size=RES, target=t)
    expected = shapely.transform(union_of_boxes(col, row),
                                 lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    assert shapely.is_valid(geom)
    assert shapely.equals(geom, expected)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raster=hnp.arrays(np.int8, st.tuples(st.integers(1, 9), st.integers(1, 9)),
                      elements=st.integers(0, 3)),
    density=st.sampled_from([1, 2, 3]),
)
def test_random_rasters(raster: np.ndarray, density: int) -> None:
    # value v fills the cell with group v - 1 (0 empty); low densities make many pinches
    raster = np.where(raster <= density, raster, 0)
    row, col = np.nonzero(raster)
    check_outlines(col, row, raster[row, col].astype(np.int64) - 1, 3)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_large_random_rasters(seed: int) -> None:
    # long rings need several pointer-jumping rounds
    rng = np.random.default_rng(seed)
    raster = ndimage.binary_opening(rng.random((60, 60)) < 0.6) * rng.integers(1, 3, (60, 60))
    row, col = np.nonzero(raster)
    check_outlines(col + 1000, row - 40, raster[row, col] - 1, 2)
