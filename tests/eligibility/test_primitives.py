"""Each primitive of the compiled lookup on its own, against shapely (or a plain Python
reference), on hypothesis-generated SYNTHETIC geometry: point-segment and point-box
distances, segment-box meeting and distance, crossing-number containment, convex hulls and
the walk on them, direction bins, Morton keys, the neighbourhood order, the tree walk, the
sorted insertion and the candidate lists of the local grids and coarse cells."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quartiers.eligibility import kernels
from quartiers.eligibility.index import PerimeterIndex
from quartiers.eligibility.layout import Level
from quartiers.eligibility.primitives import (
    ANGLE_BINS,
    box_gap2,
    direction_bin,
    hull_walk,
    interleave,
    meets_box,
    morton_keys,
    nearest_seg2,
    odd_crossings,
    seg_box_dist,
    seg_sq,
)

from .helpers import synthetic_set

# metres rounded to the micrometre: no subnormal lengths, on which GEOS itself gives up
coord = st.floats(-1_000.0, 1_000.0, allow_nan=False, allow_infinity=False).map(
    lambda v: round(v, 6))
small = st.integers(-20, 20).map(float)  # exact arithmetic: touching cases are decided exactly
FAST = settings(max_examples=300, deadline=None)


def segment_row(ax: float, ay: float, bx: float, by: float) -> tuple[float, ...]:
    dx, dy = bx - ax, by - ay
    l2 = dx * dx + dy * dy
    return ax, ay, dx, dy, (1.0 / l2 if l2 > 0 else 0.0)


def line(ax: float, ay: float, bx: float, by: float) -> shapely.Geometry:
    return shapely.Point(ax, ay) if (ax, ay) == (bx, by) else shapely.LineString(
        [(ax, ay), (bx, by)])


def ordered_box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, ...]:
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


@FAST
@given(px=coord, py=coord, ax=coord, ay=coord, bx=coord, by=coord)
def test_point_segment_distance(px, py, ax, ay, bx, by) -> None:
    got = math.sqrt(seg_sq(px, py, *segment_row(ax, ay, bx, by)))
    want = shapely.distance(shapely.Point(px, py), line(ax, ay, bx, by))
    assert got == pytest.approx(want, rel=1e-9, abs=1e-9)


@FAST
@given(px=coord, py=coord, b=st.tuples(coord, coord, coord, coord))
def test_point_box_distance(px, py, b) -> None:
    x0, y0, x1, y1 = ordered_box(*b)
    want = shapely.distance(shapely.Point(px, py), shapely.box(x0, y0, x1, y1))
    assert math.sqrt(box_gap2(px, py, x0, y0, x1, y1)) == pytest.approx(want, rel=1e-9,
                                                                         abs=1e-9)


@FAST
@given(s=st.tuples(small, small, small, small), b=st.tuples(small, small, small, small))
def test_segment_meets_box_exactly(s, b) -> None:
    x0, y0, x1, y1 = ordered_box(*b)
    box = shapely.box(x0, y0, x1, y1) if x0 < x1 and y0 < y1 else shapely.envelope(
        shapely.multipoints([(x0, y0), (x1, y1)]))
    assert meets_box(*s, x0, y0, x1, y1) == shapely.intersects(line(*s), box)


@FAST
@given(s=st.tuples(coord, coord, coord, coord), b=st.tuples(coord, coord, coord, coord))
def test_segment_box_distance(s, b) -> None:
    x0, y0, x1, y1 = ordered_box(*b)
    assume(x1 - x0 > 1e-6 and y1 - y0 > 1e-6)
    want = shapely.distance(line(*s), shapely.box(x0, y0, x1, y1))
    got = seg_box_dist(*segment_row(*s), x0, y0, x1, y1)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-7)


def star(radii: list[float], cx: float = 0.0, cy: float = 0.0) -> shapely.Polygon:
    """A star-shaped polygon (vertices at equal angles), counter-clockwise."""
    ang = np.linspace(0, 2 * np.pi, len(radii), endpoint=False)
    r = np.asarray(radii)
    return shapely.Polygon(np.c_[cx + r * np.cos(ang), cy + r * np.sin(ang)])


radii_st = st.lists(st.floats(10.0, 500.0), min_size=3, max_size=30)


@FAST
@given(radii=radii_st, px=coord, py=coord)
def test_crossing_number_containment(radii, px, py) -> None:
    poly = star(radii)
    assume(shapely.distance(shapely.Point(px, py), poly.exterior) > 1e-6)
    c = shapely.get_coordinates(poly.exterior)
    a, b = c[:-1], c[1:]
    d = b - a
    slope = np.divide(d[:, 0], d[:, 1], out=np.zeros(len(d)), where=d[:, 1] != 0)
    # (y0, y1, x0, dx/dy) as the index writes them: each end's own y
    rows = np.ascontiguousarray(np.c_[a[:, 1], b[:, 1], a[:, 0], slope])
    assert odd_crossings(px, py, rows, 0, len(rows)) == shapely.contains_xy(poly, px, py)


@FAST
@given(px=coord, py=coord, segs=st.lists(st.tuples(coord, coord, coord, coord), max_size=8))
def test_nearest_of_several_segments(px, py, segs) -> None:
    rows = np.array([(0.0, *segment_row(*s)) for s in segs]).reshape(-1, 6)
    got = nearest_seg2(px, py, rows, 0, len(rows), 1)
    if not segs:
        assert got == np.inf
        return
    want = min(shapely.distance(shapely.Point(px, py), line(*s)) for s in segs)
    assert math.sqrt(got) == pytest.approx(want, rel=1e-9, abs=1e-9)


def hull_of(radii: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Ring vertices of a star and the hull vertices :func:`kernels.convex_hulls` finds."""
    from quartiers.eligibility.layout import Rings

    ring = shapely.get_coordinates(star(radii).exterior)[:-1]
    m = len(ring)
    out = np.zeros(m, dtype=np.int64)
    centre = np.zeros((1, 2))
    bins = np.zeros((1, ANGLE_BINS), dtype=np.int32)
    rings = Rings(np.array([0, m]), np.array([m]), ring[:, 0].copy(), ring[:, 1].copy())
    n = kernels.convex_hulls(rings, out, centre, bins)[0]
    return ring, ring[out[:n]]


