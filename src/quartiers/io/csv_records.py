"""Splitting CSV bytes into records (RFC 4180), compiled: one pass, no Python per line.

A record ends at a line feed outside quotes; a field opened by a quote may hold separators
and line breaks (``""`` is a quote inside it). For every record the scan gives its byte
range, its number of fields, its widest field, and how many line breaks it holds (so that
the line number a user sees is exact even after multi-line fields and blank lines).

A record that cannot end (a quote never closed, a line longer than ``max_record`` bytes)
does not swallow the rest of the file: its first physical line is flagged as unreadable and
the scan starts again on the next line.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Record flags.
OK, TOO_LONG, SKIP_REST, UNCLOSED = 0, 1, 2, 3
#: Columns of the table of records the scan returns.
START, END, FIELDS, WIDEST, BREAKS, FLAG, BLANK = range(7)
_LF, _SPACE, _TAB, _CR = 10, 32, 9, 13


@njit(cache=True, nogil=True)
def _put(out: np.ndarray, k: int, start: int, end: int, fields: int, widest: int,
         breaks: int, flag: int, blank: bool) -> None:
    out[k, START] = start
    out[k, END] = end
    out[k, FIELDS] = fields
    out[k, WIDEST] = widest
    out[k, BREAKS] = breaks
    out[k, FLAG] = flag
    out[k, BLANK] = blank


@njit(cache=True, nogil=True)
def _line_end(buf: np.ndarray, rec: int) -> int:
    """Where the physical line starting at ``rec`` ends (its line feed, or the end)."""
    j = rec
    while j < len(buf) and buf[j] != _LF:
        j += 1
    return j


@njit(cache=True, nogil=True)
def scan_records(buf: np.ndarray, sep: int, quote: int, final: bool,
                 max_record: int) -> tuple:
    """Records of ``buf`` (uint8).

    Returns ``(count, consumed, records)``: ``records`` is an int64 table sized for the
    worst case, of which the first ``count`` rows describe the records (columns
    :data:`START`, :data:`END` — the line feed excluded —, :data:`FIELDS`, :data:`WIDEST`,
    :data:`BREAKS`, :data:`FLAG`, :data:`BLANK`); ``consumed`` is where the next call must
    start (an incomplete last record is left for the next block unless ``final``).
    """
    n = len(buf)
    cap = 1
    for k in range(n):
        if buf[k] == _LF:
            cap += 1
    out = np.zeros((cap, 7), np.int64)
    count = 0
    i = 0
    rec = 0
    nf = 1
    flen = 0
    maxf = 0
    nl = 0
    in_q = False
    at_start = True
    only_space = True
    consumed = n
    incomplete = False
    while i < n:
        b = buf[i]
        if i - rec > max_record:  # a record that cannot end: its first line goes alone
            j = _line_end(buf, rec)
            if j >= n:
                _put(out, count, rec, j, 0, j - rec, 0, SKIP_REST, False)
                return (count + 1, n, out)
            _put(out, count, rec, j, 0, j - rec, 0, TOO_LONG, False)
            count += 1
            i = j + 1
            rec = i
            nf, flen, maxf, nl = 1, 0, 0, 0
            in_q, at_start, only_space = False, True, True
            continue
        if in_q:
            if b == quote:
                if i + 1 >= n and not final:
                    incomplete = True
                    break
                if i + 1 < n and buf[i + 1] == quote:
                    flen += 1
                    i += 2
                    continue
                in_q = False
            else:
                if b == _LF:
                    nl += 1
                flen += 1
            i += 1
            continue
        if b == _LF:
            _put(out, count, rec, i, nf, max(maxf, flen), nl, OK, only_space)
            count += 1
            i += 1
            rec = i
            nf, flen, maxf, nl = 1, 0, 0, 0
            at_start, only_space = True, True
            continue
        if b == sep:
            nf += 1
            if flen > maxf:
                maxf = flen
            flen = 0
            at_start = True
            only_space = False
            i += 1
            continue
        if b == quote and at_start:
            in_q = True
            only_space = False
        else:
            flen += 1
            if b != _SPACE and b != _TAB and b != _CR:
                only_space = False
        at_start = False
        i += 1
    if incomplete or (rec < n and not final):
        consumed = rec
    elif rec < n and in_q:  # a quote never closed: flag its first line, rescan after it
        j = _line_end(buf, rec)
        _put(out, count, rec, j, 0, j - rec, 0, UNCLOSED, False)
        count += 1
        consumed = min(j + 1, n)
    elif rec < n:
        _put(out, count, rec, n, nf, max(maxf, flen), nl, OK, only_space)
        count += 1
    return (count, consumed, out)


@njit(cache=True, nogil=True)
def gather(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The records ``[starts, ends)`` of ``buf`` one after the other, each ending in LF."""
    total = 0
    for k in range(len(starts)):
        total += ends[k] - starts[k] + 1
    out = np.empty(total, np.uint8)
    at = 0
    for k in range(len(starts)):
        m = ends[k] - starts[k]
        out[at:at + m] = buf[starts[k]:ends[k]]
        out[at + m] = _LF
        at += m + 1
    return out


def compile_kernels() -> None:
    """Compile (or load from the cache) the kernels once."""
    buf = np.frombuffer(b'a;"b\nc"\nd;e', dtype=np.uint8)
    count, _, records = scan_records(buf, 59, 34, True, 1 << 20)
    gather(buf, records[:count, START], records[:count, END])
