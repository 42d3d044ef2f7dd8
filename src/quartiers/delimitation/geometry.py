"""Quartier polygons: the union of their 200 m squares, valid, in EPSG:3035 then reprojected."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer

from quartiers.delimitation.zones import Zones
from quartiers.io.grid import Grid

LAEA = "EPSG:3035"
LAMBERT93 = "EPSG:2154"
WGS84 = "EPSG:4326"


def zone_polygons(grid: Grid, zones: Zones, wanted: np.ndarray) -> np.ndarray:
    """Polygons (EPSG:3035) of the zones in ``wanted``, in that order.

    Squares and filled empty cells are unioned per zone with ``coverage_union_all``, which
    is exact and fast for edge-sharing squares; the loop runs over zones, not squares.
    """
    res = zones.resolution
    member = zones.square_zone >= 0
    zx = np.concatenate([grid.x[member], zones.x0 + zones.extra_cells[:, 0] * res])
    zy = np.concatenate([grid.y[member], zones.y0 + zones.extra_cells[:, 1] * res])
    zid = np.concatenate([zones.square_zone[member], zones.extra_cells[:, 2]])
    keep = np.isin(zid, wanted)
    zx, zy, zid = zx[keep], zy[keep], zid[keep]
    order = np.argsort(zid, kind="stable")
    zx, zy, zid = zx[order], zy[order], zid[order]
    boxes = shapely.box(zx, zy, zx + res, zy + res)
    uniq, starts = np.unique(zid, return_index=True)
    ends = np.append(starts[1:], len(zid))
    polys = np.empty(len(uniq), dtype=object)
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        polys[i] = shapely.coverage_union_all(boxes[a:b])
    invalid = ~shapely.is_valid(polys)
    if invalid.any():  # squares meeting at a single corner can pinch a ring
        polys[invalid] = shapely.make_valid(polys[invalid])
    position = {int(z): i for i, z in enumerate(uniq)}
    return np.array([polys[position[int(z)]] for z in wanted], dtype=object)


@lru_cache(maxsize=8)
def transformer(source: str, target: str) -> Transformer:
    """A cached pyproj transformer (building one costs tens of milliseconds)."""
    return Transformer.from_crs(source, target, always_xy=True)


def reproject(geoms: np.ndarray, source: str, target: str) -> np.ndarray:
    """Reproject shapely geometries (vectorised over all coordinates)."""
    t = transformer(source, target)

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = t.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    out = shapely.transform(np.asarray(geoms, dtype=object), fn)
    return shapely.make_valid(out)
