"""Compiled kernels of the eligibility index.

The structures are built with numpy in :mod:`quartiers.eligibility.index`, which documents
them; these functions walk them point by point in machine code (numba, ``nogil`` so that
several threads share the work). Nothing here allocates per point.

Conventions: a segment ``s`` goes from ``(ax[s], ay[s])`` by ``(dx[s], dy[s])``;
``inv[s] = 1 / |d|^2`` (0 for a zero-length segment). Exterior rings are counter-clockwise,
so the inside of a polygon is on the left of its exterior segments.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: A point closer than this to a boundary (metres) lies on it, hence inside.
ON_BOUNDARY = 1e-7
#: Slack added to build-time bounds so that rounding can never drop a candidate.
SLACK = 1e-6
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
def box_dist(px, py, x0, y0, x1, y1):  # pragma: no cover - compiled
    """Distance from a point to an axis-aligned box (0 inside or on it)."""
    gx = max(x0 - px, 0.0, px - x1)
    gy = max(y0 - py, 0.0, py - y1)
    return math.sqrt(gx * gx + gy * gy)


@njit(cache=True)
def _meets_box(ax, ay, bx, by, x0, y0, x1, y1):  # pragma: no cover - compiled
    """Liang-Barsky: does the segment meet the closed box?"""
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
    if _meets_box(ax, ay, bx, by, x0, y0, x1, y1):
        return 0.0
    d = min(box_dist(ax, ay, x0, y0, x1, y1), box_dist(bx, by, x0, y0, x1, y1))
    d = min(d, seg_dist(x0, y0, ax, ay, dx, dy, inv), seg_dist(x1, y0, ax, ay, dx, dy, inv))
    return min(d, seg_dist(x0, y1, ax, ay, dx, dy, inv), seg_dist(x1, y1, ax, ay, dx, dy, inv))


@njit(cache=True, inline="always")
def _cell_box(u, c, unit_cell, gx0, gy0, gsx, gsy, gny):  # pragma: no cover - compiled
    k = c - unit_cell[u]
    ix = k // gny[u]
    iy = k - ix * gny[u]
    x0 = gx0[u] + ix * gsx[u]
    y0 = gy0[u] + iy * gsy[u]
    return x0, y0, x0 + gsx[u], y0 + gsy[u]


@njit(cache=True, nogil=True)
def cell_candidates(u0, u1, unit_seg, unit_cell, gx0, gy0, gsx, gsy, gny, ax, ay, dx, dy,
                    inv, reach, counts, fill, ptr, out):  # pragma: no cover - compiled
    """Segments that can be the nearest of their unit for some point of each cell.

    For a cell of centre ``c`` and half-diagonal ``r``, every point of the cell is within
    ``d(c) + r`` of the boundary, so a segment farther than that from the cell box is never
    the nearest there. First call (``fill=False``) computes ``reach = d(c) + r`` and the
    ``counts`` per cell; the second writes the segment ids into ``out`` at ``ptr``. Units
    ``u0`` to ``u1`` only (threads share the units)."""
    for u in range(u0, u1):
        s0, s1 = unit_seg[u], unit_seg[u + 1]
        half = 0.5 * math.sqrt(gsx[u] * gsx[u] + gsy[u] * gsy[u])
        for c in range(unit_cell[u], unit_cell[u + 1]):
            x0, y0, x1, y1 = _cell_box(u, c, unit_cell, gx0, gy0, gsx, gsy, gny)
            if not fill:
                cx = 0.5 * (x0 + x1)
                cy = 0.5 * (y0 + y1)
                best = np.inf
                for s in range(s0, s1):
                    best = min(best, seg_dist(cx, cy, ax[s], ay[s], dx[s], dy[s], inv[s]))
                reach[c] = best + half + SLACK
            r = reach[c]
            n = 0
            for s in range(s0, s1):
                # the segment's box first: most segments are far, and this is cheap
                bx0 = min(ax[s], ax[s] + dx[s])
                bx1 = max(ax[s], ax[s] + dx[s])
                by0 = min(ay[s], ay[s] + dy[s])
                by1 = max(ay[s], ay[s] + dy[s])
                gx = max(bx0 - x1, 0.0, x0 - bx1)
                gy = max(by0 - y1, 0.0, y0 - by1)
                if gx * gx + gy * gy > r * r:
                    continue
                if seg_box_dist(ax[s], ay[s], dx[s], dy[s], inv[s], x0, y0, x1, y1) <= r:
                    if fill:
                        out[ptr[c] + n] = s
                    n += 1
            counts[c] = n


@njit(cache=True)
def _insert(out, dist, base, n, u, d):  # pragma: no cover - compiled
    """Insert unit ``u`` at distance ``d`` in the sorted list ``out[base:base + n]`` (nearest
    first: the likely nearest unit is visited first and prunes the others)."""
    k = n
    while k > 0 and dist[k - 1] > d:
        dist[k] = dist[k - 1]
        out[base + k] = out[base + k - 1]
        k -= 1
    dist[k] = d
    out[base + k] = u


@njit(cache=True)
def refine_units(x0, y0, size, nx, ny, reach, ratio, pny, pptr, punits, ubox, fill, ptr, out):
    # pragma: no cover - compiled
    """Units whose box lies within ``reach[c]`` of cell ``c``, nearest to the cell centre
    first; first call counts, second fills ``out`` at ``ptr``.

    Candidates come from a parent level ``ratio`` times coarser with the same origin (a
    single parent cell listing every unit for the first level): a unit that can matter in a
    cell can matter in the cell holding it (the child's bound ``d + r`` never exceeds the
    parent's, by the triangle inequality), so filtering the parent's list is enough."""
    counts = np.zeros(nx * ny, dtype=np.int64)
    dist = np.empty(len(ubox))
    for c in range(nx * ny):
        ix = c // ny
        iy = c - ix * ny
        cx0 = x0 + ix * size
        cy0 = y0 + iy * size
        cx1 = cx0 + size
        cy1 = cy0 + size
        r2 = reach[c] * reach[c]
        pc = (ix // ratio) * pny + iy // ratio
        n = 0
        base = ptr[c] if fill else 0
        for j in range(pptr[pc], pptr[pc + 1]):
            u = punits[j]
            gx = max(ubox[u, 0] - cx1, 0.0, cx0 - ubox[u, 2])
            gy = max(ubox[u, 1] - cy1, 0.0, cy0 - ubox[u, 3])
            if gx * gx + gy * gy > r2:
                continue
            if fill:
                _insert(out, dist, base, n, u,
                        box_dist2(0.5 * (cx0 + cx1), 0.5 * (cy0 + cy1), ubox, u))
            n += 1
        counts[c] = n
    return counts


@njit(cache=True)
def hulls(unit_seg, ext_len, ax, ay, out, centre, start_bin):  # pragma: no cover - compiled
    """Convex hull of each exterior ring (monotone chain on the ring's vertices), as ring
    vertex numbers in counter-clockwise order starting from the lowest; ``out`` receives
    them at the ring's first segment. Returns the hull size per unit, 0 for a flat ring or
    a hull whose vertices do not follow the ring (then every segment is measured).
    Also fills the hull's ``centre`` and, for each of ``ANGLE_BINS`` directions, the hull
    vertex that supports it (``start_bin``), where the walk of a query starts."""
    n = len(ext_len)
    counts = np.zeros(n, dtype=np.int64)
    bins = start_bin.shape[1]
    for u in range(n):
        m = ext_len[u]
        s0 = unit_seg[u]
        if m < 3:
            continue
        xs = ax[s0:s0 + m]
        ys = ay[s0:s0 + m]
        order = np.argsort(xs)  # by x; ties put in y order just below
        # stable insertion by (x, y) on the nearly sorted order: ties on x are rare
        for i in range(1, m):
            j = i
            while j > 0 and xs[order[j - 1]] == xs[order[j]] and ys[order[j - 1]] > ys[order[j]]:
                order[j - 1], order[j] = order[j], order[j - 1]
                j -= 1
        stack = np.empty(2 * m + 1, dtype=np.int64)
        k = 0
        for i in range(m):  # lower hull
            p = order[i]
            while k >= 2 and _turn(xs, ys, stack[k - 2], stack[k - 1], p) <= 0.0:
                k -= 1
            stack[k] = p
            k += 1
        low = k + 1
        for i in range(m - 2, -1, -1):  # upper hull
            p = order[i]
            while k >= low and _turn(xs, ys, stack[k - 2], stack[k - 1], p) <= 0.0:
                k -= 1
            stack[k] = p
            k += 1
        h = k - 1  # the first vertex closes the loop
        if h < 3:
            continue
        first = 0
        for i in range(1, h):
            if stack[i] < stack[first]:
                first = i
        ok = True
        for i in range(h):
            v = stack[(first + i) % h]
            out[s0 + i] = v
            if i > 0 and v <= out[s0 + i - 1]:
                ok = False
        if not ok:
            continue
        counts[u] = h
        cx = 0.0
        cy = 0.0
        for i in range(h):
            cx += xs[out[s0 + i]]
            cy += ys[out[s0 + i]]
        cx /= h
        cy /= h
        centre[u, 0] = cx
        centre[u, 1] = cy
        for b in range(bins):
            q = (b + 0.5) * (4.0 / bins)  # diamond angle -> direction
            dx = 1.0 - q if q < 2.0 else q - 3.0
            dy = q if q < 1.0 else (2.0 - q if q < 3.0 else q - 4.0)
            best = -np.inf
            for i in range(h):
                v = out[s0 + i]
                w = (xs[v] - cx) * dx + (ys[v] - cy) * dy
                if w > best:
                    best = w
                    start_bin[u, b] = i
    return counts


@njit(cache=True, inline="always")
def _turn(xs, ys, a, b, c):  # pragma: no cover - compiled
    return (xs[b] - xs[a]) * (ys[c] - ys[a]) - (ys[b] - ys[a]) * (xs[c] - xs[a])


@njit(cache=True, inline="always")
def seg_dist2(px, py, rows, j, o):  # pragma: no cover - compiled
    """Squared distance from a point to the segment packed in row ``j`` of ``rows`` from
    column ``o``: (ax, ay, dx, dy, inv). Rows are indexed in place: a row view would cost
    a reference count per access."""
    return seg_sq(px, py, rows[j, o], rows[j, o + 1], rows[j, o + 2], rows[j, o + 3],
                  rows[j, o + 4])


@njit(cache=True, inline="always")
def box_dist2(px, py, boxes, j):  # pragma: no cover - compiled
    """Squared distance from a point to box ``j`` (x0, y0, x1, y1); 0 inside or on it."""
    gx = max(boxes[j, 0] - px, 0.0, px - boxes[j, 2])
    gy = max(boxes[j, 1] - py, 0.0, py - boxes[j, 3])
    return gx * gx + gy * gy


@njit(cache=True, inline="always")
def _interleave(v):  # pragma: no cover - compiled
    """Bits of ``v`` (below 2**16) spread to the even positions (Morton code)."""
    v &= 0xFFFF
    v = (v | (v << 8)) & 0x00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F
    v = (v | (v << 2)) & 0x33333333
    return (v | (v << 1)) & 0x55555555


@njit(cache=True, nogil=True)
def spatial_order(x, y, x0, y0, size, nx, ny, block):  # pragma: no cover - compiled
    """Point indices grouped by blocks of ``block`` x ``block`` coarse cells, blocks in
    Z-order (counting sort, linear time), points outside the cells last. Answering points
    block by block, neighbouring blocks one after the other, keeps the data of a
    neighbourhood in the processor's caches: for points in random order, memory latency
    costs more than the arithmetic."""
    nbx = (nx + block - 1) // block
    nby = (ny + block - 1) // block
    side = 1
    while side < max(nbx, nby):
        side *= 2
    n_keys = side * side + 1
    n = len(x)
    key = np.empty(n, dtype=np.int32)
    count = np.zeros(n_keys + 1, dtype=np.int64)
    span = size * block
    for i in range(n):
        fx = (x[i] - x0) / span
        fy = (y[i] - y0) / span
        k = n_keys - 1  # NaN, or outside the cells
        if 0.0 <= fx < nbx and 0.0 <= fy < nby:
            k = _interleave(int(fx)) | (_interleave(int(fy)) << 1)
        key[i] = k
        count[k + 1] += 1
    for k in range(n_keys):
        count[k + 1] += count[k]
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        k = key[i]
        order[count[k]] = i
        count[k] += 1
    return order


@njit(cache=True, nogil=True)
def query(x, y, order, lo, hi, inside, nearest, dist, units, grid, slabs, hulls, tree,
          cells):
    # pragma: no cover - compiled
    """Containment, nearest QPV and signed distance of points ``lo`` to ``hi`` of ``x, y``,
    answers written at ``order[t]`` (at ``t`` when ``order`` is empty): the points come in
    neighbourhood order, the answers go straight back to the caller's order (no second copy
    of the results: fresh memory is slow to touch).

    Segment data are copied where they are read (rows ``ax, ay, dx, dy, inv``), so that a
    point reads a few contiguous rows instead of scattered ones: memory latency, not
    arithmetic, is what a lookup costs.

    ``units = (qpv, box, seg_start, seg)``;
    ``grid = (cell_start, scale (x0, y0, 1/sx, 1/sy), nx, ny, ptr, rows)``;
    ``slabs = (slab_start, nslab, inv_h, ptr, rows (y0, y1, x0, slope))``;
    ``hulls = (start, rows (x, y, tx, ty, 1/l2, l2), bridge, chain_ptr, chain_rows (depth +
    segment row), centre, start vertex per direction)``;
    ``tree = (box, leaf_unit, n_leaves)``: implicit complete binary tree, node ``i`` has
    children ``2i`` and ``2i + 1``, leaves from ``n_leaves``;
    ``cells = (x0, y0, size, nx, ny, units, records)``: coarse cells listing the units that
    can matter for a point of the cell; a cell's record holds, in one cache line, a bound of
    the squared distance to the nearest boundary valid in the whole cell, the start and end
    of its list in ``units`` and its first unit. Points outside the cells walk the tree.
    Squared distances throughout."""
    uq, ubox, useg, segs = units
    cstart, gscale, gnx, gny, cptr, crows = grid
    sstart, snum, sinv, sptr, srows = slabs
    hstart, hrows, hbridge, chptr, chrows, hcentre, hbin = hulls
    nbox, leaf_unit, n_leaves = tree
    kx0, ky0, ksize, knx, kny, kunits, krec = cells
    stack = np.empty(128, dtype=np.int64)
    ordered = len(order) > 0
    for t in range(lo, hi):
        i = order[t] if ordered else t
        px = x[t]
        py = y[t]
        if not (math.isfinite(px) and math.isfinite(py)):
            inside[i] = -1
            nearest[i] = -1
            dist[i] = np.nan
            continue
        best = np.inf
        best_unit = -1
        qin = -1
        fx = (px - kx0) / ksize
        fy = (py - ky0) / ksize
        in_cells = 0.0 <= fx < knx and 0.0 <= fy < kny
        c = j = j1 = first = sp = 0
        if in_cells:
            c = int(fx) * kny + int(fy)
            best = krec[c, 0]
            j = int(krec[c, 1])
            j1 = int(krec[c, 2])
            first = j
        else:
            stack[0] = 1
            sp = 1
        while True:  # candidate units: the cell's list, or the tree's leaves nearest first
            if in_cells:
                if j >= j1:
                    break
                u = int(krec[c, 3]) if j == first else kunits[j]
                j += 1
            else:
                u, sp = _next_leaf(px, py, best, stack, sp, nbox, leaf_unit, n_leaves)
                if u < 0:
                    break
            # the visit is written out here: an inlined helper returning a pair cost
            # reference counts on every array it was given, several times the work itself
            if ubox[u, 0] <= px <= ubox[u, 2] and ubox[u, 1] <= py <= ubox[u, 3]:
                d = _grid_distance2(u, px, py, cstart, gscale, gnx, gny, cptr, crows)
                if (qin < 0 or uq[u] < qin) and (d <= ON_BOUNDARY * ON_BOUNDARY or _crosses(
                        u, px, py, ubox[u, 1], sstart, snum, sinv, sptr, srows)):
                    qin = uq[u]
            elif box_dist2(px, py, ubox, u) > best:
                continue
            else:
                d = _far_distance2(u, px, py, best, useg, segs, hstart, hrows, hbridge, chptr,
                                   chrows, hcentre, hbin)
            if d < best:
                best = d
                best_unit = u
        inside[i] = qin
        nearest[i] = uq[best_unit] if best_unit >= 0 else -1
        best = math.sqrt(best)
        dist[i] = -best if qin >= 0 else best


@njit(cache=True)
def _next_leaf(px, py, best, stack, sp, nbox, leaf_unit, n_leaves):
    # pragma: no cover - compiled
    """Next unit of the tree within ``best`` of the point, nearest subtrees first, and the
    new stack size; -1 when none is left."""
    while sp > 0:
        sp -= 1
        node = stack[sp]
        if box_dist2(px, py, nbox, node) > best:
            continue
        if node >= n_leaves:
            u = leaf_unit[node - n_leaves]
            if u >= 0:
                return u, sp
            continue
        a = 2 * node
        b = a + 1
        da = box_dist2(px, py, nbox, a)
        db = box_dist2(px, py, nbox, b)
        if da <= db:  # nearer child popped first: best shrinks sooner
            a, b = b, a
            da, db = db, da
        if da <= best:
            stack[sp] = a
            sp += 1
        if db <= best:
            stack[sp] = b
            sp += 1
    return -1, 0


@njit(cache=True, inline="always")
def _grid_distance2(u, px, py, cstart, gscale, gnx, gny, cptr, crows):
    # pragma: no cover - compiled
    ix = min(int((px - gscale[u, 0]) * gscale[u, 2]), gnx[u] - 1)
    iy = min(int((py - gscale[u, 1]) * gscale[u, 3]), gny[u] - 1)
    c = cstart[u] + max(ix, 0) * gny[u] + max(iy, 0)
    d = np.inf
    for j in range(cptr[c], cptr[c + 1]):
        d = min(d, seg_dist2(px, py, crows, j, 0))
    return d


@njit(cache=True, inline="always")
def _crosses(u, px, py, y0, sstart, snum, sinv, sptr, srows):  # pragma: no cover - compiled
    """Crossing-number test: odd number of boundary crossings of the ray to +x."""
    j = min(max(int((py - y0) * sinv[u]), 0), snum[u] - 1)  # truncation: clamped anyway
    g = sstart[u] + j
    odd = False
    for k in range(sptr[g], sptr[g + 1]):
        ya = srows[k, 0]
        if (ya > py) != (srows[k, 1] > py) and px < srows[k, 2] + (py - ya) * srows[k, 3]:
            odd = not odd
    return odd


@njit(cache=True, inline="always")
def _far_distance2(u, px, py, best, useg, segs, hstart, hrows, hbridge, chptr, chrows,
                   hcentre, hstart_bin):  # pragma: no cover - compiled
    """Squared distance to the boundary of a unit for a point outside its bounding box.

    Exact when below ``best`` (otherwise some value not below ``best``). The nearest point
    of the convex hull is found by a walk on the hull from the vertex that supports the
    point's direction (a table of ``ANGLE_BINS`` directions per unit), certified by the
    normal-cone test. It is exact when it is a ring vertex or lies on a ring segment; when it
    lies inside a bridge over a pocket, the nearest boundary point lies on the bridge's
    chain, whose segments are sorted by depth below the bridge (a segment ``depth`` deep is
    at least ``h + depth`` away)."""
    h0 = hstart[u]
    h1 = hstart[u + 1]
    if h1 == h0:  # degenerate ring, no hull: every segment
        d = np.inf
        for s in range(useg[u], useg[u + 1]):
            d = min(d, seg_dist2(px, py, segs, s, 0))
        return d
    cx = px - hcentre[u, 0]
    cy = py - hcentre[u, 1]
    sa = abs(cx) + abs(cy)
    q = cy / sa if sa > 0.0 else 0.0
    ang = (q if cy >= 0.0 else 4.0 + q) if cx >= 0.0 else 2.0 - q  # monotone in the angle
    b = min(int(ang * (ANGLE_BINS / 4.0)), ANGLE_BINS - 1)
    k = h0 + hstart_bin[u, b]
    d2 = -1.0
    edge = False
    for _ in range(h1 - h0 + 1):
        wx = px - hrows[k, 0]
        wy = py - hrows[k, 1]
        tx = hrows[k, 2]
        ty = hrows[k, 3]
        a = wx * tx + wy * ty
        if a > 0.0:
            l2 = hrows[k, 5]
            if a < l2:
                cr = tx * wy - ty * wx
                if cr > 0.0:  # on the inner side: not outside the hull after all
                    break
                d2 = cr * cr * hrows[k, 4]
                edge = True
                break
            k = k + 1 if k + 1 < h1 else h0
        else:
            kp = k - 1 if k > h0 else h1 - 1
            if wx * hrows[kp, 2] + wy * hrows[kp, 3] >= 0.0:
                d2 = wx * wx + wy * wy
                break
            k = kp
    if d2 < 0.0:  # no certified feature (rounding): every segment, exactly
        d = np.inf
        for s in range(useg[u], useg[u + 1]):
            d = min(d, seg_dist2(px, py, segs, s, 0))
        return d
    if d2 >= best or not edge or not hbridge[k]:
        return d2
    wx = px - hrows[k, 0]
    wy = py - hrows[k, 1]
    ex = wx - hrows[k, 2]
    ey = wy - hrows[k, 3]
    bb = min(best, wx * wx + wy * wy, ex * ex + ey * ey)
    h = math.sqrt(d2)
    for j in range(chptr[k], chptr[k + 1]):
        lim = h + chrows[j, 0]
        if lim * lim >= bb:
            break
        bb = min(bb, seg_dist2(px, py, chrows, j, 1))
    return bb
