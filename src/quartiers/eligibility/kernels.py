"""Compiled kernels of the eligibility index.

The structures are built with numpy in :mod:`quartiers.eligibility.index` and described,
field by field, in :mod:`quartiers.eligibility.layout`; these functions walk them point by
point in machine code (numba, ``nogil`` so that several threads share the work), reading
them by field name. Nothing here allocates per point. The geometric primitives they inline
are in :mod:`quartiers.eligibility.primitives`, each tested on its own.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from quartiers.eligibility.layout import (
    Answers,
    Cells,
    Hulls,
    Index,
    Points,
    Slabs,
    Tree,
    UnitGrids,
    Units,
)
from quartiers.eligibility.primitives import (
    box_dist2,
    direction_bin,
    hull_walk,
    interleave,
    nearest_seg2,
    odd_crossings,
    seg_box_dist,
    seg_dist,
    seg_dist2,
    turn,
)

#: A point closer than this to a boundary (metres) lies on it, hence inside.
ON_BOUNDARY = 1e-7
#: Slack added to build-time bounds so that rounding can never drop a candidate.
SLACK = 1e-6


@njit(cache=True, nogil=True)
def cell_candidates(u0, u1, grids, segs, reach, counts, lists):  # pragma: no cover - compiled
    """Segments that can be the nearest of their unit for some point of each cell of the
    units' local grids (``grids``: :class:`~quartiers.eligibility.layout.LocalGrids`,
    ``segs``: :class:`~quartiers.eligibility.layout.SegmentColumns`).

    For a cell of centre ``c`` and half-diagonal ``r``, every point of the cell is within
    ``d(c) + r`` of the boundary, so a segment farther than that from the cell box is never
    the nearest there. The counting pass (``lists.fill`` false) computes ``reach = d(c) + r``
    and the ``counts`` per cell; the filling pass writes the segment ids into ``lists``.
    Units ``u0`` to ``u1`` only (threads share the units)."""
    ax, ay, dx, dy, inv = segs.ax, segs.ay, segs.dx, segs.dy, segs.inv
    fill, ptr, out = lists.fill, lists.ptr, lists.items
    for u in range(u0, u1):
        s0, s1 = segs.seg_start[u], segs.seg_start[u + 1]
        sx, sy, ny = grids.sx[u], grids.sy[u], grids.ny[u]
        half = 0.5 * math.sqrt(sx * sx + sy * sy)
        first = grids.cell_start[u]
        for c in range(first, grids.cell_start[u + 1]):
            ix = (c - first) // ny
            x0 = grids.x0[u] + ix * sx
            y0 = grids.y0[u] + (c - first - ix * ny) * sy
            x1 = x0 + sx
            y1 = y0 + sy
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
def insert_sorted(out, dist, base, n, u, d):  # pragma: no cover - compiled
    """Insert unit ``u`` at distance ``d`` in the list ``out[base:base + n]`` sorted by
    ``dist[:n]`` (nearest first: the likely nearest unit is visited first and prunes the
    others); equal distances keep their insertion order."""
    k = n
    while k > 0 and dist[k - 1] > d:
        dist[k] = dist[k - 1]
        out[base + k] = out[base + k - 1]
        k -= 1
    dist[k] = d
    out[base + k] = u


@njit(cache=True)
def refine_units(level, reach, parent, parent_ptr, parent_units, ubox, lists):
    # pragma: no cover - compiled
    """Units whose box lies within ``reach[c]`` of cell ``c`` of ``level``, nearest to the
    cell centre first; returns the count per cell, and fills ``lists`` on its second pass.

    Candidates come from the ``parent`` level, an integer number of times coarser with the
    same origin (a single parent cell listing every unit for the first level): a unit that
    can matter in a cell can matter in the cell holding it (the child's bound ``d + r``
    never exceeds the parent's, by the triangle inequality), so filtering the parent's list
    is enough."""
    nx, ny, size = level.nx, level.ny, level.size
    ratio = round(parent.size / size)
    counts = np.zeros(nx * ny, dtype=np.int64)
    dist = np.empty(len(ubox))
    for c in range(nx * ny):
        ix = c // ny
        iy = c - ix * ny
        cx0 = level.x0 + ix * size
        cy0 = level.y0 + iy * size
        cx1 = cx0 + size
        cy1 = cy0 + size
        r2 = reach[c] * reach[c]
        pc = (ix // ratio) * parent.ny + iy // ratio
        n = 0
        base = lists.ptr[c] if lists.fill else 0
        for j in range(parent_ptr[pc], parent_ptr[pc + 1]):
            u = parent_units[j]
            gx = max(ubox[u, 0] - cx1, 0.0, cx0 - ubox[u, 2])
            gy = max(ubox[u, 1] - cy1, 0.0, cy0 - ubox[u, 3])
            if gx * gx + gy * gy > r2:
                continue
            if lists.fill:
                insert_sorted(lists.items, dist, base, n, u,
                              box_dist2(0.5 * (cx0 + cx1), 0.5 * (cy0 + cy1), ubox, u))
            n += 1
        counts[c] = n
    return counts


@njit(cache=True)
def convex_hulls(rings, out, centre, start_bin):  # pragma: no cover - compiled
    """Convex hull of each exterior ring (monotone chain on the ring's vertices), as ring
    vertex numbers in counter-clockwise order starting from the lowest; ``out`` receives
    them at the ring's first segment. Returns the hull size per unit, 0 for a flat ring or
    a hull whose vertices do not follow the ring (then every segment is measured).
    Also fills the hull's ``centre`` and, for each of ``ANGLE_BINS`` directions, the hull
    vertex that supports it (``start_bin``), where the walk of a query starts."""
    n = len(rings.ext_len)
    counts = np.zeros(n, dtype=np.int64)
    bins = start_bin.shape[1]
    for u in range(n):
        m = rings.ext_len[u]
        s0 = rings.seg_start[u]
        if m < 3:
            continue
        xs = rings.ax[s0:s0 + m]
        ys = rings.ay[s0:s0 + m]
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
            while k >= 2 and turn(xs, ys, stack[k - 2], stack[k - 1], p) <= 0.0:
                k -= 1
            stack[k] = p
            k += 1
        low = k + 1
        for i in range(m - 2, -1, -1):  # upper hull
            p = order[i]
            while k >= low and turn(xs, ys, stack[k - 2], stack[k - 1], p) <= 0.0:
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


@njit(cache=True, nogil=True)
def spatial_order(x, y, cells, block):  # pragma: no cover - compiled
    """Point indices grouped by blocks of ``block`` x ``block`` cells of ``cells`` (a
    :class:`~quartiers.eligibility.layout.Level`), blocks in Z-order (counting sort, linear
    time), points outside the cells (or NaN) last. Answering points block by block,
    neighbouring blocks one after the other, keeps the data of a neighbourhood in the
    processor's caches: for points in random order, memory latency costs more than the
    arithmetic."""
    nbx = (cells.nx + block - 1) // block
    nby = (cells.ny + block - 1) // block
    side = 1
    while side < max(nbx, nby):
        side *= 2
    n_keys = side * side + 1
    n = len(x)
    key = np.empty(n, dtype=np.int32)
    count = np.zeros(n_keys + 1, dtype=np.int64)
    span = cells.size * block
    for i in range(n):
        fx = (x[i] - cells.x0) / span
        fy = (y[i] - cells.y0) / span
        k = n_keys - 1  # NaN, or outside the cells
        if 0.0 <= fx < nbx and 0.0 <= fy < nby:
            k = interleave(int(fx)) | (interleave(int(fy)) << 1)
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
def query(points, out, index):  # pragma: no cover - compiled
    """Containment, nearest QPV and signed distance of ``points`` (a
    :class:`~quartiers.eligibility.layout.Points`) into ``out`` (an
    :class:`~quartiers.eligibility.layout.Answers`), reading ``index`` (an
    :class:`~quartiers.eligibility.layout.Index`).

    They may come as plain tuples (:func:`quartiers.eligibility.layout.plain`): numba types
    a plain tuple of arrays in C when it is called from Python, a named one in Python (about
    0.3 microsecond per array, fifteen per call here); they are named again on entry from
    the classes that named them, so a field moved in a class moves on both sides at once.

    The points come in neighbourhood order, the answers go straight back to the caller's
    order (no second copy of the results: fresh memory is slow to touch). A point reads its
    coarse cell's record, then visits the cell's units nearest first (points outside the
    cells walk the tree of units): inside a unit's box, the unit's local grid gives the
    exact distance and its slab the containment; outside, the unit's convex hull bounds the
    distance and usually gives it. Segment data are copied where they are read, so that a
    point reads a few contiguous rows instead of scattered ones: memory latency, not
    arithmetic, is what a lookup costs. Squared distances throughout."""
    points, out = Points(*points), Answers(*out)
    u, g, s, h, t, c = index
    index = Index(Units(*u), UnitGrids(*g), Slabs(*s), Hulls(*h), Tree(*t), Cells(*c))
    units, grids, slabs, hulls, tree = (index.units, index.grids, index.slabs, index.hulls,
                                        index.tree)
    uq, ubox, useg, segs = units.qpv, units.box, units.seg_start, units.segs
    cstart, gscale, gnx, gny, cptr, crows = (grids.cell_start, grids.scale, grids.nx, grids.ny,
                                             grids.ptr, grids.rows)
    sstart, snum, sinv, sptr, srows = (slabs.start, slabs.n_slabs, slabs.inv_h, slabs.ptr,
                                       slabs.rows)
    hstart, hrows, hbridge, chptr, chrows, hcentre, hbin = (
        hulls.start, hulls.rows, hulls.bridge, hulls.chain_ptr, hulls.chain_rows,
        hulls.centre, hulls.start_bin)
    nbox, leaf_unit, n_leaves = tree.box, tree.leaf_unit, tree.n_leaves
    cells = index.cells
    kx0, ky0, ksize, knx, kny = cells.x0, cells.y0, cells.size, cells.nx, cells.ny
    kunits, krec = cells.units, cells.records
    x, y, order = points.x, points.y, points.order
    inside, nearest, dist = out.inside, out.nearest, out.distance
    stack = np.empty(128, dtype=np.int64)
    ordered = len(order) > 0
    for t in range(points.lo, points.hi):
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
                u, sp = next_leaf(px, py, best, stack, sp, nbox, leaf_unit, n_leaves)
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
def next_leaf(px, py, best, stack, sp, nbox, leaf_unit, n_leaves):
    # pragma: no cover - compiled
    """Next unit of the tree within ``best`` (squared) of the point, nearest subtrees first,
    and the new stack size (``stack[:sp]`` holds the nodes still to visit, the root is 1);
    -1 when none is left."""
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
    """Squared distance to the boundary of unit ``u`` for a point inside its box: the
    segments listed by the local grid's cell holding the point."""
    ix = min(int((px - gscale[u, 0]) * gscale[u, 2]), gnx[u] - 1)
    iy = min(int((py - gscale[u, 1]) * gscale[u, 3]), gny[u] - 1)
    c = cstart[u] + max(ix, 0) * gny[u] + max(iy, 0)
    return nearest_seg2(px, py, crows, cptr[c], cptr[c + 1], 0)


@njit(cache=True, inline="always")
def _crosses(u, px, py, y0, sstart, snum, sinv, sptr, srows):  # pragma: no cover - compiled
    """Crossing-number test of unit ``u`` on the slab holding the point."""
    j = min(max(int((py - y0) * sinv[u]), 0), snum[u] - 1)  # truncation: clamped anyway
    g = sstart[u] + j
    return odd_crossings(px, py, srows, sptr[g], sptr[g + 1])


@njit(cache=True, inline="always")
def _far_distance2(u, px, py, best, useg, segs, hstart, hrows, hbridge, chptr, chrows,
                   hcentre, hstart_bin):  # pragma: no cover - compiled
    """Squared distance to the boundary of a unit for a point outside its bounding box.

    Exact when below ``best`` (otherwise some value not below ``best``). The nearest point
    of the convex hull is found by a walk on the hull (:func:`hull_walk`) from the vertex
    that supports the point's direction (a table of ``ANGLE_BINS`` directions per unit). It
    is exact when it is a ring vertex or lies on a ring segment; when it lies inside a
    bridge over a pocket, the nearest boundary point lies on the bridge's chain, whose
    segments are sorted by depth below the bridge (a segment ``depth`` deep is at least
    ``h + depth`` away). Without a hull, or when the walk certifies nothing, every segment
    is measured."""
    h0 = hstart[u]
    h1 = hstart[u + 1]
    d2 = -1.0
    k = h0
    edge = False
    if h1 > h0:
        b = direction_bin(px - hcentre[u, 0], py - hcentre[u, 1])
        d2, k, edge = hull_walk(px, py, hrows, h0, h1, h0 + hstart_bin[u, b])
    if d2 < 0.0:
        return nearest_seg2(px, py, segs, useg[u], useg[u + 1], 0)
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
