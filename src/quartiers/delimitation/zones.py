"""Grouping low-income squares into candidate zones (scipy.sparse.csgraph, scipy.ndimage).

The decree says a quartier is "un espace urbain continu" but not how squares were grouped.
The choices are explicit parameters (see ``methode`` in ``regles.yaml``):

- ``connexite``: squares touching by an edge (``cote``) or also by a corner (``coin``);
- ``combler_trous``: enclosed holes of at most N squares join the zone;
- ``combler_ecarts``: a one-square gap between low-income squares is bridged (closing).

A zone never crosses an urban-unit boundary. When no cell is added (no filling, no
bridging), zones are the connected components of the graph of neighbouring low-income
squares of the same UU, labelled in one pass over all UUs. Otherwise each UU is processed on
its own window of the raster (a loop over urban units, not squares), and filled cells must
be empty or in that UU.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import ndimage, sparse
from scipy.sparse import csgraph

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
        self.shape = (
            int(self.row.max()) + self.MARGIN + 1, int(self.col.max()) + self.MARGIN + 1
        )

    @cached_property
    def index(self) -> np.ndarray:
        # built on first use: only the per-UU windows need it (France size: 120 MB)
        index = np.full(self.shape, -1, dtype=np.int32)
        index[self.row, self.col] = np.arange(len(self.row), dtype=np.int32)
        return index


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


def sorted_lookup(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``keys`` in the non-empty ``sorted_keys``, and whether they are there."""
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return pos, sorted_keys[pos] == keys


def _components(
    raster: Raster, uu: np.ndarray, seeds: np.ndarray, corner: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Zone of each seed square and UU of each zone, when zones are plain components.

    Zones are numbered as the per-UU labelling numbers them: by UU, then in raster scan
    order of their first square.
    """
    width = raster.shape[1]
    key = raster.row[seeds] * width + raster.col[seeds]
    order = np.argsort(key)
    seeds, key = seeds[order], key[order]
    seed_uu = uu[seeds]
    # right, up and, with corner contiguity, the two upper diagonals (the raster's margin
    # keeps a neighbour from wrapping to another row)
    steps = (1, width, width - 1, width + 1) if corner else (1, width)
    src, dst = [], []
    for step in steps:
        pos, found = sorted_lookup(key, key + step)
        found &= seed_uu[pos] == seed_uu
        src.append(np.flatnonzero(found))
        dst.append(pos[found])
    n = len(seeds)
    edges = np.concatenate(src)
    graph = sparse.coo_matrix(
        (np.ones(len(edges), dtype=np.int8), (edges, np.concatenate(dst))), shape=(n, n)
    )
    n_zones, component = csgraph.connected_components(graph, directed=False)
    first = np.full(n_zones, n, dtype=np.int64)
    np.minimum.at(first, component, np.arange(n))  # seeds are in scan order
    component_uu = seed_uu[first]
    numbering = np.empty(n_zones, dtype=np.int64)
    numbering[np.lexsort((first, component_uu))] = np.arange(n_zones)
    square_zone = np.full(len(uu), -1, dtype=np.int64)
    square_zone[seeds] = numbering[component]
    zone_uu = np.empty(n_zones, dtype=np.int64)
    zone_uu[numbering] = component_uu
    return square_zone, zone_uu


def group_zones(
    raster: Raster, uu: np.ndarray, low: np.ndarray, rules: Rules,
    progress: object | None = None,
) -> Zones:
    """Label connected low-income squares, urban unit by urban unit."""
    corner = rules.connexite == "coin"
    seeds = np.flatnonzero(low & (uu >= 0))
    if rules.combler_ecarts or rules.combler_trous > 0:
        return zones_by_urban_unit(raster, uu, seeds, rules, progress)
    if len(seeds):
        square_zone, zone_uu = _components(raster, uu, seeds, corner)
    else:
        square_zone = np.full(len(uu), -1, dtype=np.int64)
        zone_uu = np.zeros(0, dtype=np.int64)
    advance = getattr(progress, "advance", None)
    if advance is not None:
        advance(len(seeds))
    return Zones(
        square_zone=square_zone, zone_uu=zone_uu, extra_cells=np.zeros((0, 3), dtype=np.int64),
        x0=raster.x0, y0=raster.y0, resolution=raster.resolution,
    )


def zones_by_urban_unit(
    raster: Raster, uu: np.ndarray, seeds: np.ndarray, rules: Rules,
    progress: object | None = None,
) -> Zones:
    """Zones grown from the ``seeds`` squares on each urban unit's window of the raster,
    where empty cells may be added (gap bridging, hole filling)."""
    corner = rules.connexite == "coin"
    structure = CORNER if corner else EDGE
    advance = getattr(progress, "advance", None)
    square_zone = np.full(len(uu), -1, dtype=np.int64)
    zone_uu: list[np.ndarray] = []
    extras: list[np.ndarray] = []
    next_zone = 0
    m = Raster.MARGIN
    order = seeds[np.argsort(uu[seeds], kind="stable")]
    groups, starts = np.unique(uu[order], return_index=True)
    bounds = np.append(starts, len(order))
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
