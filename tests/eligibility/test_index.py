"""Containment and signed distance on the real perimeters and on generated shapes,
checked against plain GEOS answers computed independently."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from quartiers.eligibility import PerimeterIndex

from .helpers import reference, synthetic_set


def _outward_offsets(ps, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Points ``delta`` metres from each exterior edge midpoint, along its outward normal."""
    polys = shapely.get_parts(shapely.orient_polygons(ps.geometry, exterior_cw=False))
    rings = shapely.get_exterior_ring(polys)
    c, ring_id = shapely.get_coordinates(rings, return_index=True)
    same = ring_id[1:] == ring_id[:-1]
    a, b = c[:-1][same], c[1:][same]
    t = b - a
    length = np.hypot(t[:, 0], t[:, 1])
    ok = length > 4 * abs(delta)
    a, t, length = a[ok], t[ok], length[ok]
    normal = np.stack([t[:, 1], -t[:, 0]], axis=1) / length[:, None]  # right of CCW = outside
    p = a + t / 2 + delta * normal
    return p[:, 0], p[:, 1]


@pytest.mark.parametrize("vintage", ["2024", "2015"])
def test_interior_points_are_inside_their_qpv(vintage, chk2024, chk2015):
    chk = chk2024 if vintage == "2024" else chk2015
    ps = chk.perimeters
    pts = shapely.point_on_surface(ps.geometry)
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    r = chk.index.query(x, y)
    assert (r.inside >= 0).all()
    # the containing QPV is the one the point was built from (unless perimeters overlap)
    own = shapely.intersects(ps.geometry, pts)
    assert own.all()
    assert (ps.codes[r.inside] == ps.codes).mean() > 0.95
    _, d_ref = reference(ps, x, y)
    np.testing.assert_allclose(r.distance, d_ref, atol=1e-6)
    assert (r.distance <= 0).all()


@pytest.mark.parametrize("delta", [0.5, 3.0, 40.0])
def test_points_just_outside_along_the_normal(delta, chk2024):
    ps = chk2024.perimeters
    x, y = _outward_offsets(ps, delta)
    ref_in, d_ref = reference(ps, x, y)
    r = chk2024.index.query(x, y)
    np.testing.assert_array_equal(r.inside >= 0, ref_in)
    np.testing.assert_allclose(r.distance, d_ref, atol=1e-6)
    outside = ~ref_in
    assert outside.mean() > 0.8
    # outside points are at most delta away (the edge they were pushed from)
    assert (r.distance[outside] <= delta + 1e-6).all()
    assert (r.distance[outside] > 0).all()


def test_points_just_inside_along_the_normal(chk2015):
    ps = chk2015.perimeters
    x, y = _outward_offsets(ps, -1.0)
    ref_in, d_ref = reference(ps, x, y)
    r = chk2015.index.query(x, y)
    np.testing.assert_array_equal(r.inside >= 0, ref_in)
    np.testing.assert_allclose(r.distance, d_ref, atol=1e-6)
    assert ref_in.mean() > 0.8


def test_vertices_are_inside_at_distance_zero(chk2024):
    c = shapely.get_coordinates(chk2024.index.unit_polygon)
    r = chk2024.index.query(c[:, 0], c[:, 1])
    assert (r.inside >= 0).all()
    assert np.abs(r.distance).max() == 0.0


def test_edge_points_are_on_the_boundary(chk2024):
    rings = shapely.get_exterior_ring(chk2024.index.unit_polygon[:30])
    c, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    mid = (c[:-1][same] + c[1:][same]) / 2
    r = chk2024.index.query(mid[:, 0], mid[:, 1])
    assert np.abs(r.distance).max() < 1e-6


def test_exact_edge_point_of_an_axis_aligned_square_is_inside():
    sq = shapely.box(700_000, 6_600_000, 700_100, 6_600_100)
    idx = PerimeterIndex(synthetic_set([sq]))
    x = np.array([700_050.0, 700_100.0, 700_100.5, 700_050.0] * 3)
    y = np.array([6_600_000.0, 6_600_050.0, 6_600_050.0, 6_600_050.0] * 3)
    r = idx.query(x, y)  # 12 points: the vectorised path, not the few-points one
    assert r.inside.tolist() == [0, 0, -1, 0] * 3
    assert r.distance.tolist() == [0.0, 0.0, 0.5, -50.0] * 3


