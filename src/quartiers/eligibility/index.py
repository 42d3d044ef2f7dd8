"""Spatial index for point-in-QPV lookups: containment and exact signed distance.

Design (no Python loop over points; every step is a numpy or GEOS array operation):

* Every QPV is split into *units* (the polygons of a multipolygon), exterior rings oriented
  counter-clockwise. Each unit keeps its boundary segments (exterior and holes) and its
  convex hull, whose vertices are vertices of the exterior ring. A hull edge that skips ring
  vertices is a *bridge* over a pocket; its *chain* is the run of ring segments it skips.
* A lazy coarse grid (``cell`` metres) stores for each cell the units that can be the
  nearest one, or contain a point, anywhere in the cell: units whose hull lies within
  ``U`` of the cell, with ``U`` an upper bound of the distance to the boundary of some unit
  valid for every point of the cell (1-Lipschitz bound from the cell centre). Cells are
  computed the first time a point falls in them (GEOS queries on the hulls), then reused.
* For a point outside a unit's hull, the nearest point of the hull is found by a walk on the
  hull started at the support vertex of the point's direction, and certified by the normal
  cone test (exact for convex sets). When that nearest hull feature is a vertex or a true
  edge of the ring, it is the exact distance to the unit's boundary; when it is a bridge, the
  exact distance is the distance to the bridge's chain (the only part of the boundary the
  ray can meet first), computed segment by segment.
* Points inside a unit's hull (or on it) get the brute-force exact distance to every segment
  of that unit and an exact GEOS ``intersects`` test (a point on the boundary is inside).

Distances are exact up to floating-point rounding; far from every QPV the cost is a few
hull steps per candidate unit, which is what makes national batches fast.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import partial

import numpy as np
import shapely
from scipy.spatial import ConvexHull

from quartiers.perimeters import PerimeterSet

#: Extent of the lazy grid (EPSG:2154), metropolitan France with a wide margin.
GRID_EXTENT = (-400_000.0, 5_800_000.0, 1_700_000.0, 7_500_000.0)
ANGLE_BINS = 128
MAX_WALK = 64
TOP_CELL = 64_000.0
SMALL = 8
PART = 65_536
MIDDLE_CELL = 8_000.0
MIDDLE2_CELL = 2_000.0
WINDOW_MARGIN = 30_000.0


@dataclass
class QueryResult:
    """Per-point answers of :meth:`PerimeterIndex.query` (indices into the perimeter set).

    ``inside``: index of the QPV containing the point (-1 when none);
    ``nearest``: index of the QPV whose boundary is nearest; ``distance``: signed distance
    in metres to the nearest QPV boundary, negative inside. NaN coordinates give -1 / NaN.
    """

    inside: np.ndarray
    nearest: np.ndarray
    distance: np.ndarray


def _segment_distance(
    px: np.ndarray, py: np.ndarray, ax: np.ndarray, ay: np.ndarray,
    dx: np.ndarray, dy: np.ndarray, inv_l2: np.ndarray,
) -> np.ndarray:
    wx = px - ax
    wy = py - ay
    t = (wx * dx + wy * dy) * inv_l2
    np.clip(t, 0.0, 1.0, out=t)
    wx -= t * dx
    wy -= t * dy
    return np.hypot(wx, wy)


def _diamond(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """A cheap monotone substitute for the polar angle, in [0, 4)."""
    s = np.abs(dx) + np.abs(dy)
    q = np.divide(dy, s, out=np.zeros_like(dy), where=s > 0)
    return np.where(dx >= 0, np.where(dy >= 0, q, 4.0 + q), 2.0 - q)


def _undiamond(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A direction vector (not normalised) for each diamond angle."""
    dx = np.where(p < 2, 1 - p, p - 3)
    dy = np.where(p < 1, p, np.where(p < 3, 2 - p, p - 4))
    return dx, dy


