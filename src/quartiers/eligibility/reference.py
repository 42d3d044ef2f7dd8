"""The reference backend: the same geometric questions answered by plain GEOS (shapely).

Slow and obviously right: an STRtree over the perimeters, ``intersects`` for containment
(the first perimeter in file order wins, as in the index), ``distance`` to the boundaries for
the signed distance. The tests hold the compiled index — and through it every answer of the
project — equal to it.

>>> import numpy as np, shapely
>>> from quartiers.perimeters import PerimeterSet
>>> sq = shapely.box(0, 0, 100, 100)
>>> ps = PerimeterSet(np.array(["Q"]), np.array(["Q"]), np.array([""]), np.array([""]),
...                   np.array([sq], dtype=object), "test", "doctest")
>>> inside, distance = geos_query(ps, np.array([50.0, 150.0]), np.array([50.0, 50.0]))
>>> inside.tolist(), distance.tolist()
([0, -1], [-50.0, 50.0])
"""

from __future__ import annotations

import numpy as np
import shapely

from quartiers.perimeters import PerimeterSet


def geos_query(ps: PerimeterSet, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of the perimeter holding each point or -1, signed distance to the nearest
    perimeter boundary, negative inside) for Lambert-93 points."""
    pts = shapely.points(x, y)
    n = len(pts)
    geoms = np.asarray(ps.geometry, dtype=object)
    inside = np.full(n, -1, dtype=np.int64)
    if len(geoms) == 0:
        return inside, np.full(n, np.nan)
    tree = shapely.STRtree(geoms)
    pi, gi = tree.query(pts, predicate="intersects")
    if len(pi):
        order = np.lexsort((gi, pi))
        pi, gi = pi[order], gi[order]
        first = np.r_[True, pi[1:] != pi[:-1]]
        inside[pi[first]] = gi[first]
    boundaries = shapely.union_all(shapely.boundary(geoms))
    d = shapely.distance(pts, boundaries)
    return inside, np.where(inside >= 0, -d, d)
