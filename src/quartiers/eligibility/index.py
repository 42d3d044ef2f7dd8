"""Spatial index for point-in-QPV lookups: containment and exact signed distance.

Built once per perimeter set with numpy (a loop over polygons, never over points), then
walked point by point by the compiled kernel :func:`quartiers.eligibility.kernels.query`:

* **Units.** Every QPV is split into its polygons (*units*), exterior rings oriented
  counter-clockwise; each unit keeps its boundary segments (exterior, then holes).
* **Coarse cells** (``cell`` metres, over the units' extent plus ``margin``): each lists the
  only units that can matter for a point of the cell, with a bound of the distance to the
  nearest boundary valid in the whole cell; a point reads one cell record, then usually one
  or two units.
* **Tree of units**, for points outside the coarse cells: an implicit binary tree of the
  units' bounding boxes, in Morton order, visited nearest first, skipping every node
  farther than the best distance found so far.
* **Inside a unit's box: local grid.** Each unit has a grid of about ``cells_per_segment``
  cells per segment over its box. A cell lists the segments that can be the unit's nearest
  for some point of the cell (a segment farther from the cell than the distance from the
  cell's centre to the boundary plus the half-diagonal never is), so the exact distance is a
  short loop. Containment is a crossing-number test on the unit's horizontal *slab* holding
  the point (a point within 0.1 micrometre of a boundary is on it, hence inside).
* **Outside a unit's box: convex hull.** The nearest point of the hull is exact when it is a
  vertex or lies on a true edge of the ring. When it lies inside a *bridge* (a hull edge that
  spans a pocket of the ring), the nearest boundary point lies on the bridge's *chain* (the
  ring segments it spans), sorted by depth below the bridge so that the search stops early.

Big batches on big indexes are answered in neighbourhood order (a linear-time sort by
blocks of coarse cells), chunk by chunk, on several threads: for points in random order,
memory latency costs more than the arithmetic. Distances are exact up to floating-point
rounding; the tests compare every answer with GEOS.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
import shapely

from quartiers.eligibility import kernels
from quartiers.eligibility.layout import (
    Answers,
    Cells,
    Hulls,
    Index,
    Level,
    Lists,
    LocalGrids,
    Points,
    Rings,
    SegmentColumns,
    Slabs,
    Tree,
    UnitGrids,
    Units,
    plain,
)
from quartiers.eligibility.primitives import ANGLE_BINS, morton_keys
from quartiers.perimeters import PerimeterSet

#: Largest local grid of one unit.
MAX_CELLS = 65_536
#: Largest number of coarse cells (the cell size doubles until they fit).
MAX_COARSE_CELLS = 1_000_000
#: From this many points, they are answered in spatial order (blocks of cells).
SORT_MIN = 4_096
#: ... and when the index has this many coarse cells (smaller ones stay in the caches).
SORT_CELLS = 131_072
#: Ratio of the two levels of coarse cells.
REFINE = 4
#: Largest number of cells of the first (coarsest) level.
TOP_CELLS = 4_096
SORT_BLOCK = 4
#: Points answered together (bounds the memory of the neighbourhood order).
CHUNK = 2_000_000
_NO_ORDER = np.zeros(0, dtype=np.int64)


@dataclass
class QueryResult:
    """Per-point answers of :meth:`PerimeterIndex.query` (indices into the perimeter set).

    ``inside``: index of the QPV containing the point (-1 when none; the lowest index when
    perimeters overlap); ``nearest``: index of the QPV whose boundary is nearest;
    ``distance``: signed distance in metres to the nearest QPV boundary, negative inside.
    NaN coordinates give -1 / NaN.
    """

    inside: np.ndarray
    nearest: np.ndarray
    distance: np.ndarray


def _expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR expansion: for each row r, ``counts[r]`` consecutive ids from ``starts[r]``.

    Returns (row index per item, id per item)."""
    total = int(counts.sum())
    rows = np.repeat(np.arange(len(counts)), counts)
    offsets = np.cumsum(counts) - counts
    ids = np.arange(total) - np.repeat(offsets, counts) + np.repeat(starts, counts)
    return rows, ids


