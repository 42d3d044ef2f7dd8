"""Compiled matching kernel (numba, ``nogil``: threads share a batch).

One call answers a range of queries; every scratch array is allocated once per call and
reset through lists of the entries a query touched, so nothing is allocated per query.

For each query: (1) candidate communes from the postcode, a named arrondissement and the
tokens of commune names (typos allowed on unknown words); (2) alternatives of each street
token: itself, and words at edit distance 1 (2 for long words) among the street words of the
candidate communes (prefixes of the last word too when typing); (3) candidate streets: every
street of the candidate communes, or the streets holding a rare word of the query when no
commune is named; (4) the best streets are scored exactly (recall of the street's words,
precision of the query's words, agreement of the commune) and their house number is looked
up. See :mod:`quartiers.geocoding.engine` for the scale of the score.
"""

from __future__ import annotations

import numpy as np
from numba import njit

KIND_NUMERO, KIND_STREET, KIND_COMMUNE = 0, 1, 2
MAX_ALTS = 96
MAX_COMMUNES = 48
TOP_STREETS = 24
GLOBAL_CAP = 60_000
#: Below this street score (0..1), a street is not an answer: the commune is.
MIN_STREET = 0.55
#: Commune agreement when the query names no commune at all.
NO_COMMUNE_FACTOR = 0.85
#: Score of a commune answer to a query whose street part matched no street.
COMMUNE_FALLBACK = 0.4


@njit(nogil=True, cache=True)
def _edit_distance(a, a0, a1, b, b0, b1, maxd, row0, row1, row2):  # pragma: no cover
    """Optimal string alignment distance between two byte slices, or maxd + 1 if larger."""
    la = a1 - a0
    lb = b1 - b0
    if abs(la - lb) > maxd:
        return maxd + 1
    if la > 60 or lb > 60:
        return maxd + 1
    for j in range(lb + 1):
        row1[j] = j
    for i in range(1, la + 1):
        row2[0] = i
        best = i
        ca = a[a0 + i - 1]
        for j in range(1, lb + 1):
            cb = b[b0 + j - 1]
            cost = 0 if ca == cb else 1
            v = row1[j] + 1
            w = row2[j - 1] + 1
            if w < v:
                v = w
            w = row1[j - 1] + cost
            if w < v:
                v = w
            if i > 1 and j > 1 and ca == b[b0 + j - 2] and a[a0 + i - 2] == cb:
                w = row0[j - 2] + 1
                if w < v:
                    v = w
            row2[j] = v
            if v < best:
                best = v
        if best > maxd:
            return maxd + 1
        for j in range(lb + 1):
            row0[j] = row1[j]
            row1[j] = row2[j]
    return row1[lb]


@njit(nogil=True, cache=True)
def _fuzzy_sim(qb, q0, q1, vb, v0, v1, prefix, rows):  # pragma: no cover
    """Similarity of a query word and a vocabulary word (0 when too far)."""
    lq = q1 - q0
    lv = v1 - v0
    if prefix and lv > lq:
        same = True
        for k in range(lq):
            if qb[q0 + k] != vb[v0 + k]:
                same = False
                break
        if same:
            return 0.9
    if lq < 4 or lv < 3:
        return 0.0
    maxd = 1 if lq < 8 else 2
    if abs(lq - lv) > maxd:
        return 0.0
    if qb[q0] != vb[v0] and qb[q0 + 1] != vb[v0 + 1]:
        return 0.0
    d = _edit_distance(qb, q0, q1, vb, v0, v1, maxd, rows[0], rows[1], rows[2])
    if d > maxd:
        return 0.0
    return 1.0 - 0.6 * d / lq


@njit(nogil=True, cache=True)
def _is_digits(qb, q0, q1):  # pragma: no cover
    for k in range(q0, q1):  # noqa: SIM110 - numba compiles no generator
        if qb[k] < 48 or qb[k] > 57:
            return False
    return True


@njit(nogil=True, cache=True)
def _find_number(nb_num, nb_rep, lo, hi, number, rep):  # pragma: no cover
    """Index of the house number in [lo, hi) and its factor (1 exact, 0.97 other
    repetition index), or (-1, 0)."""
    a = lo
    b = hi
    while a < b:
        m = (a + b) // 2
        if nb_num[m] < number:
            a = m + 1
        else:
            b = m
    best = -1
    for k in range(a, hi):
        if nb_num[k] != number:
            break
        if nb_rep[k] == rep:
            return k, 1.0
        if best < 0 or nb_rep[k] == 0:
            best = k
    if best >= 0:
        return best, 0.97
    return -1, 0.0


