"""Quartier polygons: the union of their 200 m squares, valid, reprojected.

The outline of a set of grid cells is traced directly on the raster, vectorised over all
zones at once, instead of building one box per cell and asking GEOS for their union (which
also needed a validity pass: squares touching at a corner pinch GEOS's rings).

How the rings are made valid by construction:

- each zone is split into its edge-connected parts; every part becomes one polygon, and a
  zone of several parts (corner contiguity) a MultiPolygon whose polygons touch at points;
- a part's boundary edges are oriented with the part on their left and chained into rings;
  where the part touches itself at a corner (two diagonal cells of the part, the two others
  outside), the ring turns towards the other diagonal cell, so that the ring never passes
  twice through that vertex and the enclosed area becomes a hole touching the shell at one
  point (the form OGC validity asks for);
- the anticlockwise ring of a part is its shell, the others are its holes; coordinates are
  written clockwise for shells and anticlockwise for holes, as GEOS's overlay writes them.

Every cell corner on the outline is kept as a vertex (as the union of boxes did), so that
the reprojected outline follows the curvature of the grid's straight lines.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer
from scipy import sparse
from scipy.sparse import csgraph

from quartiers.delimitation.zones import Zones, sorted_lookup
from quartiers.io.grid import Grid

LAEA = "EPSG:3035"
LAMBERT93 = "EPSG:2154"
WGS84 = "EPSG:4326"

# Boundary edge of a cell per side, as direction d (0 east, 1 north, 2 west, 3 south: the
# part lies on the left of the edge), start corner offset and neighbour across that side.
_STEP_X = np.array([1, 0, -1, 0])
_STEP_Y = np.array([0, 1, 0, -1])
_START_X = np.array([0, 1, 1, 0])  # bottom side starts at the lower-left corner, etc.
_START_Y = np.array([0, 0, 1, 1])
_ACROSS_X = np.array([0, 1, 0, -1])
_ACROSS_Y = np.array([-1, 0, 1, 0])


def cell_polygons(
    col: np.ndarray,
    row: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    origin: tuple[float, float] = (0.0, 0.0),
    size: float = 1.0,
    target: Transformer | None = None,
) -> np.ndarray:
    """Union of the unit cells ``(col, row)`` of each group, as valid (Multi)Polygons.

    ``group`` (0 to ``n_groups - 1``) gives each cell's group; cell ``(c, r)`` is the square
    ``origin + size * [c, c + 1] x [r, r + 1]``. The coordinates are transformed by
    ``target`` (a pyproj transformer) before the geometries are built. A group without
    cells gives ``None``.
    """
    out = np.full(n_groups, None, dtype=object)
    if len(col) == 0:
        return out
    col = np.asarray(col, dtype=np.int64)
    row = np.asarray(row, dtype=np.int64)
    c_min, r_min = int(col.min()) - 1, int(row.min()) - 1
    c = col - c_min  # a free margin of one cell on every side: neighbours never wrap
    r = row - r_min
    width = int(c.max()) + 2
    n_cells = (int(r.max()) + 2) * width
    keys = np.sort(np.asarray(group, dtype=np.int64) * n_cells + r * width + c)
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]]
    cell_group = keys // n_cells
    r, c = np.divmod(keys % n_cells, width)
    n = len(keys)

    # edge-connected parts of each group (neighbours share the group through the key)
    _, right = sorted_lookup(keys, keys + 1)
    _, up = sorted_lookup(keys, keys + width)
    src = np.concatenate([np.flatnonzero(right), np.flatnonzero(up)])
    dst = np.concatenate([np.flatnonzero(right) + 1, np.searchsorted(keys, keys[up] + width)])
    graph = sparse.coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    n_parts, part = csgraph.connected_components(graph, directed=False)
    part_group = np.zeros(n_parts, dtype=np.int64)
    part_group[part] = cell_group
    # number the parts group after group: the geometries are then built in output order
    renumber = np.empty(n_parts, dtype=np.int64)
    renumber[np.argsort(part_group, kind="stable")] = np.arange(n_parts)
    part = renumber[part]
    part_group = np.sort(part_group)

    # boundary edges: the sides whose neighbour is not a cell of the same group
    side_cell, side_dir = [], []
    for d in range(4):
        _, inside = sorted_lookup(keys, keys + _ACROSS_Y[d] * width + _ACROSS_X[d])
        outline = np.flatnonzero(~inside)
        side_cell.append(outline)
        side_dir.append(np.full(len(outline), d, dtype=np.int64))
    cell = np.concatenate(side_cell)
    direction = np.concatenate(side_dir)
    sx = c[cell] + _START_X[direction]
    sy = r[cell] + _START_Y[direction]
    edge_part = part[cell]

    # successor of each edge: the edge of the same part leaving its end corner, turning
    # right when two leave it (a part touching itself at a corner, see the module doc)
    v_width = width + 1
    n_vertices = (int(r.max()) + 2) * v_width
    start_key = ((edge_part * n_vertices + sy * v_width + sx) << 2) | direction
    order = np.argsort(start_key)
    start_key, direction, sx, sy, edge_part = (
        start_key[order], direction[order], sx[order], sy[order], edge_part[order]
    )
    ex, ey = sx + _STEP_X[direction], sy + _STEP_Y[direction]
    end_vertex = (edge_part * n_vertices + ey * v_width + ex) << 2
    pos_right, is_right = sorted_lookup(start_key, end_vertex | ((direction + 3) & 3))
    first_out = np.searchsorted(start_key, end_vertex)
    successor = np.where(is_right, pos_right, first_out)

    # rings are the cycles of ``successor``. Pointer jumping (a logarithmic number of
    # vectorised steps, no walk along the rings) finds for each edge the smallest edge of
    # its ring, its head, and how many steps forward the head lies: the window of 2^k edges
    # ahead of each edge doubles until the smallest edge is the same all along each ring,
    # which happens once the windows cover the rings.
    n_edges = len(successor)
    lowest = np.arange(n_edges)
    to_lowest = np.zeros(n_edges, dtype=np.int64)
    jump, span = successor, 1
    while True:
        ahead = lowest[jump]
        later = ahead < lowest
        to_lowest = np.where(later, to_lowest[jump] + span, to_lowest)
        lowest = np.where(later, ahead, lowest)
        if (lowest[successor] == lowest).all():
            break
        jump, span = jump[jump], span * 2
    is_head = lowest == np.arange(n_edges)
    head = np.flatnonzero(is_head)
    n_rings = len(head)
    ring = (np.cumsum(is_head) - 1)[lowest]
    ring_size = np.bincount(ring, minlength=n_rings)

    # shells are the anticlockwise rings (twice the signed area, in cell units); rings are
    # laid out part after part, shell first
    twice_area = np.bincount(ring, weights=sx * ey - ex * sy, minlength=n_rings)
    ring_part = edge_part[head]
    ring_order = np.lexsort((twice_area <= 0, ring_part))
    ring_rank = np.empty(n_rings, dtype=np.int64)
    ring_rank[ring_order] = np.arange(n_rings)
    offset = np.concatenate([[0], np.cumsum(ring_size[ring_order])])
    # the edge k steps before its head goes to slot k: rings are written backwards, so
    # shells come out clockwise
    slot = offset[ring_rank[ring]] + to_lowest
    vertex_x = np.empty(n_edges, dtype=np.float64)
    vertex_y = np.empty(n_edges, dtype=np.float64)
    vertex_x[slot] = (sx + c_min) * size + origin[0]
    vertex_y[slot] = (sy + r_min) * size + origin[1]
    if target is not None:
        vertex_x, vertex_y = target.transform(vertex_x, vertex_y)
    vertex_ring = np.repeat(np.arange(n_rings), ring_size[ring_order])
    rings = shapely.linearrings(np.column_stack([vertex_x, vertex_y]), indices=vertex_ring)
    polygons = shapely.polygons(rings, indices=ring_part[ring_order])

    parts_of_group = np.bincount(part_group, minlength=n_groups)
    first_part = np.concatenate([[0], np.cumsum(parts_of_group)[:-1]])
    single = parts_of_group == 1
    out[single] = polygons[first_part[single]]
    several = np.flatnonzero(parts_of_group > 1)
    if len(several):
        in_multi = parts_of_group[part_group] > 1
        _, multi_index = np.unique(part_group[in_multi], return_inverse=True)
        out[several] = shapely.multipolygons(polygons[in_multi], indices=multi_index)
    return out


def zone_polygons(
    grid: Grid, zones: Zones, wanted: np.ndarray, target: str = LAEA
) -> np.ndarray:
    """Polygons of the zones in ``wanted``, in that order, in ``target`` coordinates.

    The union of each zone's squares and filled empty cells (see the module doc).
    """
    res = zones.resolution
    member = zones.square_zone >= 0
    col = np.concatenate([(grid.x[member] - zones.x0) // res, zones.extra_cells[:, 0]])
    row = np.concatenate([(grid.y[member] - zones.y0) // res, zones.extra_cells[:, 1]])
    zid = np.concatenate([zones.square_zone[member], zones.extra_cells[:, 2]])
    position = np.full(zones.count, -1, dtype=np.int64)
    position[np.asarray(wanted, dtype=np.int64)] = np.arange(len(wanted))
    group = position[zid]
    keep = group >= 0
    transform = None if target == LAEA else transformer(LAEA, target)
    return cell_polygons(
        col[keep], row[keep], group[keep], len(wanted), origin=(zones.x0, zones.y0),
        size=res, target=transform,
    )


@lru_cache(maxsize=8)
def transformer(source: str, target: str) -> Transformer:
    """A cached pyproj transformer (building one costs tens of milliseconds)."""
    return Transformer.from_crs(source, target, always_xy=True)