def _csr(group: np.ndarray, item: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(pointer, items) of ``item`` grouped by ``group`` (stable)."""
    order = np.argsort(group, kind="stable")
    ptr = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(group, minlength=n_groups), out=ptr[1:])
    return ptr, item[order].astype(np.int64)


def _morton(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Z-order key of points (16 bits per axis over their extent)."""
    def scale(v: np.ndarray) -> np.ndarray:
        span = float(v.max() - v.min()) if len(v) else 0.0
        return ((v - v.min()) / (span or 1.0) * 65_535).astype(np.int64)

    return morton_keys(scale(x), scale(y))


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

    def __init__(self, perimeters: PerimeterSet, cells_per_segment: float = 2.0,
                 cell: float = 1_000.0, margin: float = 20_000.0) -> None:
        if not cells_per_segment > 0:
            raise ValueError("cells_per_segment must be positive")
        if not (cell > 0 and margin >= 0):
            raise ValueError("cell must be positive and margin non-negative")
        self.perimeters = perimeters
        self.cells_per_segment = float(cells_per_segment)
        self.cell, self.margin = float(cell), float(margin)
        self._build_units(perimeters.geometry)
        self._build_grids()
        self._build_slabs()
        self._build_hulls()
        self._build_tree()
        self._pack()
        self._build_cells()
        # load (or compile) the last kernel now rather than at the first big batch
        kernels.spatial_order(np.zeros(1), np.zeros(1), Level(0.0, 0.0, 1.0, 1, 1), SORT_BLOCK)

    # ------------------------------------------------------------------ construction
    def _build_units(self, geometries: np.ndarray) -> None:
        geoms = shapely.orient_polygons(np.asarray(geometries, dtype=object), exterior_cw=False)
        parts, owner = shapely.get_parts(geoms, return_index=True)
        keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
        parts, owner = parts[keep], owner[keep]
        self.unit_polygon = parts
        self.unit_qpv = owner.astype(np.int64)
        n = len(parts)
        # rings in order: exterior of unit 0, its holes, exterior of unit 1, ...
        n_holes = shapely.get_num_interior_rings(parts)
        ring_unit = np.repeat(np.arange(n), n_holes + 1)
        first_ring = np.cumsum(n_holes + 1) - (n_holes + 1)
        ring_pos = np.arange(len(ring_unit)) - first_ring[ring_unit]
        rings = np.where(
            ring_pos == 0,
            shapely.get_exterior_ring(parts[ring_unit]),
            shapely.get_interior_ring(parts[ring_unit], np.maximum(ring_pos - 1, 0)),
        )
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        same = ring_of[1:] == ring_of[:-1]  # consecutive vertices of one ring: a segment
        a, b, seg_ring = coords[:-1][same], coords[1:][same], ring_of[:-1][same]
        self.seg_ax, self.seg_ay = a[:, 0].copy(), a[:, 1].copy()
        # the end's own y, not ay + dy: near 0 the sum may round to another value, and the
        # two segments meeting at a vertex must agree on its y for the crossing count
        self.seg_by = b[:, 1].copy()
        self.seg_dx, self.seg_dy = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
        l2 = self.seg_dx**2 + self.seg_dy**2
        self.seg_inv_l2 = np.divide(1.0, l2, out=np.zeros_like(l2), where=l2 > 0)
        self.seg_unit = ring_unit[seg_ring]
        self.unit_seg_start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.seg_unit, minlength=n), out=self.unit_seg_start[1:])
        ext_len = np.bincount(seg_ring, minlength=len(ring_unit))[first_ring] if n else []
        self.unit_ext_len = np.asarray(ext_len, dtype=np.int64)
        b4 = shapely.bounds(parts).reshape(-1, 4)
        self.unit_x0, self.unit_y0, self.unit_x1, self.unit_y1 = (b4[:, i].copy()
                                                                  for i in range(4))

    def _build_grids(self) -> None:
        """Local grid of each unit over its box, with its candidate segments per cell."""
        nseg = np.diff(self.unit_seg_start)
        w = np.maximum(self.unit_x1 - self.unit_x0, 1e-3)
        h = np.maximum(self.unit_y1 - self.unit_y0, 1e-3)
        target = np.clip(np.ceil(nseg * self.cells_per_segment), 1, MAX_CELLS)
        nx = np.clip(np.round(np.sqrt(target * w / h)), 1, target).astype(np.int64)
        ny = np.clip(np.round(target / nx), 1, MAX_CELLS // nx).astype(np.int64)
        self.grid_nx, self.grid_ny = nx, ny
        self.grid_sx, self.grid_sy = w / nx, h / ny
        self.unit_cell_start = np.zeros(len(nx) + 1, dtype=np.int64)
        np.cumsum(nx * ny, out=self.unit_cell_start[1:])
        grids = LocalGrids(self.unit_cell_start, self.unit_x0, self.unit_y0, self.grid_sx,
                           self.grid_sy, ny)
        segs = SegmentColumns(self.unit_seg_start, self.seg_ax, self.seg_ay, self.seg_dx,
                              self.seg_dy, self.seg_inv_l2)
        reach = np.empty(int(self.unit_cell_start[-1]))
        counts = np.zeros(len(reach), dtype=np.int64)
        # two threads, each on half of the segments (the kernel releases the GIL)
        cut = int(np.searchsorted(self.unit_seg_start, self.unit_seg_start[-1] // 2))
        ranges = [(0, cut), (cut, len(nx))]

        def run(fill: bool, ptr: np.ndarray, out: np.ndarray) -> None:
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda r: kernels.cell_candidates(
                    r[0], r[1], grids, segs, reach, counts, Lists(fill, ptr, out)), ranges))

        empty = np.zeros(0, dtype=np.int64)
        run(False, empty, empty)
        self.cell_ptr = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.cell_ptr[1:])
        self.cell_seg = np.empty(int(self.cell_ptr[-1]), dtype=np.int64)
        run(True, self.cell_ptr, self.cell_seg)

    def _build_slabs(self) -> None:
        """Horizontal slabs of each unit, listing the segments whose y-range meets them."""
        nseg = np.diff(self.unit_seg_start)
        h = np.maximum(self.unit_y1 - self.unit_y0, 1e-3)
        self.slab_num = np.clip(nseg // 2, 1, MAX_CELLS).astype(np.int64)
        self.slab_inv_h = self.slab_num / h
        self.slab_start = np.zeros(len(nseg) + 1, dtype=np.int64)
        np.cumsum(self.slab_num, out=self.slab_start[1:])
        u = self.seg_unit
        y0 = self.unit_y0[u]
        lo = np.minimum(self.seg_ay, self.seg_by)
        hi = np.maximum(self.seg_ay, self.seg_by)
        # the kernel computes the slab of a point with this very expression
        top = self.slab_num[u] - 1
        j0 = np.clip(np.floor((lo - y0) * self.slab_inv_h[u]).astype(np.int64), 0, top)
        j1 = np.clip(np.floor((hi - y0) * self.slab_inv_h[u]).astype(np.int64), 0, top)
        row, j = _expand(j0, j1 - j0 + 1)
        group = self.slab_start[u[row]] + j
        self.slab_ptr, self.slab_seg = _csr(group, row, int(self.slab_start[-1]))

    def _build_hulls(self) -> None:
        """Convex hull of each exterior ring, its bridges and their depth-sorted chains."""
        n = len(self.unit_polygon)
        local = np.zeros(len(self.seg_ax), dtype=np.int64)
        self.hull_centre = np.zeros((n, 2))
        # int32: read for every point outside a box, so it had better stay in the caches
        self.hull_start_bin = np.zeros((n, ANGLE_BINS), dtype=np.int32)
        rings = Rings(self.unit_seg_start, self.unit_ext_len, self.seg_ax, self.seg_ay)
        counts = kernels.convex_hulls(rings, local, self.hull_centre, self.hull_start_bin)
        unit_of = np.repeat(np.arange(n), counts)
        pos = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        hv = local[self.unit_seg_start[unit_of] + pos]  # ring vertex numbers, per unit
        ring0 = self.unit_seg_start[unit_of]
        self.hull_x, self.hull_y = self.seg_ax[ring0 + hv], self.seg_ay[ring0 + hv]
        nxt_local = np.where(pos + 1 < counts[unit_of], pos + 1, 0)
        hv_next = local[ring0 + nxt_local]
        first = ring0 + hv
        length = (hv_next - hv) % np.maximum(self.unit_ext_len[unit_of], 1)
        self.hull_start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=self.hull_start[1:])
        nxt = self.hull_start[unit_of] + nxt_local
        self.hull_tx = self.hull_x[nxt] - self.hull_x
        self.hull_ty = self.hull_y[nxt] - self.hull_y
        l2 = self.hull_tx**2 + self.hull_ty**2
        self.hull_inv_l2 = np.divide(1.0, l2, out=np.zeros_like(l2), where=l2 > 0)
        self.hull_bridge = length > 1
        # chain segments: (first + j) modulo the exterior ring, sorted by depth
        counts_c = np.where(self.hull_bridge, length, 0)
        k, j = _expand(np.zeros(len(counts_c), dtype=np.int64), counts_c)
        s0 = self.unit_seg_start[unit_of[k]]
        seg = s0 + (first[k] - s0 + j) % self.unit_ext_len[unit_of[k]]
        inv_len = np.sqrt(self.hull_inv_l2[k])
        tx, ty = self.hull_tx[k], self.hull_ty[k]

        def depth(px: np.ndarray, py: np.ndarray) -> np.ndarray:  # left of the edge = inside
            return (tx * (py - self.hull_y[k]) - ty * (px - self.hull_x[k])) * inv_len

        ax, ay = self.seg_ax[seg], self.seg_ay[seg]
        d = np.maximum(np.minimum(depth(ax, ay), depth(ax + self.seg_dx[seg],
                                                        ay + self.seg_dy[seg])), 0.0)
        order = np.lexsort((d, k))
        self.chain_seg = seg[order].astype(np.int64)
        self.chain_depth = d[order]
        self.chain_ptr = np.zeros(len(counts_c) + 1, dtype=np.int64)
        np.cumsum(counts_c, out=self.chain_ptr[1:])

    def _build_tree(self) -> None:
        """Implicit complete binary tree of the units' boxes, leaves in Morton order."""
        n = len(self.unit_polygon)
        leaves = 1
        while leaves < n:
            leaves *= 2
        order = np.argsort(_morton((self.unit_x0 + self.unit_x1) / 2,
                                   (self.unit_y0 + self.unit_y1) / 2), kind="stable")
        self.leaf_unit = np.full(leaves, -1, dtype=np.int64)
        self.leaf_unit[:n] = order
        boxes = []
        for arr, empty in ((self.unit_x0, np.inf), (self.unit_y0, np.inf),
                           (self.unit_x1, -np.inf), (self.unit_y1, -np.inf)):
            b = np.full(2 * leaves, empty)
            b[leaves:leaves + n] = arr[order]
            boxes.append(b)
        x0, y0, x1, y1 = boxes
        width = leaves // 2
        while width >= 1:  # one level at a time, from the leaves up
            a = slice(2 * width, 4 * width, 2)
            c = slice(2 * width + 1, 4 * width, 2)
            x0[width:2 * width] = np.minimum(x0[a], x0[c])
            y0[width:2 * width] = np.minimum(y0[a], y0[c])
            x1[width:2 * width] = np.maximum(x1[a], x1[c])
            y1[width:2 * width] = np.maximum(y1[a], y1[c])
            width //= 2
        self.tree = Tree(np.ascontiguousarray(np.stack([x0, y0, x1, y1], axis=1)),
                         self.leaf_unit, leaves)

    # ------------------------------------------------------------------ queries
    def _pack(self) -> None:
        """The kernel's structures: each holds copies of the segment data it reads."""
        segs = np.ascontiguousarray(np.stack(
            [self.seg_ax, self.seg_ay, self.seg_dx, self.seg_dy, self.seg_inv_l2], axis=1))
        boxes = np.ascontiguousarray(
            np.stack([self.unit_x0, self.unit_y0, self.unit_x1, self.unit_y1], axis=1))
        scale = np.ascontiguousarray(np.stack(
            [self.unit_x0, self.unit_y0, 1.0 / self.grid_sx, 1.0 / self.grid_sy], axis=1))
        s = self.slab_seg
        slope = np.divide(self.seg_dx[s], self.seg_dy[s], out=np.zeros(len(s)),
                          where=self.seg_dy[s] != 0)
        slab_rows = np.ascontiguousarray(np.stack(
            [self.seg_ay[s], self.seg_by[s], self.seg_ax[s], slope], axis=1))
        hull_rows = np.ascontiguousarray(np.stack(
            [self.hull_x, self.hull_y, self.hull_tx, self.hull_ty, self.hull_inv_l2,
             self.hull_tx**2 + self.hull_ty**2], axis=1))
        chain_rows = np.ascontiguousarray(
            np.concatenate([self.chain_depth[:, None], segs[self.chain_seg]], axis=1))
        empty = np.zeros(1, dtype=np.int64)
        self._level = Level(0.0, 0.0, 1.0, 0, 0)  # no coarse cell yet: every point walks the tree
        self._plain: tuple | None = None  # the same, as plain tuples (built on first query)
        self._index = Index(
            units=Units(self.unit_qpv, boxes, self.unit_seg_start, segs),
            grids=UnitGrids(self.unit_cell_start, scale, self.grid_nx, self.grid_ny,
                            self.cell_ptr, np.ascontiguousarray(segs[self.cell_seg])),
            slabs=Slabs(self.slab_start, self.slab_num, self.slab_inv_h, self.slab_ptr,
                        slab_rows),
            hulls=Hulls(self.hull_start, hull_rows, self.hull_bridge, self.chain_ptr,
                        chain_rows, self.hull_centre, self.hull_start_bin),
            tree=self.tree,
            cells=self._records(self._level, empty, empty, np.zeros(0)),
        )

    @staticmethod
    def _records(level: Level, ptr: np.ndarray, units: np.ndarray,
                 bound2: np.ndarray) -> Cells:
        """The cells as the kernel reads them: one record per cell (bound, start, end,
        first unit), so that a point costs one memory access for its cell."""
        rec = np.zeros((level.nx * level.ny, 4))
        rec[:, 0], rec[:, 1], rec[:, 2] = bound2, ptr[:-1], ptr[1:]
        has = ptr[1:] > ptr[:-1]
        rec[has, 3] = units[ptr[:-1][has]]
        return Cells(level.x0, level.y0, level.size, level.nx, level.ny, units, rec)

    def _build_cells(self) -> None:
        """Coarse cells over the units' extent (plus ``margin``): per cell, the units whose
        box lies within ``d + r`` of it, ``d`` being the exact distance from the cell centre
        to the nearest boundary and ``r`` the half-diagonal; every point of the cell is
        within ``d + r`` of a boundary, so no other unit can matter. Built level by level,
        each ``REFINE`` times finer than the one before (from at most ``TOP_CELLS`` cells):
        a level's centres are answered with the help of the level above, and its lists are
        taken from it."""
        if len(self.unit_polygon) == 0:
            return
        size = self.cell
        x0 = float(self.unit_x0.min()) - self.margin
        y0 = float(self.unit_y0.min()) - self.margin
        w = float(self.unit_x1.max()) + self.margin - x0
        h = float(self.unit_y1.max()) + self.margin - y0
        while (w / size) * (h / size) > MAX_COARSE_CELLS:
            size *= 2
        levels = 0
        while (w / (size * REFINE**levels)) * (h / (size * REFINE**levels)) > TOP_CELLS:
            levels += 1
        top = size * REFINE**levels
        nx, ny = int(np.ceil(w / top)), int(np.ceil(h / top))
        n = len(self.unit_polygon)
        # the first level's parent: one cell listing every unit
        parent = (Level(x0, y0, top * max(nx, ny), 1, 1), np.array([0, n]), np.arange(n))
        for k in range(levels, -1, -1):  # coarsest first
            scale = REFINE ** (levels - k)
            level = Level(x0, y0, size * REFINE**k, nx * scale, ny * scale)
            ptr, units, bound2 = self._make_cells(level, *parent)
            self._level = level
            self._index = self._index._replace(cells=self._records(level, ptr, units, bound2))
            self._plain = None
            parent = (level, ptr, units)

    def _make_cells(self, level: Level, parent: Level, parent_ptr: np.ndarray,
                    parent_units: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ptr, units, squared bound) of the cells of ``level``, from its parent's lists."""
        ix, iy = np.divmod(np.arange(level.nx * level.ny), level.ny)
        cx, cy = level.x0 + (ix + 0.5) * level.size, level.y0 + (iy + 0.5) * level.size
        d = np.abs(self.query(cx, cy, workers=2).distance)
        reach = d + level.size * np.sqrt(0.5) + kernels.SLACK
        ubox = self._index.units.box

        def lists(fill: bool, ptr: np.ndarray, out: np.ndarray) -> np.ndarray:
            return kernels.refine_units(level, reach, parent, parent_ptr, parent_units, ubox,
                                        Lists(fill, ptr, out))

        empty = np.zeros(0, dtype=np.int64)
        ptr = np.zeros(level.nx * level.ny + 1, dtype=np.int64)
        np.cumsum(lists(False, empty, empty), out=ptr[1:])
        units = np.empty(int(ptr[-1]), dtype=np.int64)
        lists(True, ptr, units)
        return ptr, units, reach * reach

    def allocate(self, n: int) -> QueryResult:
        """Empty answers for ``n`` points (no QPV, NaN distance)."""
        return QueryResult(np.full(n, -1, dtype=np.int32), np.full(n, -1, dtype=np.int32),
                           np.full(n, np.nan))

    def arrange(self, x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
        """An order that groups the points by neighbourhood (see
        :func:`kernels.spatial_order`), or None for a few points."""
        level = self._level
        if len(x) < SORT_MIN or level.nx * level.ny < SORT_CELLS:  # small: it stays in cache
            return None
        return kernels.spatial_order(x, y, level, SORT_BLOCK)

    def query_into(self, x: np.ndarray, y: np.ndarray, out: QueryResult,
                   order: np.ndarray | None = None, lo: int = 0, hi: int | None = None) -> None:
        """Answer points ``lo`` to ``hi`` of contiguous float64 arrays into ``out``, at
        ``order[i]`` for point ``i`` when an order is given (``x, y`` are then in that order).

        Releases the GIL: threads may answer disjoint ranges at once."""
        order = _NO_ORDER if order is None else order
        hi = (len(order) if len(order) else len(x)) if hi is None else hi
        if hi <= lo or len(self.unit_polygon) == 0:
            return
        if self._plain is None:
            self._plain = plain(self._index)
        points = Points(x=x, y=y, order=order, lo=lo, hi=hi)
        answers = Answers(inside=out.inside, nearest=out.nearest, distance=out.distance)
        # plain tuples, in the classes' own field order (see layout.plain)
        kernels.query(tuple(points), tuple(answers), self._plain)

    def query(self, x: np.ndarray, y: np.ndarray, workers: int = 1,
              part: int = 262_144) -> QueryResult:
        """Containment, nearest QPV and signed distance for Lambert-93 coordinates.

        Big arrays are cut into parts of about ``part`` points (at most ``CHUNK``) shared by
        ``workers`` threads; each part is answered in neighbourhood order when the index is
        big (see :meth:`arrange`), so that the ordering work is shared too."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        out = self.allocate(len(x))
        n = len(x)
        if workers < 2 or n <= part:
            for a in range(0, n, CHUNK):
                self._answer(x, y, out, a, min(a + CHUNK, n))
            return out
        size = min(CHUNK, max(part, -(-n // workers)))
        bounds = [*range(0, n, size), n]
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(partial(self._answer, x, y, out), bounds[:-1], bounds[1:]))
        return out

    def _answer(self, x: np.ndarray, y: np.ndarray, out: QueryResult, a: int, b: int) -> None:
        """Points ``a`` to ``b``: put in neighbourhood order if worth it, then answered."""
        xs, ys = x[a:b], y[a:b]
        view = QueryResult(out.inside[a:b], out.nearest[a:b], out.distance[a:b])
        order = self.arrange(xs, ys)
        if order is not None:
            xs, ys = xs[order], ys[order]
        self.query_into(xs, ys, view, order)


def compile_kernels() -> None:
    """Compile the kernels (or load them from numba's cache) on a tiny synthetic set, so
    that the first real lookup does not wait for the compiler (``scripts/setup.sh``)."""
    sq = shapely.box(700_000, 6_600_000, 700_100, 6_600_100)
    ps = PerimeterSet(np.array(["Q"], dtype=object), np.array(["Q"], dtype=object),
                      np.array([""], dtype=object), np.array([""], dtype=object),
                      np.array([sq], dtype=object), "compilation", "synthétique")
    idx = PerimeterIndex(ps, margin=50_000.0)
    idx.query(np.full(SORT_MIN, 700_050.0), np.full(SORT_MIN, 6_600_050.0), workers=2,
              part=SORT_MIN // 2)