@pytest.mark.parametrize("vintage", ["2024", "2015"])
def test_random_points_match_geos(vintage, chk2024, chk2015):
    chk = chk2024 if vintage == "2024" else chk2015
    ps = chk.perimeters
    rng = np.random.default_rng(7)
    n = 6000
    x0, y0, x1, y1 = shapely.total_bounds(ps.geometry)
    b = shapely.get_coordinates(shapely.boundary(ps.geometry))
    near = b[rng.integers(0, len(b), n)] + rng.normal(0, 80, (n, 2))
    x = np.r_[rng.uniform(x0 - 5e4, x1 + 5e4, n), near[:, 0]]
    y = np.r_[rng.uniform(y0 - 5e4, y1 + 5e4, n), near[:, 1]]
    ref_in, d_ref = reference(ps, x, y)
    r = chk.index.query(x, y)
    np.testing.assert_array_equal(r.inside >= 0, ref_in)
    np.testing.assert_allclose(r.distance, d_ref, atol=1e-6)
    # the nearest QPV is one whose boundary is at that distance
    d_near = shapely.distance(shapely.points(x, y), shapely.boundary(ps.geometry[r.nearest]))
    np.testing.assert_allclose(d_near, np.abs(d_ref), atol=1e-6)


def test_points_outside_the_grid_and_nan():
    sq = shapely.box(700_000, 6_600_000, 700_100, 6_600_100)
    idx = PerimeterIndex(synthetic_set([sq]))
    x = np.array([np.nan, 3_000_000.0] + [700_050.0] * 10)
    y = np.array([1.0, 6_600_050.0] + [6_600_050.0] * 10)
    r = idx.query(x, y)
    assert np.isnan(r.distance[0]) and r.inside[0] == -1 and r.nearest[0] == -1
    assert r.distance[1] == pytest.approx(3_000_000 - 700_100)
    assert (r.inside[2:] == 0).all()


def _star(cx: float, cy: float, radii: list[float], hole: bool) -> shapely.Polygon:
    k = len(radii)
    ang = np.linspace(0, 2 * np.pi, k, endpoint=False)
    shell = np.c_[cx + np.array(radii) * np.cos(ang), cy + np.array(radii) * np.sin(ang)]
    holes = []
    if hole:
        r = min(radii) * 0.3
        holes = [np.c_[cx + r * np.cos(ang[::-1]), cy + r * np.sin(ang[::-1])]]
    return shapely.Polygon(shell, holes)


@settings(max_examples=60, deadline=None)
@given(
    shapes=st.lists(
        st.tuples(
            st.floats(0, 3000), st.floats(0, 3000),
            st.lists(st.floats(20, 600), min_size=3, max_size=40),
            st.booleans(),
        ),
        min_size=1, max_size=6,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_concave_shapes_with_holes_match_geos(shapes, seed):
    """Star polygons have deep pockets (bridges and chains), holes and overlaps."""
    geoms = [_star(700_000 + cx, 6_600_000 + cy, radii, hole) for cx, cy, radii, hole in shapes]
    geoms = [shapely.make_valid(g) if not g.is_valid else g for g in geoms]
    ps = synthetic_set(geoms)
    idx = PerimeterIndex(ps, cell=250.0, fine_cell=25.0)
    rng = np.random.default_rng(seed)
    n = 400
    x = np.r_[rng.uniform(695_000, 708_000, n), rng.uniform(699_500, 703_500, n)]
    y = np.r_[rng.uniform(6_595_000, 6_608_000, n), rng.uniform(6_599_500, 6_603_500, n)]
    ref_in, d_ref = reference(ps, x, y)
    r = idx.query(x, y)
    np.testing.assert_array_equal(r.inside >= 0, ref_in)
    np.testing.assert_allclose(r.distance, d_ref, atol=1e-6)


def test_cell_sizes_must_nest():
    sq = shapely.box(700_000, 6_600_000, 700_100, 6_600_100)
    with pytest.raises(ValueError, match="nest"):
        PerimeterIndex(synthetic_set([sq]), cell=500.0, fine_cell=40.0)
