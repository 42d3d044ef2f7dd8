"""Which quartier holds each 200 m grid square: one rule for every use.

A square belongs to the perimeter that holds its centre (a centre on a limit counts as
inside; where perimeters overlap, the first in file order holds it) — the same rule as every
point answer, because it *is* the point lookup, applied to the squares' centres. The
comparison with official perimeters, the register's populations and the quartier sheets'
indicators all use :func:`square_owner`.
"""

from __future__ import annotations

import numpy as np
from pyproj import Transformer

from quartiers.io.grid import Grid
from quartiers.perimeters import LAMBERT93, PerimeterSet


def square_centres(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """Lambert-93 coordinates of the squares' centres (the grid is in EPSG:3035)."""
    half = grid.resolution / 2
    t = Transformer.from_crs("EPSG:3035", LAMBERT93, always_xy=True)
    x, y = t.transform(grid.x + half, grid.y + half)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def square_owner(grid: Grid, perimeters: PerimeterSet, index: np.ndarray | None = None,
                 checker: object | None = None) -> np.ndarray:
    """Index of the perimeter holding each square's centre (-1 when none).

    ``index`` restricts the question to some squares (the result then has their length);
    ``checker`` reuses an already built lookup for ``perimeters``.
    """
    from quartiers.eligibility.api import Checker

    x, y = square_centres(grid)
    if index is not None:
        x, y = x[index], y[index]
    if len(perimeters) == 0:
        return np.full(len(x), -1, dtype=np.int64)
    chk = checker if isinstance(checker, Checker) else Checker(perimeters, territory=None)
    return chk.query(x, y).inside


def population_by_perimeter(grid: Grid, perimeters: PerimeterSet) -> np.ndarray:
    """Population of the squares whose centre each perimeter holds."""
    owner = square_owner(grid, perimeters)
    hit = owner >= 0
    return np.bincount(owner[hit], weights=np.asarray(grid.ind, dtype=np.float64)[hit],
                       minlength=len(perimeters))