@FAST
@given(radii=radii_st)
def test_convex_hull_matches_shapely(radii) -> None:
    ring, hull = hull_of(radii)
    want = shapely.convex_hull(shapely.multipoints(ring))
    assume(want.geom_type == "Polygon")
    assert len(hull) >= 3
    got = shapely.Polygon(hull)
    assert got.is_valid
    # equal up to rounding (an almost collinear vertex may be kept by one and not the other)
    assert shapely.area(shapely.symmetric_difference(got, want)) <= 1e-9 * want.area
    # counter-clockwise, starting from the lowest ring vertex number
    assert shapely.is_ccw(shapely.LinearRing(hull))


def hull_rows(hull: np.ndarray) -> np.ndarray:
    nxt = np.roll(hull, -1, axis=0)
    t = nxt - hull
    l2 = (t**2).sum(axis=1)
    return np.ascontiguousarray(np.c_[hull, t, 1.0 / l2, l2])


@FAST
@given(radii=radii_st, px=coord, py=coord)
def test_hull_walk_certifies_only_exact_answers(radii, px, py) -> None:
    """From any start vertex, the walk either certifies the exact distance to the hull (and
    the vertex or edge where it is reached) or says it certified nothing (``d2 < 0``; the
    lookup then measures every segment)."""
    _, hull = hull_of(radii)
    poly = shapely.Polygon(hull)
    assume(len(hull) >= 3 and not shapely.intersects(poly, shapely.Point(px, py)))
    rows = hull_rows(hull)
    want = shapely.distance(shapely.Point(px, py), poly)
    certified = 0
    for k in range(len(hull)):
        d2, feature, on_edge = hull_walk(px, py, rows, 0, len(rows), k)
        if d2 < 0:
            continue
        certified += 1
        assert math.sqrt(d2) == pytest.approx(want, rel=1e-9, abs=1e-7)
        nearest = shapely.Point(hull[feature]) if not on_edge else shapely.LineString(
            [hull[feature], hull[(feature + 1) % len(hull)]])
        assert shapely.distance(shapely.Point(px, py), nearest) == pytest.approx(
            want, rel=1e-9, abs=1e-7)
    if want > 1e-3:  # from the nearest feature at least, whatever the rounding
        assert certified > 0


@settings(deadline=None)
@given(angles=st.lists(st.floats(0.0, 2 * math.pi, exclude_max=True), min_size=2))
def test_direction_bins_follow_the_angle(angles) -> None:
    angles = sorted(angles)
    bins = [direction_bin(math.cos(a), math.sin(a)) for a in angles]
    assert all(0 <= b < ANGLE_BINS for b in bins)
    assert bins == sorted(bins)
    assert direction_bin(1.0, 0.0) == 0 and direction_bin(0.0, 0.0) == 0


def spread_bits(v: int) -> int:
    return sum(((v >> i) & 1) << (2 * i) for i in range(16))


@settings(deadline=None)
@given(v=st.integers(0, 2**16 - 1), w=st.integers(0, 2**16 - 1))
def test_morton_interleave(v, w) -> None:
    assert interleave(v) == spread_bits(v)
    assert morton_keys(np.array([v]), np.array([w]))[0] == spread_bits(v) | (spread_bits(w) << 1)


@settings(max_examples=100, deadline=None)
@given(xs=st.lists(st.tuples(st.floats(-50.0, 250.0), st.floats(-50.0, 250.0)), min_size=1,
                   max_size=200),
       nan=st.booleans(), block=st.integers(1, 5))