def _expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR expansion: for each row r, ``counts[r]`` consecutive ids from ``starts[r]``.

    Returns (row index per item, id per item)."""
    total = int(counts.sum())
    rows = np.repeat(np.arange(len(counts)), counts)
    offsets = np.cumsum(counts) - counts
    ids = np.arange(total) - np.repeat(offsets, counts) + np.repeat(starts, counts)
    return rows, ids



class LazyGrid:
    """Candidate lists per square cell, computed the first time a point falls in a cell.

    ``compute(x0, y0, size)`` receives the lower-left corners of new cells and returns
    ``(cell_row, item)`` pairs. Lists are stored flat (start and count per cell, in insertion
    order). A cell is found through a dense table over ``window`` (the area of interest) or
    by binary search on the sorted cell keys elsewhere. Readers need no lock: the state is
    replaced as a whole, and a table entry is set only once its cell is published.
    """

    def __init__(self, size: float, compute,
                 window: tuple[float, float, float, float] | None = None,
                 max_table: int = 8_000_000) -> None:
        self.size = float(size)
        self._compute = compute
        x0, y0, x1, y1 = GRID_EXTENT
        self._ny = math.ceil((y1 - y0) / self.size)
        empty = np.zeros(0, dtype=np.int64)
        # (sorted keys, their rows, start per row, count per row, items)
        self._state = (empty, empty, empty, empty, empty)
        self._lock = threading.Lock()
        self._win: tuple[int, int, int, int] | None = None
        self._slot = np.zeros(0, dtype=np.int32)
        if window is not None:
            ix0 = max(int((window[0] - x0) // self.size), 0)
            iy0 = max(int((window[1] - y0) // self.size), 0)
            ix1 = min(int((window[2] - x0) // self.size) + 1, math.ceil((x1 - x0) / self.size))
            iy1 = min(int((window[3] - y0) // self.size) + 1, self._ny)
            if ix1 > ix0 and iy1 > iy0 and (ix1 - ix0) * (iy1 - iy0) <= max_table:
                self._win = (ix0, iy0, ix1, iy1)
                self._slot = np.full((ix1 - ix0) * (iy1 - iy0), -1, dtype=np.int32)

    def __len__(self) -> int:
        return len(self._state[0])

    def keys(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x0, y0, _x1, _y1 = GRID_EXTENT
        ix = np.floor((x - x0) / self.size).astype(np.int64)
        iy = np.floor((y - y0) / self.size).astype(np.int64)
        return ix * self._ny + iy

    def _local(self, keys: np.ndarray) -> np.ndarray:
        """Index in the dense table, -1 outside the window."""
        if self._win is None:
            return np.full(len(keys), -1, dtype=np.int64)
        ix0, iy0, ix1, iy1 = self._win
        ix, iy = np.divmod(keys, self._ny)
        ok = (ix >= ix0) & (ix < ix1) & (iy >= iy0) & (iy < iy1)
        return np.where(ok, (ix - ix0) * (iy1 - iy0) + (iy - iy0), -1)

    def pairs(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(point, item)`` for every candidate of every key, grouped by point."""
        local = self._local(keys)
        inwin = local >= 0
        row = np.full(len(keys), -1, dtype=np.int64)
        row[inwin] = self._slot[local[inwin]]
        state = self._state  # read after the table: covers every row it names
        other = ~inwin
        if other.any():
            row[other] = self._find(keys[other], state)
        missing = row < 0
        if missing.any():
            self._add(np.unique(keys[missing]))
            state = self._state
            mk = keys[missing]
            ml = local[missing]
            r = np.full(len(mk), -1, dtype=np.int64)
            w = ml >= 0
            r[w] = self._slot[ml[w]]
            r[~w] = self._find(mk[~w], state)
            row[missing] = r
        _, _, start, count, items = state
        point, idx = _expand(start[row], count[row])
        return point, items[idx]

    @staticmethod
    def _find(keys: np.ndarray, state) -> np.ndarray:
        k, rows = state[0], state[1]
        if len(k) == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        i = np.minimum(np.searchsorted(k, keys), len(k) - 1)
        return np.where(k[i] == keys, rows[i], -1)

    def _add(self, new: np.ndarray) -> None:
        with self._lock:
            keys0, rows0, start0, count0, items0 = self._state
            new = new[self._find(new, self._state) < 0]
            if new.size == 0:
                return
            x0, y0, _, _ = GRID_EXTENT
            ix, iy = np.divmod(new, self._ny)
            row, item = self._compute(x0 + ix * self.size, y0 + iy * self.size, self.size)
            order = np.lexsort((item, row))
            counts = np.bincount(row, minlength=len(new)).astype(np.int64)
            starts = len(items0) + np.cumsum(counts) - counts
            items = np.concatenate([items0, np.asarray(item, dtype=np.int64)[order]])
            new_rows = len(start0) + np.arange(len(new))
            keys = np.concatenate([keys0, new])
            rows = np.concatenate([rows0, new_rows])
            srt = np.argsort(keys, kind="stable")
            self._state = (keys[srt], rows[srt], np.concatenate([start0, starts]),
                           np.concatenate([count0, counts]), items)
            local = self._local(new)
            w = local >= 0
            self._slot[local[w]] = new_rows[w]


