"""Grouping low-income squares into candidate zones on a raster (scipy.ndimage).

The decree says a quartier is "un espace urbain continu" but not how squares were grouped.
The choices are explicit parameters (see ``methode`` in ``regles.yaml``):

- ``connexite``: squares touching by an edge (``cote``) or also by a corner (``coin``);
- ``combler_trous``: enclosed holes of at most N squares join the zone;
- ``combler_ecarts``: a one-square gap between low-income squares is bridged (closing).

A zone never crosses an urban-unit boundary: each UU is processed on its own window of the
raster (a loop over urban units, not squares), and filled cells must be empty or in that UU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from quartiers.parameters import Rules

EDGE = ndimage.generate_binary_structure(2, 1)
CORNER = ndimage.generate_binary_structure(2, 2)


@dataclass
class Zones:
    """Candidate zones.

    ``square_zone`` gives each grid square's zone (-1 if none); ``extra_cells`` lists the
    empty raster cells that filling added, as (column, row, zone) in raster coordinates
    ``col = (x - x0) / res``; ``zone_uu`` is each zone's UU index.
    """

    square_zone: np.ndarray
    zone_uu: np.ndarray
    extra_cells: np.ndarray
    x0: int
    y0: int
    resolution: int

    @property
    def count(self) -> int:
        return len(self.zone_uu)


class Raster:
    """The grid's squares placed on a raster with a margin (index of the square, -1 empty)."""

    MARGIN = 3

    def __init__(self, x: np.ndarray, y: np.ndarray, resolution: int) -> None:
        self.resolution = resolution
        self.x0 = int(x.min()) - self.MARGIN * resolution
        self.y0 = int(y.min()) - self.MARGIN * resolution
        self.col = ((x - self.x0) // resolution).astype(np.int64)
        self.row = ((y - self.y0) // resolution).astype(np.int64)
        shape = (int(self.row.max()) + self.MARGIN + 1, int(self.col.max()) + self.MARGIN + 1)
        self.index = np.full(shape, -1, dtype=np.int32)
        self.index[self.row, self.col] = np.arange(len(x), dtype=np.int32)


def _fill_holes(mask: np.ndarray, allowed: np.ndarray, max_size: int, corner: bool) -> np.ndarray:
    """Add enclosed background components of at most ``max_size`` allowed cells."""
    # background connectivity is the complement of the foreground's, so that a
    # corner-connected ring does encircle its hole
    background, n = ndimage.label(~mask, structure=EDGE if corner else CORNER)
    if n == 0:
        return mask
    sizes = np.bincount(background.ravel(), minlength=n + 1)
    border = np.unique(
        np.concatenate([background[0], background[-1], background[:, 0], background[:, -1]])
    )
    small = sizes <= max_size
    small[0] = False
    small[border] = False
    holes = small[background]
    # a hole holding cells of another urban unit stays a hole
    bad_holes = np.unique(background[holes & ~allowed])
    small[bad_holes] = False
    return mask | small[background]


def one_square_gaps(mask: np.ndarray, corner: bool) -> np.ndarray:
    """Cells outside ``mask`` lying between two mask cells on opposite sides.

    Exactly one-square gaps: left and right, or above and below (and, with corner
    contiguity, the two diagonals). A morphological closing would bridge two-square gaps too.

    >>> m = np.array([[1, 0, 1, 0, 0, 1]], dtype=bool)
    >>> one_square_gaps(m, corner=False).astype(int).tolist()
    [[0, 1, 0, 0, 0, 0]]
    """
    p = np.pad(mask, 1)
    centre = p[1:-1, 1:-1]
    gap = (p[1:-1, :-2] & p[1:-1, 2:]) | (p[:-2, 1:-1] & p[2:, 1:-1])
    if corner:
        gap |= (p[:-2, :-2] & p[2:, 2:]) | (p[:-2, 2:] & p[2:, :-2])
    return gap & ~centre


def group_zones(
    raster: Raster, uu: np.ndarray, low: np.ndarray, rules: Rules,
    progress: object | None = None,
) -> Zones:
    """Label connected low-income squares, urban unit by urban unit."""
    corner = rules.connexite == "coin"
    structure = CORNER if corner else EDGE
    square_zone = np.full(len(uu), -1, dtype=np.int64)
    zone_uu: list[np.ndarray] = []
    extras: list[np.ndarray] = []
    next_zone = 0
    m = Raster.MARGIN
    seeds = np.flatnonzero(low & (uu >= 0))
    order = seeds[np.argsort(uu[seeds], kind="stable")]
    groups, starts = np.unique(uu[order], return_index=True)
    bounds = np.append(starts, len(order))
    advance = getattr(progress, "advance", None)
    for g, a, b in zip(groups, bounds[:-1], bounds[1:], strict=True):
        members = order[a:b]
        r0, r1 = raster.row[members].min() - m, raster.row[members].max() + m + 1
        c0, c1 = raster.col[members].min() - m, raster.col[members].max() + m + 1
        window = raster.index[r0:r1, c0:c1]
        occupied = window >= 0
        window_uu = np.where(occupied, uu[np.maximum(window, 0)], -1)
        allowed = ~occupied | (window_uu == g)
        mask = np.zeros(window.shape, dtype=bool)
        mask[raster.row[members] - r0, raster.col[members] - c0] = True
        if rules.combler_ecarts:
            mask |= one_square_gaps(mask, corner) & allowed
        if rules.combler_trous > 0:
            mask = _fill_holes(mask, allowed, rules.combler_trous, corner)
        labels, n = ndimage.label(mask, structure=structure)
        if n:
            labels = labels.astype(np.int64)
            in_zone = labels > 0
            with_square = in_zone & occupied
            square_zone[window[with_square]] = labels[with_square] - 1 + next_zone
            empty = in_zone & ~occupied
            if empty.any():
                rr, cc = np.nonzero(empty)
                extras.append(
                    np.column_stack([cc + c0, rr + r0, labels[empty] - 1 + next_zone])
                )
            zone_uu.append(np.full(n, g, dtype=np.int64))
            next_zone += n
        if advance is not None:
            advance(len(members))
    return Zones(
        square_zone=square_zone,
        zone_uu=np.concatenate(zone_uu) if zone_uu else np.zeros(0, dtype=np.int64),
        extra_cells=np.concatenate(extras) if extras else np.zeros((0, 3), dtype=np.int64),
        x0=raster.x0,
        y0=raster.y0,
        resolution=raster.resolution,
    )