def test_spatial_order_groups_blocks_in_z_order(xs, nan, block) -> None:
    pts = np.array(xs, dtype=np.float64)
    if nan:
        pts[0, 0] = np.nan
    level = Level(0.0, 0.0, 10.0, 17, 13)
    order = kernels.spatial_order(pts[:, 0], pts[:, 1], level, block)
    assert sorted(order.tolist()) == list(range(len(pts)))
    # reference: Morton key of the block, points outside the cells (or NaN) last
    span = level.size * block
    with np.errstate(invalid="ignore"):
        fx, fy = pts[:, 0] / span, pts[:, 1] / span
        inside = ((fx >= 0) & (fx < -(-level.nx // block)) & (fy >= 0)
                  & (fy < -(-level.ny // block)))
    key = np.where(inside, [spread_bits(int(a)) | (spread_bits(int(b)) << 1) if ok else 0
                            for a, b, ok in zip(np.nan_to_num(fx), np.nan_to_num(fy), inside,
                                                strict=True)], np.iinfo(np.int64).max)
    assert (np.diff(key[order]) >= 0).all()
    # counting sort: stable
    for k in np.unique(key):
        same = order[key[order] == k]
        assert (np.diff(same) > 0).all()


@settings(max_examples=80, deadline=None)
@given(ds=st.lists(st.integers(0, 5).map(float), max_size=20))
def test_sorted_insertion_is_stable(ds) -> None:
    out = np.full(len(ds) + 2, -1, dtype=np.int64)
    dist = np.empty(len(ds))
    for n, d in enumerate(ds):
        kernels.insert_sorted(out, dist, 2, n, n, d)
    got = out[2:].tolist()
    assert got == sorted(range(len(ds)), key=lambda i: ds[i])


def scattered(seed: int, n: int) -> PerimeterIndex:
    """A SYNTHETIC index: ``n`` random concave stars over 20 km."""
    rng = np.random.default_rng(seed)
    geoms = []
    for _ in range(n):
        radii = list(rng.uniform(20, 400, int(rng.integers(3, 25))))
        g = star(radii, *rng.uniform(0, 20_000, 2))
        geoms.append(g if g.is_valid else shapely.make_valid(g))
    return PerimeterIndex(synthetic_set(geoms), cell=500.0, margin=2_000.0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 40), best=st.floats(0.0, 1e8),
       px=st.floats(-5_000, 25_000), py=st.floats(-5_000, 25_000))
def test_tree_walk_yields_every_unit_within_reach_once(seed, n, best, px, py) -> None:
    tree = scattered(seed, n).tree
    stack = np.empty(128, dtype=np.int64)
    stack[0], sp, seen = 1, 1, []
    while True:
        u, sp = kernels.next_leaf(px, py, best, stack, sp, tree.box, tree.leaf_unit,
                                  tree.n_leaves)
        if u < 0:
            break
        seen.append(int(u))
    leaves = tree.leaf_unit[tree.leaf_unit >= 0]
    boxes = tree.box[tree.n_leaves:][tree.leaf_unit >= 0]
    near = [int(u) for u, b in zip(leaves, boxes, strict=True)
            if box_gap2(px, py, *b) <= best]
    assert sorted(seen) == sorted(near)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 30))
def test_candidate_lists_hold_the_nearest(seed, n) -> None:
    """A local grid cell lists the unit's nearest segment for any point of the cell; a
    coarse cell lists the nearest unit, and its bound is at least the true distance."""
    idx = scattered(seed, n)
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-2_000, 22_000, 400), rng.uniform(-2_000, 22_000, 400)
    units, grids, cells = idx._index.units, idx._index.grids, idx._index.cells
    for px, py in zip(x, y, strict=True):
        pt = shapely.Point(px, py)
        d_units = shapely.distance(pt, shapely.boundary(idx.unit_polygon))
        u = int(np.argmin(d_units))
        fx, fy = (px - cells.x0) / cells.size, (py - cells.y0) / cells.size
        if 0 <= fx < cells.nx and 0 <= fy < cells.ny:
            c = int(fx) * cells.ny + int(fy)
            rec = cells.records[c]
            listed = cells.units[int(rec[1]):int(rec[2])]
            assert d_units[listed].min() == pytest.approx(d_units[u], abs=1e-9)
            assert rec[0] >= d_units[u] ** 2 * (1 - 1e-12)
        b = units.box[u]
        if b[0] <= px <= b[2] and b[1] <= py <= b[3]:
            ix = min(int((px - grids.scale[u, 0]) * grids.scale[u, 2]), grids.nx[u] - 1)
            iy = min(int((py - grids.scale[u, 1]) * grids.scale[u, 3]), grids.ny[u] - 1)
            cell = grids.cell_start[u] + max(ix, 0) * grids.ny[u] + max(iy, 0)
            got = nearest_seg2(px, py, grids.rows, grids.ptr[cell], grids.ptr[cell + 1], 0)
            assert math.sqrt(got) == pytest.approx(d_units[u], rel=1e-9, abs=1e-7)