@njit(nogil=True, cache=True)
def match(ix, q_ptr, q_tok, q_bytes, q_bptr, q_number, q_rep, q_postcode, q_arr, q_street_end,
          lo, hi, autocomplete, out_kind, out_idx, out_score):  # pragma: no cover
    """Answer queries ``lo`` to ``hi``; ``out_*`` have one row per query and ``limit``
    columns (best first; kind -1 when fewer answers)."""
    (tok_w, tok_kind, voc_bytes, voc_ptr, st_tok_ptr, st_tok, st_wsum, st_commune,
     st_num_ptr, nb_num, nb_rep, nm_tok_ptr, nm_tok, nm_wsum, nm_commune, cm_nm_ptr,
     cm_st_ptr, cm_voc_ptr, cm_voc, cm_arr, pc_value, pc_ptr, pc_commune, tc_ptr, tc_name,
     ts_ptr, ts_street, cmvoc) = ix
    limit = out_kind.shape[1]
    n_vocab = tok_w.shape[0]
    n_streets = st_wsum.shape[0]
    n_communes = cm_st_ptr.shape[0] - 1
    n_names = nm_wsum.shape[0]
    unknown_w = 1.0
    for t in range(n_vocab):
        if tok_w[t] > unknown_w:
            unknown_w = tok_w[t]
    voc_sim = np.zeros(n_vocab, np.float32)
    st_seen = np.zeros(max(n_streets, 1), np.uint8)
    st_list = np.empty(GLOBAL_CAP, np.int64)
    cm_acc = np.zeros(max(n_communes, 1), np.float32)
    cm_flag = np.zeros(max(n_communes, 1), np.int8)
    cm_fac = np.zeros(max(n_communes, 1), np.float32)
    cm_list = np.empty(max(n_communes, 1), np.int64)
    nm_acc = np.zeros(max(n_names, 1), np.float32)
    nm_last = np.zeros(max(n_names, 1), np.uint8)
    nm_list = np.empty(max(n_names, 1), np.int64)
    cand_c = np.empty(MAX_COMMUNES, np.int64)
    cand_f = np.empty(MAX_COMMUNES, np.float64)
    alt_tok = np.empty(MAX_ALTS, np.int64)
    alt_sim = np.empty(MAX_ALTS, np.float64)
    alt_q = np.empty(MAX_ALTS, np.int64)
    top_s = np.empty(TOP_STREETS, np.int64)
    top_r = np.empty(TOP_STREETS, np.float64)
    top_f = np.empty(TOP_STREETS, np.float64)
    res_kind = np.empty(TOP_STREETS + 1, np.int64)
    res_idx = np.empty(TOP_STREETS + 1, np.int64)
    res_score = np.empty(TOP_STREETS + 1, np.float64)
    res_commune = np.empty(TOP_STREETS + 1, np.int64)
    rows = np.zeros((3, 64), np.int64)
    qw = np.empty(64, np.float64)
    consumed = np.zeros(64, np.uint8)

    for q in range(lo, hi):
        for k in range(limit):
            out_kind[q, k] = -1
            out_idx[q, k] = -1
            out_score[q, k] = 0.0
        a = q_ptr[q]
        b = q_ptr[q + 1]
        if b - a > 60:
            b = a + 60
        send = a + q_street_end[q]
        if send > b:
            send = b
        has_city_part = send < b

        # -- 1. candidate communes ------------------------------------------------------------
        n_cm = 0
        name_from = send if has_city_part else a
        # without postcode, a commune is named by the end of the query (« ..., Saint-Aygulf »
        # does not name Saint-Louis, « 3 rue ... » does not name the commune of Rue)
        last_word = b - 1
        while last_word > a and q_tok[last_word] >= 0 and tok_kind[q_tok[last_word]] == 1:
            last_word -= 1
        n_nm = 0
        for j in range(name_from, b):
            t = q_tok[j]
            if t >= 0:
                if tok_kind[t] == 1:
                    continue
                for p in range(tc_ptr[t], tc_ptr[t + 1]):
                    nm = tc_name[p]
                    if nm_acc[nm] == 0.0:
                        nm_list[n_nm] = nm
                        n_nm += 1
                    nm_acc[nm] += tok_w[t]
                    if j == last_word:
                        nm_last[nm] = 1
            # typos in a commune name; while typing, the last word may begin a name
            typing = autocomplete and j == b - 1 and q_bptr[j + 1] - q_bptr[j] >= 2
            if (typing or (t < 0 and q_bptr[j + 1] - q_bptr[j] >= 4)) and not _is_digits(
                    q_bytes, q_bptr[j], q_bptr[j + 1]):
                for p in range(cmvoc.shape[0]):
                    v = cmvoc[p]
                    if v == t:
                        continue
                    sim = _fuzzy_sim(q_bytes, q_bptr[j], q_bptr[j + 1], voc_bytes, voc_ptr[v],
                                     voc_ptr[v + 1], typing, rows)
                    if sim > 0.0:
                        for pp in range(tc_ptr[v], tc_ptr[v + 1]):
                            nm = tc_name[pp]
                            if nm_acc[nm] == 0.0:
                                nm_list[n_nm] = nm
                                n_nm += 1
                            nm_acc[nm] += tok_w[v] * sim
                            if j == last_word:
                                nm_last[nm] = 1
        # a commune is as named as its best name: cm_acc holds the share of that name
        # found, bit 4 of cm_flag says it is named fully (and, without postcode, at the end)
        for k in range(n_nm):
            nm = nm_list[k]
            c = nm_commune[nm]
            frac = 0.0
            if nm_wsum[nm] > 0:
                frac = min(1.0, nm_acc[nm] / nm_wsum[nm])
            n_cm = _list_commune(cm_flag, cm_list, n_cm, c)
            if frac > cm_acc[c]:
                cm_acc[c] = frac
            if frac >= 0.8 and (has_city_part or nm_last[nm] == 1):
                cm_flag[c] |= 4
            nm_acc[nm] = 0.0
            nm_last[nm] = 0
        has_pc = q_postcode[q] >= 0
        if has_pc:
            lo_p = np.searchsorted(pc_value, q_postcode[q])
            if lo_p < pc_value.shape[0] and pc_value[lo_p] == q_postcode[q]:
                for p in range(pc_ptr[lo_p], pc_ptr[lo_p + 1]):
                    c = pc_commune[p]
                    n_cm = _list_commune(cm_flag, cm_list, n_cm, c)
                    cm_flag[c] |= 1
        if q_arr[q] >= 0:
            c = q_arr[q]
            n_cm = _list_commune(cm_flag, cm_list, n_cm, c)
            cm_flag[c] |= 2
        city_named = False
        for k in range(n_cm):
            if cm_flag[cm_list[k]] & 4:
                city_named = True
        n_cand = 0
        for k in range(n_cm):
            c = cm_list[k]
            frac = cm_acc[c]
            full = (cm_flag[c] & 4) != 0
            ok = (cm_flag[c] & 3) != 0
            if has_pc:
                if ok:
                    f = 1.0 if (full or not city_named) else 0.85
                elif full:
                    f = 0.9
                else:
                    f = 0.6 * frac
            elif cm_flag[c] & 2 or full:
                f = 1.0
            else:
                f = 0.75 * frac
            if f < 0.45:
                continue
            if n_cand < MAX_COMMUNES:
                cand_c[n_cand] = c
                cand_f[n_cand] = f
                n_cand += 1
            else:
                worst = 0
                for kk in range(1, n_cand):
                    if cand_f[kk] < cand_f[worst]:
                        worst = kk
                if f > cand_f[worst]:
                    cand_c[worst] = c
                    cand_f[worst] = f
        for k in range(n_cm):
            cm_acc[cm_list[k]] = 0.0
            cm_flag[cm_list[k]] = 0

        # -- 2. alternatives of the street words -------------------------------------------
        n_alt = 0
        n_strong_pre = 0
        for k in range(n_cand):
            if cand_f[k] >= 0.9:
                n_strong_pre += 1
        last = send - 1
        for j in range(a, send):
            t = q_tok[j]
            qb0 = q_bptr[j]
            qb1 = q_bptr[j + 1]
            if t >= 0 and n_alt < MAX_ALTS:
                alt_tok[n_alt] = t
                alt_sim[n_alt] = 1.0
                alt_q[n_alt] = j
                n_alt += 1
            prefix = autocomplete and j == last and qb1 - qb0 >= 2
            if t >= 0 and tok_kind[t] != 0 and not prefix:
                continue
            if _is_digits(q_bytes, qb0, qb1) or (qb1 - qb0 < 4 and not prefix):
                continue
            start_alt = n_alt
            local_exact = False
            if n_strong_pre > 0:
                for k in range(n_cand):
                    c = cand_c[k]
                    if cand_f[k] < 0.9:
                        continue
                    for p in range(cm_voc_ptr[c], cm_voc_ptr[c + 1]):
                        v = cm_voc[p]
                        if v == t:
                            local_exact = True
                            continue
                        sim = _fuzzy_sim(q_bytes, qb0, qb1, voc_bytes, voc_ptr[v],
                                         voc_ptr[v + 1], prefix, rows)
                        if sim > 0.0 and n_alt < MAX_ALTS:
                            alt_tok[n_alt] = v
                            alt_sim[n_alt] = sim
                            alt_q[n_alt] = j
                            n_alt += 1
            if (n_strong_pre == 0 and t < 0) or (prefix and (n_strong_pre == 0 or (
                    not has_pc and q_arr[q] < 0))):
                for v in range(n_vocab):
                    if v == t:
                        continue
                    sim = _fuzzy_sim(q_bytes, qb0, qb1, voc_bytes, voc_ptr[v], voc_ptr[v + 1],
                                     prefix, rows)
                    if sim > 0.0 and n_alt < MAX_ALTS:
                        alt_tok[n_alt] = v
                        alt_sim[n_alt] = sim
                        alt_q[n_alt] = j
                        n_alt += 1
            if local_exact and not prefix:
                n_alt = start_alt  # the word is right where the query says: no typo
        for k in range(n_alt):
            if alt_sim[k] > voc_sim[alt_tok[k]]:
                voc_sim[alt_tok[k]] = alt_sim[k]

        # -- 3. candidate streets -----------------------------------------------------------
        # communes named for sure (postcode, arrondissement, whole name): all their streets;
        # otherwise the streets holding a word of the query, anywhere
        n_top = 0
        n_seen = 0
        n_strong = 0
        for k in range(n_cand):
            cm_fac[cand_c[k]] = cand_f[k]
            if cand_f[k] >= 0.9:
                n_strong += 1
        if n_strong > 0:
            # best agreeing communes first; a weaker tier is scanned only if one of its
            # streets could still rank first (recall x factor <= its factor)
            for k in range(1, n_cand):
                c = cand_c[k]
                f = cand_f[k]
                m = k - 1
                while m >= 0 and cand_f[m] < f:
                    cand_c[m + 1] = cand_c[m]
                    cand_f[m + 1] = cand_f[m]
                    m -= 1
                cand_c[m + 1] = c
                cand_f[m + 1] = f
            for k in range(n_cand):
                if cand_f[k] < 0.9:
                    break
                if k > 0 and cand_f[k] < cand_f[k - 1]:
                    best = 0.0
                    for m in range(n_top):
                        if top_r[m] * top_f[m] > best:
                            best = top_r[m] * top_f[m]
                    if best >= cand_f[k]:
                        break
                c = cand_c[k]
                for s in range(cm_st_ptr[c], cm_st_ptr[c + 1]):
                    r = 0.0
                    word = False
                    for p in range(st_tok_ptr[s], st_tok_ptr[s + 1]):
                        v = st_tok[p]
                        if voc_sim[v] > 0.0:
                            r += voc_sim[v] * tok_w[v]
                            # a word of the name, or a type word after the first one
                            # (« Avenue du Port », « Boulevard des Allées »)
                            if tok_kind[v] == 0 or (tok_kind[v] == 2 and p > st_tok_ptr[s]):
                                word = True
                    if not word or st_wsum[s] <= 0:
                        continue
                    n_top = _keep_top(top_s, top_r, top_f, n_top, s, r / st_wsum[s],
                                      cand_f[k])
        # while typing, a commune named by words only may be a word still being typed
        # (« ... sem » is not Sémalens yet): the streets of every commune are looked at too
        if n_strong == 0 or (autocomplete and not has_pc and q_arr[q] < 0):
            for k in range(n_alt):
                v = alt_tok[k]
                if tok_kind[v] != 0:
                    continue
                for p in range(ts_ptr[v], ts_ptr[v + 1]):
                    s = ts_street[p]
                    if n_strong > 0 and cm_fac[st_commune[s]] >= 0.9:
                        continue  # already looked at with its commune
                    if st_seen[s] == 0 and n_seen < GLOBAL_CAP:
                        st_seen[s] = 1
                        st_list[n_seen] = s
                        n_seen += 1
            for k in range(n_seen):
                s = st_list[k]
                r = 0.0
                for p in range(st_tok_ptr[s], st_tok_ptr[s + 1]):
                    v = st_tok[p]
                    if voc_sim[v] > 0.0:
                        r += voc_sim[v] * tok_w[v]
                if st_wsum[s] > 0:
                    f = cm_fac[st_commune[s]]
                    if f < NO_COMMUNE_FACTOR:
                        f = NO_COMMUNE_FACTOR
                    n_top = _keep_top(top_s, top_r, top_f, n_top, s, r / st_wsum[s], f)
            for k in range(n_seen):
                st_seen[st_list[k]] = 0
        for k in range(n_cand):
            cm_fac[cand_c[k]] = 0.0

        # -- 4. exact scores of the best streets --------------------------------------------
        n_res = 0
        for k in range(n_top):
            s = top_s[k]
            c = st_commune[s]
            sum_w = 0.0
            sum_m = 0.0
            for j in range(a, send):
                jj = j - a
                t = q_tok[j]
                w = unknown_w
                if t >= 0:
                    w = tok_w[t]
                best = 0.0
                for m in range(n_alt):
                    if alt_q[m] != j:
                        continue
                    if t < 0 and tok_w[alt_tok[m]] < w:
                        w = tok_w[alt_tok[m]]
                    for p in range(st_tok_ptr[s], st_tok_ptr[s + 1]):
                        if st_tok[p] == alt_tok[m] and alt_sim[m] > best:
                            best = alt_sim[m]
                consumed[jj] = 0
                if best == 0.0 and t >= 0 and _names_hold(nm_tok_ptr, nm_tok, cm_nm_ptr, c, t):
                    consumed[jj] = 1
                if best == 0.0 and autocomplete and j == b - 1 and _names_begin(
                        nm_tok_ptr, nm_tok, cm_nm_ptr, c, q_bytes, q_bptr[j], q_bptr[j + 1],
                        voc_bytes, voc_ptr):
                    consumed[jj] = 1  # the commune being typed
                if consumed[jj] == 0:
                    qw[jj] = w
                    sum_w += w
                    sum_m += w * best
            precision = 1.0 if sum_w <= 0 else sum_m / sum_w
            street = top_r[k] * (0.6 + 0.4 * precision)
            if street < MIN_STREET:
                continue
            kind = KIND_STREET
            idx = s
            factor = 1.0
            if q_number[q] >= 0:
                nb, nf = _find_number(nb_num, nb_rep, st_num_ptr[s], st_num_ptr[s + 1],
                                      q_number[q], q_rep[q])
                if nb >= 0:
                    kind = KIND_NUMERO
                    idx = nb
                    factor = nf
                else:
                    factor = 0.9
            res_kind[n_res] = kind
            res_idx[n_res] = idx
            res_score[n_res] = street * top_f[k] * factor
            res_commune[n_res] = c
            n_res += 1
        for k in range(n_alt):
            voc_sim[alt_tok[k]] = 0.0

        # without commune, equal answers in several communes: the query is ambiguous
        if n_strong == 0 and n_res > 1:
            best_k = 0
            for k in range(1, n_res):
                if res_score[k] > res_score[best_k]:
                    best_k = k
            for k in range(n_res):
                if k != best_k and res_commune[k] != res_commune[best_k] and \
                        res_score[k] >= res_score[best_k] - 0.02:
                    res_score[best_k] *= 0.8
                    break

        # the commune itself: the answer when no street scores more, a suggestion otherwise
        if n_cand > 0:
            best_c = -1
            best_f = -1.0
            for k in range(n_cand):
                c = cand_c[k]
                f = cand_f[k]
                if cm_arr[c] == 1:
                    f -= 0.001  # the whole city before one of its arrondissements...
                if q_arr[q] == c or (has_pc and f >= 0.999 and cm_arr[c] == 1):
                    f += 0.002  # ...unless the query names the arrondissement
                if f > best_f:
                    best_f = f
                    best_c = c
            left = 0.0
            for j in range(a, send):
                t = q_tok[j]
                if t >= 0 and tok_kind[t] == 1:
                    continue
                if t >= 0 and _names_hold(nm_tok_ptr, nm_tok, cm_nm_ptr, best_c, t):
                    continue
                if autocomplete and j == b - 1 and _names_begin(
                        nm_tok_ptr, nm_tok, cm_nm_ptr, best_c, q_bytes, q_bptr[j],
                        q_bptr[j + 1], voc_bytes, voc_ptr):
                    continue
                left += 1.0
            # ranked with the streets: a query that is only a commune's name is the commune
            res_kind[n_res] = KIND_COMMUNE
            res_idx[n_res] = best_c
            res_score[n_res] = min(best_f, 1.0) * (1.0 if left == 0.0 else COMMUNE_FALLBACK)
            res_commune[n_res] = best_c
            n_res += 1

        # best first, one answer per entry
        for slot in range(limit):
            best_k = -1
            for k in range(n_res):
                if res_kind[k] < 0:
                    continue
                if best_k < 0 or res_score[k] > res_score[best_k]:
                    best_k = k
            if best_k < 0:
                break
            out_kind[q, slot] = res_kind[best_k]
            out_idx[q, slot] = res_idx[best_k]
            out_score[q, slot] = min(res_score[best_k], 1.0)
            for k in range(n_res):
                if k != best_k and res_kind[k] == res_kind[best_k] and \
                        res_idx[k] == res_idx[best_k]:
                    res_kind[k] = -1
            res_kind[best_k] = -1


