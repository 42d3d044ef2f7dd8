"""Places in metres: commune outlines, distances, the disc that holds a group of points."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180.0


class CommuneOutlines:
    """Commune outlines of the data directory: codes, names, centres, radii, and a tree to
    place the addresses that come without a commune code."""

    def __init__(self, folder: Path | None) -> None:
        import shapely

        self.codes: list[str] = []
        self.names: list[str] = []
        geoms: list[Any] = []
        if folder is not None and folder.is_dir():
            import pyogrio

            for path in sorted(folder.glob("communes-*.geojson")):
                df = pyogrio.read_dataframe(path, columns=["code", "nom"])
                self.codes += [str(c) for c in df["code"]]
                self.names += [str(n) for n in df["nom"]]
                geoms += list(df.geometry.values)
        self.geoms = np.array(geoms, dtype=object)
        self.tree = shapely.STRtree(self.geoms) if geoms else None
        n = len(self.codes)
        self.lat = np.zeros(n)
        self.lon = np.zeros(n)
        self.radius = np.zeros(n)
        if n:
            centres = shapely.centroid(self.geoms)
            self.lon = shapely.get_x(centres)
            self.lat = shapely.get_y(centres)
            coords, owner = shapely.get_coordinates(self.geoms, return_index=True)
            dist = distance_m(self.lat[owner], self.lon[owner], coords[:, 1], coords[:, 0])
            self.radius = np.zeros(n)
            np.maximum.at(self.radius, owner, dist)

    def farthest(self, i: int, lat: float, lon: float) -> float:
        """Distance (m) from a point to the farthest vertex of outline ``i``."""
        import shapely

        xy = shapely.get_coordinates(self.geoms[i])
        return float(distance_m(np.full(len(xy), lat), np.full(len(xy), lon), xy[:, 1],
                                xy[:, 0]).max())

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Commune code of each point ("" outside every outline)."""
        import shapely

        out = np.full(len(lon), "", dtype=object)
        if self.tree is None or not len(lon):
            return out
        points = shapely.points(lon, lat)
        src, dst = self.tree.query(points, predicate="within")
        codes = np.array(self.codes, dtype=object)
        out[src] = codes[dst]
        return out


def distance_m(lat0: np.ndarray, lon0: np.ndarray, lat: np.ndarray,
               lon: np.ndarray) -> np.ndarray:
    """Distance in metres (equirectangular: exact enough within a commune)."""
    k = np.cos(np.radians((np.asarray(lat0) + np.asarray(lat)) / 2.0))
    dx = (np.asarray(lon) - lon0) * k * METRES_PER_DEGREE
    dy = (np.asarray(lat) - lat0) * METRES_PER_DEGREE
    return np.hypot(dx, dy)


def enclosing_discs(group: np.ndarray, lat: np.ndarray, lon: np.ndarray, n: int, floor: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre of the bounding box of each group and the radius holding all its points."""
    lat0 = np.full(n, np.inf)
    lat1 = np.full(n, -np.inf)
    lon0 = np.full(n, np.inf)
    lon1 = np.full(n, -np.inf)
    if len(group):
        np.minimum.at(lat0, group, lat)
        np.maximum.at(lat1, group, lat)
        np.minimum.at(lon0, group, lon)
        np.maximum.at(lon1, group, lon)
    empty = ~np.isfinite(lat0)
    clat = np.full(n, np.nan)
    clon = np.full(n, np.nan)
    clat[~empty] = (lat0[~empty] + lat1[~empty]) / 2.0
    clon[~empty] = (lon0[~empty] + lon1[~empty]) / 2.0
    radius = np.zeros(n)
    if len(group):
        d = distance_m(clat[group], clon[group], lat, lon)
        np.maximum.at(radius, group, d)
    radius = np.maximum(np.ceil(radius * 1.001 + 1.0), floor)
    return clat, clon, radius


def group_mode(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Most frequent non-negative value of each group (-1 when none)."""
    out = np.full(n, -1, dtype=np.int32)
    ok = values >= 0
    if not ok.any():
        return out
    g = group[ok].astype(np.int64)
    v = values[ok].astype(np.int64)
    pairs, counts = np.unique(np.stack([g, v]), axis=1, return_counts=True)
    order = np.lexsort((-counts, pairs[0]))
    pairs = pairs[:, order]
    first = np.unique(pairs[0], return_index=True)[1]
    out[pairs[0, first]] = pairs[1, first]
    return out
