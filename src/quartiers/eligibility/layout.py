"""The arrays the compiled kernels read, as named tuples (numba passes them as structures).

:mod:`quartiers.eligibility.index` builds them, :mod:`quartiers.eligibility.kernels` reads
them by field name: adding, removing or reordering a field cannot silently shift the others
(a kernel asking for a field that is not there does not compile).

Conventions: a *unit* is one polygon of a QPV (exterior ring counter-clockwise, then its
holes); a segment *row* is ``(ax, ay, dx, dy, inv)``: start point, direction and
``1 / |d|^2`` (0 for a zero-length segment). ``*_start``/``ptr`` arrays are CSR offsets
(items of ``i`` from ``ptr[i]`` to ``ptr[i + 1]``). Cells of a regular grid are numbered
column by column: cell ``(ix, iy)`` is ``ix * ny + iy``. Distances are squared throughout.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class Units(NamedTuple):
    """The polygons (units) of the perimeter set."""

    qpv: np.ndarray  #: int64, the QPV (index in the perimeter set) of each unit
    box: np.ndarray  #: (n, 4) bounding box (x0, y0, x1, y1) of each unit
    seg_start: np.ndarray  #: (n + 1) first segment of each unit in ``segs``
    segs: np.ndarray  #: (s, 5) segment rows, unit after unit, exterior ring first


class UnitGrids(NamedTuple):
    """A local grid over each unit's box; a cell lists (copies of) the segments that can be
    the unit's nearest for some point of the cell."""

    cell_start: np.ndarray  #: (n + 1) first cell of each unit
    scale: np.ndarray  #: (n, 4) grid origin and inverse cell size (x0, y0, 1/sx, 1/sy)
    nx: np.ndarray  #: (n) columns of each unit's grid
    ny: np.ndarray  #: (n) rows of each unit's grid
    ptr: np.ndarray  #: (cells + 1) CSR offsets into ``rows``
    rows: np.ndarray  #: (k, 5) segment rows listed by the cells


class Slabs(NamedTuple):
    """Horizontal slabs of each unit's box, listing the segments whose y-range meets them
    (the crossing-number test reads one slab)."""

    start: np.ndarray  #: (n + 1) first slab of each unit
    n_slabs: np.ndarray  #: (n) slabs of each unit
    inv_h: np.ndarray  #: (n) slabs per metre of height
    ptr: np.ndarray  #: (slabs + 1) CSR offsets into ``rows``
    rows: np.ndarray  #: (k, 4) segments as (y0, y1, x0, dx/dy)


class Hulls(NamedTuple):
    """Convex hull of each unit's exterior ring, for points outside the unit's box."""

    start: np.ndarray  #: (n + 1) first hull vertex of each unit (none: degenerate ring)
    rows: np.ndarray  #: (h, 6) hull edges (x, y, tx, ty, 1/l2, l2), counter-clockwise
    bridge: np.ndarray  #: (h) bool, the edge spans a pocket of the ring
    chain_ptr: np.ndarray  #: (h + 1) CSR offsets into ``chain_rows``
    chain_rows: np.ndarray  #: (k, 6) depth below the bridge + segment row, by depth
    centre: np.ndarray  #: (n, 2) mean of the hull's vertices
    start_bin: np.ndarray  #: (n, ANGLE_BINS) int32, hull vertex supporting each direction


class Tree(NamedTuple):
    """Implicit complete binary tree of the units' boxes: node ``i`` has children ``2i``
    and ``2i + 1``, leaves from ``n_leaves`` (in Morton order of the units)."""

    box: np.ndarray  #: (2 * n_leaves, 4) box of each node (empty: +inf / -inf)
    leaf_unit: np.ndarray  #: (n_leaves) unit of each leaf, -1 for padding
    n_leaves: int


class Cells(NamedTuple):
    """Coarse cells over the units' extent: each lists the only units that can matter for a
    point of the cell. A cell's record holds, in one cache line, a bound of the squared
    distance to the nearest boundary valid in the whole cell, the start and end of its list
    in ``units`` and its first unit."""

    x0: float
    y0: float
    size: float
    nx: int
    ny: int
    units: np.ndarray  #: int64, the cells' lists, nearest unit first
    records: np.ndarray  #: (nx * ny, 4) (bound, start, end, first unit)


class Index(NamedTuple):
    """Everything :func:`quartiers.eligibility.kernels.query` reads."""

    units: Units
    grids: UnitGrids
    slabs: Slabs
    hulls: Hulls
    tree: Tree
    cells: Cells


class Points(NamedTuple):
    """Points ``lo`` to ``hi`` of ``x, y`` to answer; their answers go to ``order[t]``
    (to ``t`` when ``order`` is empty)."""

    x: np.ndarray
    y: np.ndarray
    order: np.ndarray
    lo: int
    hi: int


class Answers(NamedTuple):
    """Per-point answers (see :class:`quartiers.eligibility.index.QueryResult`)."""

    inside: np.ndarray  #: int32, containing QPV or -1
    nearest: np.ndarray  #: int32, QPV of the nearest boundary or -1
    distance: np.ndarray  #: float64, signed distance (negative inside), NaN for NaN input


class Level(NamedTuple):
    """A regular grid of square cells (the coarse cells while they are built)."""

    x0: float
    y0: float
    size: float
    nx: int
    ny: int


class Lists(NamedTuple):
    """Lists built in two passes: the first (``fill`` false) counts the items of each
    list, the second writes them into ``items`` from ``ptr``."""

    fill: bool
    ptr: np.ndarray
    items: np.ndarray


class SegmentColumns(NamedTuple):
    """Segments as columns (construction kernels), with each unit's first segment."""

    seg_start: np.ndarray
    ax: np.ndarray
    ay: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    inv: np.ndarray


class LocalGrids(NamedTuple):
    """The units' local grids while they are built (see :class:`UnitGrids`)."""

    cell_start: np.ndarray
    x0: np.ndarray
    y0: np.ndarray
    sx: np.ndarray
    sy: np.ndarray
    ny: np.ndarray


class Rings(NamedTuple):
    """The units' exterior rings: the first ``ext_len[u]`` segments of each unit."""

    seg_start: np.ndarray
    ext_len: np.ndarray
    ax: np.ndarray
    ay: np.ndarray


def plain(value: Any) -> Any:
    """``value`` with every named tuple turned into a plain tuple, field order kept.

    numba types a plain tuple of arrays in C when a compiled function is called, a named one
    in Python (about 0.3 microsecond per array): the lookup's entry point takes plain tuples
    and names them again from these same classes (:func:`kernels.query`), so a field moved
    in a class moves on both sides at once."""
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return value
