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
    density=st.sampled_from([0.02, 0.5, 2.0, 8.0]),
)
def test_concave_shapes_with_holes_match_geos(shapes, seed, density):
    """Star polygons have deep pockets (bridges and chains), holes and overlaps."""
    geoms = [_star(700_000 + cx, 6_600_000 + cy, radii, hole) for cx, cy, radii, hole in shapes]
    geoms = [shapely.make_valid(g) if not g.is_valid else g for g in geoms]
    ps = synthetic_set(geoms)
    idx = PerimeterIndex(ps, cells_per_segment=density)
    rng = np.random.default_rng(seed)
    n = 400
    x = np.r_[rng.uniform(695_000, 708_000, n), rng.uniform(699_500, 703_500, n)]
    y = np.r_[rng.uniform(6_595_000, 6_608_000, n), rng.uniform(6_599_500, 6_603_500, n)]
    ref_in, d_ref = reference(ps, x, y)
    r = idx.query(x, y)
    np.testing.assert_array_equal(r.inside >= 0, ref_in)
    np.testing.assert_allclose(r.distance, d_ref, atol=1e-6)


def test_grid_density_must_be_positive():
    sq = shapely.box(700_000, 6_600_000, 700_100, 6_600_100)
    with pytest.raises(ValueError, match="positive"):
        PerimeterIndex(synthetic_set([sq]), cells_per_segment=0.0)


def test_adjacent_and_overlapping_perimeters():
    """Two QPVs sharing an edge, a third overlapping the first: a point on the shared edge
    or in the overlap belongs to the lowest index; distances stay exact."""
    a = shapely.box(700_000, 6_600_000, 700_100, 6_600_100)
    b = shapely.box(700_100, 6_600_000, 700_200, 6_600_100)
    c = shapely.box(700_050, 6_600_050, 700_080, 6_600_300)
    ps = synthetic_set([a, b, c])
    idx = PerimeterIndex(ps)
    x = np.array([700_100.0, 700_150.0, 700_060.0, 700_060.0, 700_300.0])
    y = np.array([6_600_050.0, 6_600_050.0, 6_600_090.0, 6_600_200.0, 6_600_050.0])
    r = idx.query(x, y)
    assert r.inside.tolist() == [0, 1, 0, 2, -1]
    ref_in, d_ref = reference(ps, x, y)
    np.testing.assert_array_equal(r.inside >= 0, ref_in)
    np.testing.assert_allclose(r.distance, d_ref, atol=1e-9)


def test_multipolygon_parts_answer_their_qpv():
    parts = [shapely.box(700_000 + k * 1_000, 6_600_000, 700_100 + k * 1_000, 6_600_100)
             for k in range(3)]
    ps = synthetic_set([shapely.MultiPolygon(parts), shapely.box(710_000, 6_610_000,
                                                                 710_050, 6_610_050)])
    idx = PerimeterIndex(ps)
    x = np.array([700_050.0, 701_050.0, 702_050.0, 700_550.0, 710_025.0])
    y = np.full(5, 6_600_050.0)
    y[-1] = 6_610_025.0
    r = idx.query(x, y)
    assert r.inside.tolist() == [0, 0, 0, -1, 1]
    assert r.nearest.tolist() == [0, 0, 0, 0, 1]
    assert r.distance[3] == pytest.approx(450.0)


def _scattered_set(n_poly: int, seed: int):
    """SYNTHETIC: small concave stars scattered over 600 km, a few clustered."""
    rng = np.random.default_rng(seed)
    geoms = []
    for _ in range(n_poly):
        cx, cy = rng.uniform(300_000, 900_000), rng.uniform(6_300_000, 6_900_000)
        k = int(rng.integers(5, 40))
        radii = list(rng.uniform(50, 500, k))
        g = _star(cx, cy, radii, bool(rng.random() < 0.3))
        geoms.append(g if g.is_valid else shapely.make_valid(g))
    return synthetic_set(geoms)


@pytest.mark.parametrize("seed", [1, 2])
def test_scattered_set_and_far_points_match_geos(seed):
    """Many small polygons far apart (two levels of coarse cells, points answered in
    neighbourhood order, points far outside the cells) against GEOS."""
    ps = _scattered_set(150, seed)
    idx = PerimeterIndex(ps)
    assert idx._level.nx * idx._level.ny > 4 * 16  # the two-level build is exercised
    rng = np.random.default_rng(seed)
    b = shapely.get_coordinates(shapely.boundary(ps.geometry))
    near = b[rng.integers(0, len(b), 6000)] + rng.normal(0, 200, (6000, 2))
    x = np.r_[rng.uniform(0, 1_300_000, 6000), near[:, 0], [-5e6, 4e6, 700_000.0]]
    y = np.r_[rng.uniform(6_000_000, 7_200_000, 6000), near[:, 1], [6e6, 9e6, -1e6]]
    ref_in, d_ref = reference(ps, x, y)
    r = idx.query(x, y)
    np.testing.assert_array_equal(r.inside >= 0, ref_in)
    np.testing.assert_allclose(r.distance, d_ref, rtol=1e-12, atol=1e-6)
    d_near = shapely.distance(shapely.points(x, y), shapely.boundary(ps.geometry[r.nearest]))
    np.testing.assert_allclose(d_near, np.abs(d_ref), rtol=1e-12, atol=1e-6)
    # several threads on parts of one array give the same answers
    r2 = idx.query(x, y, workers=2, part=1_000)
    np.testing.assert_array_equal(r2.inside, r.inside)
    np.testing.assert_array_equal(r2.distance, r.distance)


def test_thin_and_degenerate_rings():
    """A sliver triangle and a polygon with repeated and collinear vertices."""
    sliver = shapely.Polygon([(700_000, 6_600_000), (701_000, 6_600_000),
                              (700_500, 6_600_000.001)])
    odd = shapely.Polygon([(702_000, 6_600_000), (702_000, 6_600_000), (702_050, 6_600_000),
                           (702_100, 6_600_000), (702_100, 6_600_100), (702_000, 6_600_100)])
    ps = synthetic_set([sliver, odd])
    idx = PerimeterIndex(ps)
    rng = np.random.default_rng(3)
    x = rng.uniform(699_000, 703_000, 3000)
    y = rng.uniform(6_599_500, 6_600_500, 3000)
    ref_in, d_ref = reference(ps, x, y)
    r = idx.query(x, y)
    np.testing.assert_array_equal(r.inside >= 0, ref_in)
    np.testing.assert_allclose(r.distance, d_ref, atol=1e-6)


def test_chunks_threads_and_order_give_the_same_answers(monkeypatch):
    import quartiers.eligibility.index as index_module

    idx = PerimeterIndex(_scattered_set(120, 5))
    rng = np.random.default_rng(5)
    x, y = rng.uniform(250_000, 950_000, 30_000), rng.uniform(6_250_000, 6_950_000, 30_000)
    ref = idx.query(x, y)
    monkeypatch.setattr(index_module, "CHUNK", 7_000)
    for workers, part in ((1, 262_144), (2, 1_000)):
        r = idx.query(x, y, workers=workers, part=part)
        np.testing.assert_array_equal(r.inside, ref.inside)
        np.testing.assert_array_equal(r.nearest, ref.nearest)
        np.testing.assert_array_equal(r.distance, ref.distance)
    monkeypatch.setattr(index_module, "SORT_CELLS", 10**12)  # no neighbourhood order
    np.testing.assert_array_equal(idx.query(x, y).distance, ref.distance)
