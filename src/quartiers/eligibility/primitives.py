"""Geometric primitives of the compiled lookup, each written once and tested on its own
against shapely (``tests/eligibility/test_primitives.py``).

They are numba functions: callable from Python with scalars and arrays (slowly, through
numba's dispatcher), and inlined into the kernels of :mod:`quartiers.eligibility.kernels`.
``NUMBA_DISABLE_JIT=1`` runs them as plain Python (see ``docs/eligibilite.md``).

Segment rows are ``(ax, ay, dx, dy, inv)`` from column ``o`` of a 2-D array: start point,
direction and ``1 / |d|^2`` (0 for a zero-length segment). Rows are indexed in place: a
row view would cost a reference count per access.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Directions in the table that starts the walk on a hull.
ANGLE_BINS = 64


@njit(cache=True, inline="always")
def seg_sq(px, py, ax, ay, dx, dy, inv):  # pragma: no cover - compiled
    """Squared distance from a point to a segment."""
    wx = px - ax
    wy = py - ay
    t = (wx * dx + wy * dy) * inv
    if t < 0.0:
        t = 0.0
    elif t > 1.0:
        t = 1.0
    ex = wx - t * dx
    ey = wy - t * dy
    return ex * ex + ey * ey


@njit(cache=True, inline="always")
def seg_dist(px, py, ax, ay, dx, dy, inv):  # pragma: no cover - compiled
    """Distance from a point to a segment."""
    return math.sqrt(seg_sq(px, py, ax, ay, dx, dy, inv))


@njit(cache=True, inline="always")
def seg_dist2(px, py, rows, j, o):  # pragma: no cover - compiled
    """Squared distance from a point to the segment in row ``j`` of ``rows``, column ``o``."""
    return seg_sq(px, py, rows[j, o], rows[j, o + 1], rows[j, o + 2], rows[j, o + 3],
                  rows[j, o + 4])


@njit(cache=True, inline="always")
def nearest_seg2(px, py, rows, j0, j1, o):  # pragma: no cover - compiled
    """Smallest squared distance from a point to the segment rows ``j0`` to ``j1``
    (infinity when there is none): the brute-force answer every shortcut falls back on."""
    d = np.inf
    for j in range(j0, j1):
        d = min(d, seg_dist2(px, py, rows, j, o))
    return d


@njit(cache=True, inline="always")
def box_gap2(px, py, x0, y0, x1, y1):  # pragma: no cover - compiled
    """Squared distance from a point to an axis-aligned box (0 inside or on it)."""
    gx = max(x0 - px, 0.0, px - x1)
    gy = max(y0 - py, 0.0, py - y1)
    return gx * gx + gy * gy


@njit(cache=True, inline="always")
def box_dist2(px, py, boxes, j):  # pragma: no cover - compiled
    """Squared distance from a point to box ``j`` (x0, y0, x1, y1) of ``boxes``."""
    return box_gap2(px, py, boxes[j, 0], boxes[j, 1], boxes[j, 2], boxes[j, 3])


@njit(cache=True)
def meets_box(ax, ay, bx, by, x0, y0, x1, y1):  # pragma: no cover - compiled
    """Liang-Barsky: does the segment from ``a`` to ``b`` meet the closed box?"""
    t0 = 0.0
    t1 = 1.0
    dx = bx - ax
    dy = by - ay
    for p, q in ((-dx, ax - x0), (dx, x1 - ax), (-dy, ay - y0), (dy, y1 - ay)):
        if p == 0.0:
            if q < 0.0:
                return False
        else:
            r = q / p
            if p < 0.0:
                if r > t1:
                    return False
                t0 = max(t0, r)
            else:
                if r < t0:
                    return False
                t1 = min(t1, r)
    return True


@njit(cache=True)
def seg_box_dist(ax, ay, dx, dy, inv, x0, y0, x1, y1):  # pragma: no cover - compiled
    """Distance between a segment and a box: 0 when they meet, else it is reached at an
    endpoint of the segment or at a corner of the box (two disjoint convex sets)."""
    bx = ax + dx
    by = ay + dy
    if meets_box(ax, ay, bx, by, x0, y0, x1, y1):
        return 0.0
    d2 = min(box_gap2(ax, ay, x0, y0, x1, y1), box_gap2(bx, by, x0, y0, x1, y1))
    for cx, cy in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
        d2 = min(d2, seg_sq(cx, cy, ax, ay, dx, dy, inv))
    return math.sqrt(d2)


@njit(cache=True, inline="always")
def turn(xs, ys, a, b, c):  # pragma: no cover - compiled
    """Twice the signed area of triangle ``a, b, c`` (positive: counter-clockwise)."""
    return (xs[b] - xs[a]) * (ys[c] - ys[a]) - (ys[b] - ys[a]) * (xs[c] - xs[a])


@njit(cache=True, inline="always")
def odd_crossings(px, py, rows, k0, k1):  # pragma: no cover - compiled
    """Crossing-number test on rows ``k0`` to ``k1`` of ``(y0, y1, x0, dx/dy)``: does the
    ray from the point to +x cross an odd number of them (the point is then inside)?
    Half-open in y, so a ray through a vertex counts it once."""
    odd = False
    for k in range(k0, k1):
        ya = rows[k, 0]
        if (ya > py) != (rows[k, 1] > py) and px < rows[k, 2] + (py - ya) * rows[k, 3]:
            odd = not odd
    return odd


@njit(cache=True, inline="always")
def hull_walk(px, py, rows, h0, h1, k):  # pragma: no cover - compiled
    """Nearest feature of a convex hull to a point outside it, walking from vertex ``k``.

    ``rows[h0:h1]`` are the hull's edges counter-clockwise, ``(x, y, tx, ty, 1/l2, l2)``:
    vertex and edge vector to the next vertex. The walk moves along the hull until the
    normal-cone test certifies a vertex or an edge. Returns ``(d2, k, on_edge)``: the squared
    distance, the edge (or vertex) reached and whether the nearest point is inside edge
    ``k``; ``d2 < 0`` when nothing is certified (rounding, or the point is not outside)."""
    for _ in range(h1 - h0 + 1):
        wx = px - rows[k, 0]
        wy = py - rows[k, 1]
        tx = rows[k, 2]
        ty = rows[k, 3]
        a = wx * tx + wy * ty
        if a > 0.0:
            if a < rows[k, 5]:
                cr = tx * wy - ty * wx
                if cr > 0.0:  # on the inner side: not outside the hull after all
                    return -1.0, k, False
                return cr * cr * rows[k, 4], k, True
            k = k + 1 if k + 1 < h1 else h0
        else:
            kp = k - 1 if k > h0 else h1 - 1
            if wx * rows[kp, 2] + wy * rows[kp, 3] >= 0.0:
                return wx * wx + wy * wy, k, False
            k = kp
    return -1.0, k, False


@njit(cache=True, inline="always")
def direction_bin(dx, dy):  # pragma: no cover - compiled
    """Bin (0 to ``ANGLE_BINS - 1``) of the direction ``(dx, dy)``: a "diamond angle",
    monotone in the true angle, without trigonometry."""
    sa = abs(dx) + abs(dy)
    q = dy / sa if sa > 0.0 else 0.0
    ang = (q if dy >= 0.0 else 4.0 + q) if dx >= 0.0 else 2.0 - q
    return min(int(ang * (ANGLE_BINS / 4.0)), ANGLE_BINS - 1)


@njit(cache=True, inline="always")
def interleave(v):  # pragma: no cover - compiled
    """Bits of ``v`` (below 2**16) spread to the even positions (Morton code)."""
    v &= 0xFFFF
    v = (v | (v << 8)) & 0x00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F
    v = (v | (v << 2)) & 0x33333333
    return (v | (v << 1)) & 0x55555555


@njit(cache=True)
def morton_keys(ix, iy):  # pragma: no cover - compiled
    """Z-order keys of integer coordinates below 2**16 (arrays)."""
    out = np.empty(len(ix), dtype=np.int64)
    for i in range(len(ix)):
        out[i] = interleave(ix[i]) | (interleave(iy[i]) << 1)
    return out
