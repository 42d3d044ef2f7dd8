"""Address text normalisation, vectorised with pyarrow compute (RE2 regular expressions).

A query goes through :func:`parse`: folding (lower case, accents, ligatures, punctuation),
postal complements (BP, CS, CEDEX), the postcode, municipal arrondissements (« 13007
MARSEILLE 7 », « Lyon 3ème »), complements of address (« bâtiment C », « résidence ... »),
the house number and its repetition index, then tokens with abbreviations expanded and
number words turned to digits. Every step works on whole arrays; only the distinct tokens
of a batch go through a Python dictionary.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from quartiers.geocoding.lexicon import (
    ABBREVIATIONS,
    ARRONDISSEMENT_CITIES,
    COMPLEMENT_PAIRS,
    COMPLEMENT_SEGMENTS,
    COMPLEMENT_TAILS,
    NUMBER_WORDS,
    PLACE_TYPES,
    POSTAL_WORDS,
    REPETITIONS,
    STREET_TYPES,
    arrondissement_code,
)

_TYPE_WORDS = sorted(
    STREET_TYPES | PLACE_TYPES
    | {k for k, v in ABBREVIATIONS.items() if v.split()[0] in STREET_TYPES | PLACE_TYPES},
    key=len,
    reverse=True,
)
TYPES_RE = "|".join(_TYPE_WORDS)
_REP_RE = "bis|ter|quater|quinquies|[a-ht]"


def _alternation(words: Sequence[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


# Folding, as (pattern, replacement) steps around the accent removal. The patterns are
# written for both engines (RE2 through pyarrow, Python's re for a few queries).
_FOLD_BEFORE = (
    (r"&?#0*39;?", " "), ("œ", "oe"), ("æ", "ae"), ("ß", "ss"),
    (r"(^|[ -])s/s([ -]|$)", r"\1 sous \2"), (r"(^|[ -])s/([ -]|$)", r"\1 sur \2"),
)
_FOLD_AFTER = (
    (r"[,;\n\r\t]+", " , "), (r"[^a-z0-9,]+", " "),
    # glued number and word: « 12bis », « 18avenue », « rn568 »
    (r"([0-9])([a-z])", r"\1 \2"), (r"([a-z])([0-9])", r"\1 \2"),
    (r"\bn o ([0-9])", r"\1"), (r"(^| )n ([0-9])", r"\1\2"), (r"( ,)+", " ,"),
    (r" {2,}", " "),
)


class _ArrowOps:
    """The parsing primitives on pyarrow arrays (batches)."""

    @staticmethod
    def truncate(s: Any) -> Any:
        return pc.utf8_slice_codeunits(pc.cast(s, pa.string()), 0, MAX_QUERY_CHARS)

    @staticmethod
    def sub(s: Any, pattern: str, repl: str) -> Any:
        return pc.replace_substring_regex(s, pattern=pattern, replacement=repl)

    def fold(self, s: Any) -> Any:
        s = pc.utf8_lower(pc.cast(s, pa.string()))
        for pattern, repl in _FOLD_BEFORE:
            s = self.sub(s, pattern, repl)
        s = self.sub(pc.utf8_normalize(s, form="NFKD"), r"\p{Mn}+", "")
        for pattern, repl in _FOLD_AFTER:
            s = self.sub(s, pattern, repl)
        return pc.utf8_trim(s, characters=" ,")

    @staticmethod
    def extract(s: Any, pattern: str, names: Sequence[str]) -> tuple[np.ndarray, dict]:
        parts = pc.extract_regex(s, pattern=pattern)
        valid = pc.is_valid(parts).to_numpy(zero_copy_only=False)
        return valid, {n: pc.fill_null(pc.struct_field(parts, n), "") for n in names}

    @staticmethod
    def where(mask: np.ndarray, a: Any, b: Any) -> Any:
        return pc.if_else(pa.array(mask, pa.bool_()), a, b)

    @staticmethod
    def fill(s: Any) -> Any:
        return pc.fill_null(s, "")

    @staticmethod
    def strip(s: Any) -> Any:
        return pc.utf8_trim(s, characters=" ,")

    @staticmethod
    def values(s: Any) -> list:
        return s.to_pylist()

    @staticmethod
    def split(s: Any) -> pa.ListArray:
        return pc.utf8_split_whitespace(pc.replace_substring(s, ",", " "))


class _ListOps:
    """The same primitives on Python lists: a few queries do not pay pyarrow's per-call
    regular expression compilation (a typed search answers in about a millisecond)."""

    @staticmethod
    def truncate(s: list) -> list:
        return [None if x is None else str(x)[:MAX_QUERY_CHARS] for x in s]

    @staticmethod
    def sub(s: list, pattern: str, repl: str) -> list:
        rx = re.compile(pattern)
        return [None if x is None else rx.sub(repl, x) for x in s]

    def fold(self, s: list) -> list:
        out = [None if x is None else x.lower() for x in s]
        for pattern, repl in _FOLD_BEFORE:
            out = self.sub(out, pattern, repl)
        out = [None if x is None else "".join(
            c for c in unicodedata.normalize("NFKD", x) if unicodedata.category(c) != "Mn")
            for x in out]
        for pattern, repl in _FOLD_AFTER:
            out = self.sub(out, pattern, repl)
        return self.strip(out)

    @staticmethod
    def extract(s: list, pattern: str, names: Sequence[str]) -> tuple[np.ndarray, dict]:
        rx = re.compile(pattern)
        found = [None if x is None else rx.search(x) for x in s]
        valid = np.array([m is not None for m in found], dtype=bool)
        return valid, {n: [(m.group(n) or "") if m else None for m in found] for n in names}

    @staticmethod
    def where(mask: np.ndarray, a: list, b: Any) -> list:
        if isinstance(b, list):
            return [x if m else y for m, x, y in zip(mask, a, b, strict=True)]
        return [x if m else b for m, x in zip(mask, a, strict=True)]

    @staticmethod
    def fill(s: list) -> list:
        return ["" if x is None else x for x in s]

    @staticmethod
    def strip(s: list) -> list:
        return [None if x is None else x.strip(" ,") for x in s]

    @staticmethod
    def values(s: list) -> list:
        return s

    @staticmethod
    def split(s: list) -> pa.ListArray:
        return pa.array([x.replace(",", " ").split() for x in s], pa.list_(pa.string()))


#: Longer queries are cut (an address is far shorter; this bounds the work per query).
MAX_QUERY_CHARS = 300
#: Up to this many queries, parsing runs on Python lists.
SMALL_BATCH = 16


def fold(texts: pa.Array) -> pa.Array:
    """Lower case, no accents, one space between words; commas kept as `` , ``.

    >>> fold(pa.array(["12, Bd Pasteur — Nice", "Œuvre d'Art", "L#039;Île"])).to_pylist()
    ['12 , bd pasteur nice', 'oeuvre d art', 'l ile']
    """
    return _ArrowOps().fold(texts)


@dataclass(frozen=True)
class Parsed:
    """Queries taken apart; arrays of length n."""

    number: np.ndarray  # int32, -1 when none
    rep: np.ndarray  # object: "bis", "ter", "a"... or ""
    postcode: np.ndarray  # int32, -1 when none
    arrondissement: np.ndarray  # object: INSEE code of an arrondissement named, or None
    tokens: pa.ListArray  # folded tokens of street and city, abbreviations expanded
    street_end: np.ndarray  # int32: tokens before this index come before the postcode


_POSTAL_RE = rf"\b(?:{_alternation(POSTAL_WORDS)}) ?(?:n )?[0-9]+\b"
_SEGMENT_RE = rf"(^|,) ?(?:{_alternation(COMPLEMENT_SEGMENTS)})\b[^,0-9]*(,|$)"
_PAIR_RE = rf"(^|[ ,])(?:{_alternation(COMPLEMENT_PAIRS)}) (?:n )?[a-z0-9]{{1,4}}(?:$|[ ,])"
_POSTCODE_RE = r"^(?P<pre>.*?) ?(?P<cp>\b[0-9]{5}\b) ?(?P<post>[^0-9]*|.*)$"
_ARR_RE = (rf"\b(?P<city>{_alternation(list(ARRONDISSEMENT_CITIES))}) (?P<n>[0-9]{{1,2}})"
           r"(?: (?:er|e|eme|ieme|ere|em))?(?: (?:arrondissement|arrondis|arr|ardt))?\b")
_LEADING_RE = rf"^[^0-9].*?\b([0-9]{{1,4}}(?: (?:{_REP_RE}))? (?:{TYPES_RE})\b)"
_NUMBER_RE = rf"^(?P<n>[0-9]{{1,4}})(?: (?P<rep>{_REP_RE}))?\b ?(?P<rest>.*)$"
_RANGE_RE = rf"^(?:(?:a|au|et) )?[0-9]{{1,4}}(?: (?:{_REP_RE}))?(?: ,)? ((?:{TYPES_RE})\b)"
_TAIL_RE = (rf"^((?:{TYPES_RE}) (?:[a-z0-9]+ )*?[a-z0-9]{{2,}}) "
            rf"(?:{_alternation(COMPLEMENT_TAILS)})\b[^,]*")


def parse(texts: Sequence[str | None] | pa.Array) -> Parsed:
    """Take free-text addresses apart (vectorised; plain Python for a handful).

    >>> p = parse(["12 bis bd Pasteur, bat. C, 06000 NICE CEDEX 1", "13007 MARSEILLE 7"])
    >>> p.number.tolist(), p.rep.tolist(), p.postcode.tolist(), p.arrondissement.tolist()
    ([12, -1], ['bis', ''], [6000, 13007], [None, '13207'])
    >>> p.tokens.to_pylist()
    [['boulevard', 'pasteur', 'nice'], ['marseille']]
    """
    ops: Any
    if isinstance(texts, pa.Array):
        ops, s = (_ListOps(), texts.to_pylist()) if len(texts) <= SMALL_BATCH else (
            _ArrowOps(), texts)
    elif len(texts) <= SMALL_BATCH:
        ops, s = _ListOps(), list(texts)
    else:
        ops, s = _ArrowOps(), pa.array(list(texts), type=pa.string())
    n = len(s)
    s = ops.fill(ops.fold(ops.truncate(s)))
    for pattern, repl in ((_POSTAL_RE, " "), (r"\bcedex(?: [0-9]{1,3})?\b", " "),
                          (r"\b[0-9]{1,2} ?(?:er|e|eme|ieme) etage\b", " "),
                          # a segment that is a complement: « Résidence Les Pins, 12 rue X »
                          (_SEGMENT_RE, r"\1 "), (_PAIR_RE, " , "), (r" {2,}", " ")):
        s = ops.sub(s, pattern, repl)

    # the postcode: the last five-digit group; what follows it is the city
    has_cp, parts = ops.extract(s, _POSTCODE_RE, ("pre", "cp", "post"))
    pre = ops.where(has_cp, parts["pre"], s)
    post = ops.where(has_cp, parts["post"], "")
    postcode = np.array([int(c) if c else -1 for c in ops.values(ops.where(
        has_cp, parts["cp"], ""))], dtype=np.int32)

    # municipal arrondissements, in the city part or at the end of a line without postcode
    where = ops.where(has_cp, post, pre)
    valid, found = ops.extract(where, _ARR_RE, ("city", "n"))
    arrondissement = np.full(n, None, dtype=object)
    if valid.any():
        names, numbers = ops.values(found["city"]), ops.values(found["n"])
        for i in np.flatnonzero(valid):
            arrondissement[i] = arrondissement_code(names[i], int(numbers[i]))
        stripped = ops.sub(where, _ARR_RE, r"\1")
        post = ops.where(has_cp, stripped, post)
        pre = ops.where(has_cp, pre, stripped)

    # complements before the address: keep from « number type » on (« Bâtiment B 22 rue X »)
    pre = ops.strip(ops.sub(pre, _LEADING_RE, r"\1"))
    has_num, num = ops.extract(pre, _NUMBER_RE, ("n", "rep", "rest"))
    rest = ops.where(has_num, num["rest"], pre)
    # a range « 20-22 rue X », « 4 et 6 rue X »: the first number is kept
    rest = ops.sub(rest, _RANGE_RE, r"\1")
    # complements after the street name, up to the next comma: « rue X résidence Les Pins »
    rest = ops.sub(rest, _TAIL_RE, r"\1")
    number = np.array([int(x) if x else -1 for x in ops.values(ops.where(has_num, num["n"], ""))],
                      dtype=np.int32)
    rep = np.array([REPETITIONS.get(r or "", r or "") for r in ops.values(
        ops.where(has_num, num["rep"], ""))], dtype=object)

    street_tokens, street_len = expand_tokens(ops.split(rest))
    city_tokens, _ = expand_tokens(ops.split(post))
    tokens = _concat_lists(street_tokens, city_tokens)
    return Parsed(number, rep, postcode, arrondissement, tokens, street_len)


def _expansion(token: str) -> list[str]:
    out: list[str] = []
    for word in ABBREVIATIONS.get(token, token).split():
        out.append(NUMBER_WORDS.get(word, word))
    return out


def expand_tokens(lists: pa.ListArray) -> tuple[pa.ListArray, np.ndarray]:
    """Expand abbreviations and number words in lists of tokens.

    Only the distinct tokens go through Python; the lists are rebuilt with numpy.
    Returns the new lists and their lengths (int32).

    >>> out, n = expand_tokens(pa.array([["av", "du", "onze", "novembre"], [], ["rn", "7"]]))
    >>> out.to_pylist(), n.tolist()
    ([['avenue', 'du', '11', 'novembre'], [], ['route', 'nationale', '7']], [4, 0, 3])
    """
    lists = pc.fill_null(lists, pa.scalar([], type=pa.list_(pa.string())))
    flat = pc.list_flatten(lists)
    offsets = pc.list_value_length(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    if len(flat) == 0:
        return pa.array([[] for _ in range(len(lists))], type=pa.list_(pa.string())), \
            offsets.astype(np.int32)
    encoded = flat.dictionary_encode()
    uniques = encoded.dictionary.to_pylist()
    index = encoded.indices.to_numpy(zero_copy_only=False)
    expansions = [_expansion(u) for u in uniques]
    exp_len = np.array([len(e) for e in expansions], dtype=np.int64)
    exp_start = np.concatenate([[0], np.cumsum(exp_len)[:-1]])
    exp_values = pa.array([w for e in expansions for w in e], type=pa.string())
    counts = exp_len[index]
    starts = np.repeat(exp_start[index], counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    new_flat = exp_values.take(pa.array(starts + within))
    row_of_token = np.repeat(np.arange(len(offsets)), offsets)
    new_len = np.bincount(row_of_token, weights=counts, minlength=len(offsets)).astype(np.int64)
    new_offsets = np.concatenate([[0], np.cumsum(new_len)]).astype(np.int32)
    out = pa.ListArray.from_arrays(pa.array(new_offsets), new_flat)
    return out, new_len.astype(np.int32)


def _concat_lists(a: pa.ListArray, b: pa.ListArray) -> pa.ListArray:
    """Row-wise concatenation of two list arrays of the same length."""
    la = pc.list_value_length(a).to_numpy(zero_copy_only=False).astype(np.int64)
    lb = pc.list_value_length(b).to_numpy(zero_copy_only=False).astype(np.int64)
    n = len(la)
    rows = np.concatenate([np.repeat(np.arange(n), la), np.repeat(np.arange(n), lb)])
    side = np.concatenate([np.zeros(la.sum(), np.int8), np.ones(lb.sum(), np.int8)])
    order = np.lexsort((side, rows))  # stable: a's tokens then b's, row by row
    values = pa.concat_arrays([pc.list_flatten(a), pc.list_flatten(b)]).take(pa.array(order))
    offsets = np.concatenate([[0], np.cumsum(la + lb)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def name_tokens(names: Sequence[str | None] | pa.Array) -> pa.ListArray:
    """Tokens of street or commune names (no number, no postcode parsing).

    >>> name_tokens(["Av. du Maréchal de Lattre-de-Tassigny", "Saint-Laurent-du-Var"])[0]
    <pyarrow.ListScalar: ['avenue', 'du', 'marechal', 'de', 'lattre', 'de', 'tassigny']>
    """
    arr = names if isinstance(names, pa.Array) else pa.array(list(names), type=pa.string())
    tokens, _ = expand_tokens(_ArrowOps.split(pc.fill_null(fold(arr), "")))
    return tokens