class PerimeterIndex:
    """Vectorised point lookups against a :class:`PerimeterSet` (EPSG:2154 metres).

    >>> import shapely
    >>> from quartiers.perimeters import PerimeterSet
    >>> import numpy as np
    >>> sq = shapely.box(0, 6_000_000, 100, 6_000_100)
    >>> ps = PerimeterSet(np.array(["Q1"]), np.array(["Carré"]), np.array(["00000"]),
    ...                   np.array(["00"]), np.array([sq], dtype=object), "test", "doctest")
    >>> r = PerimeterIndex(ps).query(np.array([50.0, 150.0]), np.array([6_000_050.0] * 2))
    >>> r.inside.tolist(), r.distance.tolist()
    ([0, -1], [-50.0, 50.0])
    """

    def __init__(
        self, perimeters: PerimeterSet, cell: float = 500.0, fine_cell: float = 50.0
    ) -> None:
        # each cell must lie inside one cell of the level above (lists are inherited)
        for small, big in ((fine_cell, cell), (cell, MIDDLE2_CELL)):
            ratio = big / small
            if small <= 0 or abs(ratio - round(ratio)) > 1e-9:
                raise ValueError(f"cell sizes must nest: {big} is not a multiple of {small}")
        self.perimeters = perimeters
        self._build_units(perimeters.geometry)
        self.top = LazyGrid(TOP_CELL, self._unit_candidates)
        self.middle = LazyGrid(MIDDLE_CELL, partial(self._derived_candidates, self.top))
        self.middle2 = LazyGrid(MIDDLE2_CELL, partial(self._derived_candidates, self.middle))
        b = shapely.total_bounds(self.unit_polygon) if len(self.unit_polygon) else None
        window = None if b is None or not np.isfinite(b).all() else (
            b[0] - WINDOW_MARGIN, b[1] - WINDOW_MARGIN, b[2] + WINDOW_MARGIN,
            b[3] + WINDOW_MARGIN)
        self.coarse = LazyGrid(cell, partial(self._derived_candidates, self.middle2), window)
        fine_window = None if window is None or b is None else (
            b[0] - 1000, b[1] - 1000, b[2] + 1000, b[3] + 1000)
        self.fine = LazyGrid(fine_cell, self._segment_candidates, fine_window,
                             max_table=4_000_000)

    # ------------------------------------------------------------------ construction
    def _build_units(self, geometries: np.ndarray) -> None:
        geoms = shapely.orient_polygons(np.asarray(geometries, dtype=object), exterior_cw=False)
        parts, owner = shapely.get_parts(geoms, return_index=True)
        keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
        parts, owner = parts[keep], owner[keep]
        self.unit_polygon = parts
        self.unit_qpv = owner.astype(np.int32)
        shapely.prepare(self.unit_polygon)

        seg_ax: list[np.ndarray] = []
        seg_ay: list[np.ndarray] = []
        seg_bx: list[np.ndarray] = []
        seg_by: list[np.ndarray] = []
        unit_seg_start = np.zeros(len(parts) + 1, dtype=np.int64)
        hull_x: list[np.ndarray] = []
        hull_y: list[np.ndarray] = []
        hull_ring_start: list[np.ndarray] = []  # global segment id of the hull edge's chain
        hull_chain_len: list[np.ndarray] = []
        unit_hull_start = np.zeros(len(parts) + 1, dtype=np.int64)
        has_hull = np.zeros(len(parts), dtype=bool)
        hull_polys = np.empty(len(parts), dtype=object)
        nseg = 0
        nhull = 0
        for u, poly in enumerate(parts):  # per polygon of the set, not per point
            rings = [poly.exterior, *poly.interiors]
            ext_start = nseg
            ext_n = 0
            for r, ring in enumerate(rings):
                c = shapely.get_coordinates(ring)
                if len(c) < 2:
                    continue
                seg_ax.append(c[:-1, 0])
                seg_ay.append(c[:-1, 1])
                seg_bx.append(c[1:, 0])
                seg_by.append(c[1:, 1])
                if r == 0:
                    ext_n = len(c) - 1
                nseg += len(c) - 1
            unit_seg_start[u + 1] = nseg
            ext = shapely.get_coordinates(poly.exterior)[:-1]
            hull_polys[u] = shapely.convex_hull(poly)
            hv = None
            if ext_n >= 3:
                try:
                    hv = ConvexHull(ext).vertices  # counter-clockwise
                except Exception:  # degenerate (flat) ring: brute force only
                    hv = None
            if hv is not None:
                hv = np.roll(hv, -int(np.argmin(hv)))
                if not np.all(np.diff(hv) > 0):
                    hv = None
            if hv is None:
                unit_hull_start[u + 1] = nhull
                continue
            has_hull[u] = True
            nxt = np.roll(hv, -1)
            chain = (nxt - hv) % ext_n
            hull_x.append(ext[hv, 0])
            hull_y.append(ext[hv, 1])
            hull_ring_start.append(ext_start + hv)
            hull_chain_len.append(chain)
            nhull += len(hv)
            unit_hull_start[u + 1] = nhull
        self.seg_ax = np.concatenate(seg_ax) if seg_ax else np.zeros(0)
        self.seg_ay = np.concatenate(seg_ay) if seg_ay else np.zeros(0)
        self.seg_dx = (np.concatenate(seg_bx) if seg_bx else np.zeros(0)) - self.seg_ax
        self.seg_dy = (np.concatenate(seg_by) if seg_by else np.zeros(0)) - self.seg_ay
        l2 = self.seg_dx**2 + self.seg_dy**2
        self.seg_inv_l2 = np.where(l2 > 0, 1.0 / np.where(l2 > 0, l2, 1.0), 0.0)
        self.unit_seg_start = unit_seg_start
        self.seg_unit = np.repeat(np.arange(len(parts)), np.diff(unit_seg_start)).astype(np.int32)
        self.segment_tree = shapely.STRtree(
            shapely.linestrings(
                np.stack(
                    [
                        np.stack([self.seg_ax, self.seg_ay], axis=1),
                        np.stack([self.seg_ax + self.seg_dx, self.seg_ay + self.seg_dy], axis=1),
                    ],
                    axis=1,
                )
            )
            if len(self.seg_ax)
            else np.empty(0, dtype=object)
        )

        self.has_hull = has_hull
        self.unit_hull_start = unit_hull_start
        self.hull_polys = hull_polys
        hx = np.concatenate(hull_x) if hull_x else np.zeros(0)
        hy = np.concatenate(hull_y) if hull_y else np.zeros(0)
        self.hull_x, self.hull_y = hx, hy
        n_h = len(hx)
        unit_of_h = np.repeat(np.arange(len(parts)), np.diff(unit_hull_start))
        first = unit_hull_start[unit_of_h]
        size = np.diff(unit_hull_start)[unit_of_h]
        local = np.arange(n_h) - first
        self.hull_next = (first + (local + 1) % np.maximum(size, 1)).astype(np.int64)
        self.hull_prev = (first + (local - 1) % np.maximum(size, 1)).astype(np.int64)
        self.hull_tx = hx[self.hull_next] - hx
        self.hull_ty = hy[self.hull_next] - hy
        self.hull_l2 = self.hull_tx**2 + self.hull_ty**2
        self.hull_inv_len = 1.0 / np.sqrt(np.where(self.hull_l2 > 0, self.hull_l2, 1.0))
        self.hull_chain_start = (
            np.concatenate(hull_ring_start) if hull_ring_start else np.zeros(0, np.int64)
        )
        self.hull_chain_len = (
            np.concatenate(hull_chain_len) if hull_chain_len else np.zeros(0, np.int64)
        )
        # the chain of the last hull edge wraps around the ring: store explicit segment ids
        # only through a modular mapping (start + j) mod ring length, handled in _chains.
        self.hull_ext_start = np.repeat(
            np.array([unit_seg_start[u] for u in range(len(parts))], dtype=np.int64),
            np.diff(unit_hull_start),
        )
        ext_len = np.zeros(len(parts), dtype=np.int64)
        for u, poly in enumerate(parts):
            ext_len[u] = max(len(poly.exterior.coords) - 1, 1)
        self.hull_ext_len = np.repeat(ext_len, np.diff(unit_hull_start))
        self.hull_is_bridge = self.hull_chain_len > 1
        self._build_chains()

        # angle table: start vertex of the walk for each direction bin
        cx = np.zeros(len(parts))
        cy = np.zeros(len(parts))
        start = np.zeros((len(parts), ANGLE_BINS), dtype=np.int64)
        dirs = np.stack(_undiamond((np.arange(ANGLE_BINS) + 0.5) * (4.0 / ANGLE_BINS)))
        for w in np.flatnonzero(has_hull).tolist():
            a, b = int(unit_hull_start[w]), int(unit_hull_start[w + 1])
            pts = np.stack([hx[a:b], hy[a:b]], axis=1)
            cx[w], cy[w] = pts.mean(axis=0)
            start[w] = a + np.argmax((pts - [cx[w], cy[w]]) @ dirs, axis=0)
        self.unit_cx, self.unit_cy, self.unit_start = cx, cy, start
        self.hull_tree = shapely.STRtree(hull_polys)
        self.unit_bounds = shapely.bounds(hull_polys).reshape(-1, 4)
        first_vertex = shapely.get_point(shapely.get_exterior_ring(parts), 0)
        self.unit_vx = shapely.get_x(first_vertex)
        self.unit_vy = shapely.get_y(first_vertex)
        self.unit_boundary = shapely.boundary(parts)
        self.boundary_tree = shapely.STRtree(self.unit_boundary)



    def _build_chains(self) -> None:
        """For each bridge, its chain's segments sorted by depth below the bridge line.

        A point in the strip of a bridge, at height ``h`` above it, is at least
        ``h + depth`` from a segment whose shallowest end lies ``depth`` below the line: the
        segments deeper than ``best - h`` are skipped (exactly)."""
        counts = np.where(self.hull_is_bridge, self.hull_chain_len, 0)
        rows, j = _expand(np.zeros(len(counts), dtype=np.int64), counts)
        ext0 = self.hull_ext_start[rows]
        local = (self.hull_chain_start[rows] - ext0 + j) % self.hull_ext_len[rows]
        seg = ext0 + local
        ax, ay = self.seg_ax[seg], self.seg_ay[seg]
        bx, by = ax + self.seg_dx[seg], ay + self.seg_dy[seg]
        tx, ty = self.hull_tx[rows], self.hull_ty[rows]
        hx, hy = self.hull_x[rows], self.hull_y[rows]
        inv = self.hull_inv_len[rows]
        da = (tx * (ay - hy) - ty * (ax - hx)) * inv
        db = (tx * (by - hy) - ty * (bx - hx)) * inv
        depth = np.maximum(np.minimum(da, db), 0.0)
        order = np.lexsort((depth, rows))
        self.chain_seg = seg[order]
        depth = depth[order]
        self.chain_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._depth_span = float(depth.max()) + 1.0 if len(depth) else 1.0
        self.chain_key = depth + rows[order] * self._depth_span

    # ------------------------------------------------------------------ candidate lists
    def _unit_candidates(self, bx0: np.ndarray, by0: np.ndarray, h: float):
        """Units that can be nearest to, or contain, a point of each cell."""
        centres = shapely.points(bx0 + h / 2, by0 + h / 2)
        boxes = shapely.box(bx0, by0, bx0 + h, by0 + h)
        (i, _u), d = self.boundary_tree.query_nearest(
            centres, return_distance=True, all_matches=False
        )
        ub = np.empty(len(bx0))
        ub[i] = d
        reach = ub + h * math.sqrt(0.5) + 1e-6
        q = self.hull_tree.query(boxes, predicate="dwithin", distance=reach)
        return q[0], q[1]

    def _derived_candidates(self, parent_grid: LazyGrid, bx0: np.ndarray, by0: np.ndarray,
                            h: float):
        """Same rule as :meth:`_unit_candidates`, derived from the top grid's lists: the
        exact distance from each cell centre comes from the index itself (on the parent
        grid), and the parent's
        units are kept when their hull's bounding box lies within reach of the cell."""
        cx, cy = bx0 + h / 2, by0 + h / 2
        n = len(cx)
        d = np.full(n, np.nan)
        self._query_grid(
            cx, cy, np.arange(n), np.full(n, -1, np.int32), np.full(n, -1, np.int32), d,
            grid=parent_grid, containment=False,
        )
        row, unit = parent_grid.pairs(parent_grid.keys(cx, cy))
        b = self.unit_bounds[unit]
        gx = np.maximum(np.maximum(b[:, 0] - (bx0[row] + h), bx0[row] - b[:, 2]), 0.0)
        gy = np.maximum(np.maximum(b[:, 1] - (by0[row] + h), by0[row] - b[:, 3]), 0.0)
        keep = np.hypot(gx, gy) <= d[row] + h * math.sqrt(0.5) + 1e-6
        return row[keep], unit[keep].astype(np.int64)

    def _segment_candidates(self, bx0: np.ndarray, by0: np.ndarray, h: float):
        """Segments that can be nearest to a point of each (small) cell.

        The coarse cell holding the small one lists every unit that can be nearest there;
        the exact distance ``d`` from the centre is the minimum over their segments, and a
        segment is kept when its bounding box lies within ``d + h/sqrt(2)`` of the cell."""
        cx, cy = bx0 + h / 2, by0 + h / 2
        row, unit = self.coarse.pairs(self.coarse.keys(cx, cy))
        # a unit whose bounding box is farther from the cell than a boundary point of
        # another unit (plus the half-diagonal) cannot be nearest anywhere in the cell
        b = self.unit_bounds[unit]
        x0, y0 = bx0[row], by0[row]
        gx = np.maximum(np.maximum(b[:, 0] - (x0 + h), x0 - b[:, 2]), 0.0)
        gy = np.maximum(np.maximum(b[:, 1] - (y0 + h), y0 - b[:, 3]), 0.0)
        ub = np.hypot(cx[row] - self.unit_vx[unit], cy[row] - self.unit_vy[unit])
        first = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        best = np.repeat(np.minimum.reduceat(ub, first), np.diff(np.r_[first, len(row)]))
        keep = np.hypot(gx, gy) <= best + h * math.sqrt(0.5) + 1e-6
        vertex_ub = best[keep]  # distance from the centre to a boundary point
        row, unit = row[keep], unit[keep]
        starts = self.unit_seg_start[unit]
        counts = self.unit_seg_start[unit + 1] - starts
        r2, seg = _expand(starts, counts)
        row = row[r2]
        ax, ay = self.seg_ax[seg], self.seg_ay[seg]
        bx, by = ax + self.seg_dx[seg], ay + self.seg_dy[seg]
        sx0, sx1 = np.minimum(ax, bx), np.maximum(ax, bx)
        sy0, sy1 = np.minimum(ay, by), np.maximum(ay, by)
        # exact centre distance, measured only on segments whose box can beat the bound
        ccx, ccy = cx[row], cy[row]
        gx = np.maximum(np.maximum(sx0 - ccx, ccx - sx1), 0.0)
        gy = np.maximum(np.maximum(sy0 - ccy, ccy - sy1), 0.0)
        near = np.flatnonzero(np.hypot(gx, gy) <= vertex_ub[r2])
        sn, rn = seg[near], row[near]
        d = _segment_distance(
            cx[rn], cy[rn], self.seg_ax[sn], self.seg_ay[sn],
            self.seg_dx[sn], self.seg_dy[sn], self.seg_inv_l2[sn],
        )
        first = np.flatnonzero(np.r_[True, rn[1:] != rn[:-1]])  # rows are grouped
        best = np.full(len(cx), np.inf)
        best[rn[first]] = np.minimum.reduceat(d, first)
        x0, y0 = bx0[row], by0[row]
        gx = np.maximum(np.maximum(sx0 - (x0 + h), x0 - sx1), 0.0)
        gy = np.maximum(np.maximum(sy0 - (y0 + h), y0 - sy1), 0.0)
        keep = np.hypot(gx, gy) <= best[row] + h * math.sqrt(0.5) + 1e-6
        return row[keep], seg[keep]

    def _units_distance(self, px, py, unit, npt) -> tuple[np.ndarray, np.ndarray]:
        """Exact distance over every segment of the given (point, unit) pairs, grouped by
        point (``npt`` pairs each): the minimum per point and its segment."""
        starts = self.unit_seg_start[unit]
        counts = self.unit_seg_start[unit + 1] - starts
        r, seg = _expand(starts, counts)
        d = _segment_distance(
            px[r], py[r], self.seg_ax[seg], self.seg_ay[seg],
            self.seg_dx[seg], self.seg_dy[seg], self.seg_inv_l2[seg],
        )
        per_point = np.repeat(np.arange(len(npt)), npt)[r]
        first = np.flatnonzero(np.r_[True, per_point[1:] != per_point[:-1]])
        dmin = np.minimum.reduceat(d, first)
        hit = np.flatnonzero(d == dmin[per_point])
        pick = hit[np.r_[True, per_point[hit][1:] != per_point[hit][:-1]]]
        return dmin, seg[pick]

    # ------------------------------------------------------------------ queries
    def query(self, x: np.ndarray, y: np.ndarray) -> QueryResult:
        """Containment, nearest QPV and signed distance for Lambert-93 coordinates."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        n = len(x)
        inside = np.full(n, -1, dtype=np.int32)
        nearest = np.full(n, -1, dtype=np.int32)
        dist = np.full(n, np.nan)
        if n == 0 or len(self.unit_polygon) == 0:
            return QueryResult(inside, nearest, dist)
        x0, y0, x1, y1 = GRID_EXTENT
        in_grid = (x >= x0) & (x < x1) & (y >= y0) & (y < y1)  # False for NaN
        if n <= SMALL:  # a few points: plain GEOS queries have less overhead
            in_grid[:] = False
        gi = np.flatnonzero(in_grid)
        for a in range(0, gi.size, PART):  # cache-sized parts: much faster than one pass
            g = gi[a : a + PART]
            self._query_grid(x[g], y[g], g, inside, nearest, dist)
        out = np.flatnonzero(np.isfinite(x) & np.isfinite(y) & ~in_grid)
        if out.size:
            self._query_geos(x[out], y[out], out, inside, nearest, dist)
        return QueryResult(inside, nearest, dist)

    def _query_geos(self, x, y, where, inside, nearest, dist) -> None:
        """Plain GEOS queries: a few points, or points outside the grid extent."""
        pts = shapely.points(x, y)
        near = self.boundary_tree.query_nearest(pts, return_distance=True, all_matches=False)
        (i, u), d = near
        nearest[where[i]] = self.unit_qpv[u]
        dist[where[i]] = d
        hit = self.hull_tree.query(pts, predicate="intersects")
        ok = shapely.intersects(self.unit_polygon[hit[1]], pts[hit[0]])
        qpv = self.unit_qpv[hit[1][ok]]
        pt = where[hit[0][ok]]
        order = np.lexsort((-qpv, pt))
        inside[pt[order]] = qpv[order]
        dist[pt] = -np.abs(dist[pt])

    def _query_grid(
        self, x, y, where, inside, nearest, dist, grid: LazyGrid | None = None,
        containment: bool = True,
    ) -> None:
        grid = self.coarse if grid is None else grid
        pt, unit = grid.pairs(grid.keys(x, y))  # grouped by point
        npt = np.bincount(pt, minlength=len(x))
        if (npt == 0).any():  # cannot happen with a non-empty set; stay exact anyway
            lost = np.flatnonzero(npt == 0)
            self._query_geos(x[lost], y[lost], where[lost], inside, nearest, dist)
            keep = npt > 0
            remap = np.cumsum(keep) - 1
            x, y, where, npt = x[keep], y[keep], where[keep], npt[keep]
            pt = remap[pt]
            if len(x) == 0:
                return
        px, py = x[pt], y[pt]
        if len(pt) > len(x):  # prune units that cannot be the nearest (cheap bounds)
            b = self.unit_bounds[unit]
            gx = np.maximum(np.maximum(b[:, 0] - px, px - b[:, 2]), 0.0)
            gy = np.maximum(np.maximum(b[:, 1] - py, py - b[:, 3]), 0.0)
            lb = np.hypot(gx, gy)
            ub = np.hypot(px - self.unit_vx[unit], py - self.unit_vy[unit])
            starts = np.cumsum(npt) - npt
            best = np.minimum.reduceat(ub, starts)
            keep = lb <= best[pt]
            pt, unit, px, py = pt[keep], unit[keep], px[keep], py[keep]
            npt = np.bincount(pt, minlength=len(x))
        starts = np.cumsum(npt) - npt
        dpair = np.full(len(pt), np.inf)
        near_pair = ~self.has_hull[unit]
        hw = np.flatnonzero(~near_pair)
        status, k, dh = self._walk(px[hw], py[hw], unit[hw])
        near_pair[hw[(status == 2) | (dh <= 0.0)]] = True
        near_pt = np.logical_or.reduceat(near_pair, starts)
        # points outside every candidate hull: exact hull distances, chains for bridges
        keep = ~near_pt[pt[hw]]
        ok, k_ok, d_ok, st_ok = hw[keep], k[keep], dh[keep], status[keep]
        bridge = (st_ok == 1) & self.hull_is_bridge[k_ok]
        dpair[ok[~bridge]] = d_ok[~bridge]
        if bridge.any():
            bp, kb, hb = ok[bridge], k_ok[bridge], d_ok[bridge]
            best = np.minimum.reduceat(dpair, starts)[pt[bp]]
            kn = self.hull_next[kb]
            ub = np.minimum.reduce([
                best,
                np.hypot(px[bp] - self.hull_x[kb], py[bp] - self.hull_y[kb]),
                np.hypot(px[bp] - self.hull_x[kn], py[bp] - self.hull_y[kn]),
            ])
            dpair[bp] = self._chain_distance(px[bp], py[bp], kb, ub - hb)
        dmin = np.minimum.reduceat(dpair, starts)
        far = ~near_pt
        if far.any():
            hit = np.flatnonzero(dpair == np.repeat(dmin, npt))
            first = hit[np.r_[True, pt[hit][1:] != pt[hit][:-1]]]
            fp = pt[first]
            sel = far[fp]
            fp, first = fp[sel], first[sel]
            dist[where[fp]] = dpair[first]
            nearest[where[fp]] = self.unit_qpv[unit[first]]
        # points inside (or on) a hull: exact distance over the fine grid's segments
        ni = np.flatnonzero(near_pt)
        if ni.size:
            sel = near_pt[pt]
            if containment:
                seg_d, seg = self._fine_distance(x[ni], y[ni])
            else:  # building grid cells: brute force, no dependency on the fine grid
                seg_d, seg = self._units_distance(px[sel], py[sel], unit[sel], npt[near_pt])
            dist[where[ni]] = seg_d
            nearest[where[ni]] = self.unit_qpv[self.seg_unit[seg]]
            if not containment:
                return
            npairs = np.flatnonzero(near_pair)
            hit = shapely.intersects_xy(self.unit_polygon[unit[npairs]], px[npairs], py[npairs])
            ci = npairs[hit]
            if ci.size:
                qpv = self.unit_qpv[unit[ci]]
                order = np.lexsort((-qpv, pt[ci]))  # lowest QPV index written last, wins
                tgt = where[pt[ci][order]]
                inside[tgt] = qpv[order]
                dist[tgt] = -np.abs(dist[tgt])

    def _fine_distance(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact distance to the nearest segment and that segment, via the fine grid."""
        row, seg = self.fine.pairs(self.fine.keys(x, y))  # grouped by point
        d = _segment_distance(
            x[row], y[row], self.seg_ax[seg], self.seg_ay[seg],
            self.seg_dx[seg], self.seg_dy[seg], self.seg_inv_l2[seg],
        )
        starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        dmin = np.minimum.reduceat(d, starts)
        hit = np.flatnonzero(d == np.repeat(dmin, np.diff(np.r_[starts, len(row)])))
        first = hit[np.r_[True, row[hit][1:] != row[hit][:-1]]]
        return dmin, seg[first]

    def _walk(self, px, py, unit):
        """Nearest feature of each unit's hull; status 0 vertex, 1 edge, 2 not outside."""
        ang = _diamond(px - self.unit_cx[unit], py - self.unit_cy[unit])
        b = (ang * (ANGLE_BINS / 4.0)).astype(np.int64)
        np.clip(b, 0, ANGLE_BINS - 1, out=b)
        k = self.unit_start[unit, b]
        n = len(px)
        status = np.full(n, 2, dtype=np.int8)
        dh = np.zeros(n)
        active = np.arange(n)
        kk = k.copy()
        for _ in range(MAX_WALK):
            if active.size == 0:
                break
            ka = kk[active]
            wx = px[active] - self.hull_x[ka]
            wy = py[active] - self.hull_y[ka]
            a = wx * self.hull_tx[ka] + wy * self.hull_ty[ka]
            kp = self.hull_prev[ka]
            bb = wx * self.hull_tx[kp] + wy * self.hull_ty[kp]
            is_vertex = (a <= 0) & (bb >= 0)
            fwd = a > 0
            on_edge = fwd & (a < self.hull_l2[ka])
            cross = self.hull_tx[ka] * wy - self.hull_ty[ka] * wx
            edge_out = on_edge & (cross < 0)
            v = active[is_vertex]
            status[v] = 0
            dh[v] = np.hypot(wx[is_vertex], wy[is_vertex])
            e = active[edge_out]
            status[e] = 1
            dh[e] = -cross[edge_out] * self.hull_inv_len[ka[edge_out]]
            # inside the hull (strip of an edge, inner side): status stays 2
            move_f = fwd & ~on_edge
            move_b = ~fwd & ~is_vertex
            kk[active[move_f]] = self.hull_next[ka[move_f]]
            kk[active[move_b]] = kp[move_b]
            active = active[move_f | move_b]
        return status, kk, dh

    def _chain_distance(self, px, py, k, limit) -> np.ndarray:
        """Exact distance to the chain of bridge ``k`` when it is below ``limit`` + height.

        Only the chain segments not deeper than ``limit`` below the bridge are measured."""
        lo = self.chain_ptr[k]
        base = k * self._depth_span
        hi = np.searchsorted(
            self.chain_key, base + np.clip(limit, 0.0, self._depth_span - 1.0), side="right"
        )
        counts = np.maximum(hi - lo, 1)
        rows, idx = _expand(lo, counts)
        seg = self.chain_seg[idx]
        d = _segment_distance(
            px[rows], py[rows], self.seg_ax[seg], self.seg_ay[seg],
            self.seg_dx[seg], self.seg_dy[seg], self.seg_inv_l2[seg],
        )
        return np.minimum.reduceat(d, np.cumsum(counts) - counts)