@njit(nogil=True, cache=True)
def _list_commune(cm_flag, cm_list, n_cm, c):  # pragma: no cover
    """List commune ``c`` among the query's candidates, once (bit 8 of ``cm_flag``: listed);
    returns the new count."""
    if cm_flag[c] & 8 == 0:
        cm_flag[c] |= 8
        cm_list[n_cm] = c
        n_cm += 1
    return n_cm


@njit(nogil=True, cache=True)
def _names_hold(nm_tok_ptr, nm_tok, cm_nm_ptr, c, t):  # pragma: no cover
    """Does a name of commune ``c`` hold word ``t``?"""
    for nm in range(cm_nm_ptr[c], cm_nm_ptr[c + 1]):
        for p in range(nm_tok_ptr[nm], nm_tok_ptr[nm + 1]):
            if nm_tok[p] == t:
                return True
    return False


@njit(nogil=True, cache=True)
def _names_begin(nm_tok_ptr, nm_tok, cm_nm_ptr, c, qb, q0, q1, voc_bytes,
                 voc_ptr):  # pragma: no cover
    """Does a word of a name of commune ``c`` begin with the query word ``qb[q0:q1]``?"""
    for nm in range(cm_nm_ptr[c], cm_nm_ptr[c + 1]):
        for p in range(nm_tok_ptr[nm], nm_tok_ptr[nm + 1]):
            v = nm_tok[p]
            if voc_ptr[v + 1] - voc_ptr[v] < q1 - q0:
                continue
            same = True
            for k in range(q1 - q0):
                if voc_bytes[voc_ptr[v] + k] != qb[q0 + k]:
                    same = False
                    break
            if same:
                return True
    return False


@njit(nogil=True, cache=True)
def _keep_top(top_s, top_r, top_f, n_top, s, r, f):  # pragma: no cover
    """Keep the TOP_STREETS best (street recall x commune factor)."""
    value = r * f
    if n_top < top_s.shape[0]:
        top_s[n_top] = s
        top_r[n_top] = r
        top_f[n_top] = f
        return n_top + 1
    worst = 0
    for k in range(1, n_top):
        if top_r[k] * top_f[k] < top_r[worst] * top_f[worst]:
            worst = k
    if value > top_r[worst] * top_f[worst]:
        top_s[worst] = s
        top_r[worst] = r
        top_f[worst] = f
    return n_top
