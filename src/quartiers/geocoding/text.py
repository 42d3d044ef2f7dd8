"""Address text normalisation, vectorised with pyarrow compute (RE2 regular expressions).

A query goes through :func:`parse`: folding (lower case, accents, ligatures, punctuation),
postal complements (BP, CS, CEDEX), the postcode, municipal arrondissements (« 13007
MARSEILLE 7 », « Lyon 3ème »), complements of address (« bâtiment C », « résidence ... »),
the house number and its repetition index, then tokens with abbreviations expanded and
number words turned to digits. Every step works on whole arrays; only the distinct tokens
of a batch go through a Python dictionary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


def _sub(arr: pa.Array, pattern: str, repl: str) -> pa.Array:
    return pc.replace_substring_regex(arr, pattern=pattern, replacement=repl)


def fold(texts: pa.Array) -> pa.Array:
    """Lower case, no accents, one space between words; commas kept as `` , ``.

    >>> fold(pa.array(["12, Bd Pasteur — Nice", "Œuvre d'Art", "L#039;Île"])).to_pylist()
    ['12 , bd pasteur nice', 'oeuvre d art', 'l ile']
    """
    s = pc.utf8_lower(pc.cast(texts, pa.string()))
    s = _sub(s, r"&?#0*39;?", " ")
    s = _sub(s, "œ", "oe")
    s = _sub(s, "æ", "ae")
    s = _sub(s, "ß", "ss")
    s = _sub(s, r"(^|[ -])s/s([ -]|$)", r"\1 sous \2")
    s = _sub(s, r"(^|[ -])s/([ -]|$)", r"\1 sur \2")
    s = pc.utf8_normalize(s, form="NFKD")
    s = _sub(s, r"\p{Mn}+", "")
    s = _sub(s, r"[,;\n\r\t]+", " , ")
    s = _sub(s, r"[^a-z0-9,]+", " ")
    # glued number and word: « 12bis », « 18avenue », « rn568 »
    s = _sub(s, r"([0-9])([a-z])", r"\1 \2")
    s = _sub(s, r"([a-z])([0-9])", r"\1 \2")
    s = _sub(s, r"\bn o ([0-9])", r"\1")
    s = _sub(s, r"(^| )n ([0-9])", r"\1\2")
    s = _sub(s, r"( ,)+", " ,")
    s = _sub(s, r" {2,}", " ")
    return pc.utf8_trim(s, characters=" ,")


@dataclass(frozen=True)
class Parsed:
    """Queries taken apart; arrays of length n."""

    number: np.ndarray  # int32, -1 when none
    rep: np.ndarray  # object: "bis", "ter", "a"... or ""
    postcode: np.ndarray  # int32, -1 when none
    arrondissement: np.ndarray  # object: INSEE code of an arrondissement named, or None
    tokens: pa.ListArray  # folded tokens of street and city, abbreviations expanded
    street_end: np.ndarray  # int32: tokens before this index come before the postcode


def _struct_field(arr: pa.Array, name: str) -> pa.Array:
    return pc.struct_field(arr, name)


def parse(texts: Sequence[str | None] | pa.Array) -> Parsed:
    """Take free-text addresses apart (vectorised).

    >>> p = parse(["12 bis bd Pasteur, bat. C, 06000 NICE CEDEX 1", "13007 MARSEILLE 7"])
    >>> p.number.tolist(), p.rep.tolist(), p.postcode.tolist(), p.arrondissement.tolist()
    ([12, -1], ['bis', ''], [6000, 13007], [None, '13207'])
    >>> p.tokens.to_pylist()
    [['boulevard', 'pasteur', 'nice'], ['marseille']]
    """
    arr = texts if isinstance(texts, pa.Array) else pa.array(list(texts), type=pa.string())
    s = pc.fill_null(fold(arr), "")
    postal = _alternation(POSTAL_WORDS)
    s = _sub(s, rf"\b(?:{postal}) ?(?:n )?[0-9]+\b", " ")
    s = _sub(s, r"\bcedex(?: [0-9]{1,3})?\b", " ")
    s = _sub(s, r"\b[0-9]{1,2} ?(?:er|e|eme|ieme) etage\b", " ")
    # a whole comma-separated segment that is a complement: « Résidence Les Pins, 12 rue X »
    segments = _alternation(COMPLEMENT_SEGMENTS)
    s = _sub(s, rf"(^|,) ?(?:{segments})\b[^,0-9]*(,|$)", r"\1 ")
    pairs = _alternation(COMPLEMENT_PAIRS)
    s = _sub(s, rf"(^|[ ,])(?:{pairs}) (?:n )?[a-z0-9]{{1,4}}(?:$|[ ,])", " , ")
    s = _sub(s, r" {2,}", " ")

    # the postcode: the last five-digit group; what follows it is the city
    parts = pc.extract_regex(
        s, pattern=r"^(?P<pre>.*?) ?(?P<cp>\b[0-9]{5}\b) ?(?P<post>[^0-9]*|.*)$")
    has_cp = pc.is_valid(parts)
    pre = pc.if_else(has_cp, _struct_field(parts, "pre"), s)
    post = pc.if_else(has_cp, _struct_field(parts, "post"), pa.scalar(""))
    cp_text = pc.if_else(has_cp, _struct_field(parts, "cp"), pa.scalar("-1"))
    postcode = pc.cast(cp_text, pa.int32()).to_numpy(zero_copy_only=False)

    # municipal arrondissements, in the city part or at the end of a line without postcode
    cities = _alternation(list(ARRONDISSEMENT_CITIES))
    arr_re = (rf"\b(?P<city>{cities}) (?P<n>[0-9]{{1,2}})"
              r"(?: (?:er|e|eme|ieme|ere|em))?(?: (?:arrondissement|arrondis|arr|ardt))?\b")
    where = pc.if_else(has_cp, post, pre)
    found = pc.extract_regex(where, pattern=arr_re)
    arrondissement = np.full(len(s), None, dtype=object)
    valid = pc.is_valid(found).to_numpy(zero_copy_only=False)
    if valid.any():
        from quartiers.geocoding.lexicon import arrondissement_code

        names = _struct_field(found, "city").to_numpy(zero_copy_only=False)
        numbers = _struct_field(found, "n").to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(valid):
            arrondissement[i] = arrondissement_code(names[i], int(numbers[i]))
        stripped = _sub(where, arr_re, r"\1")
        post = pc.if_else(has_cp, stripped, post)
        pre = pc.if_else(has_cp, pre, stripped)

    # complements before the address: keep from « number type » on (« Bâtiment B 22 rue X »)
    pre = _sub(pre, rf"^[^0-9].*?\b([0-9]{{1,4}}(?: (?:{_REP_RE}))? (?:{TYPES_RE})\b)",
               r"\1")
    pre = pc.utf8_trim(pre, characters=" ,")
    num = pc.extract_regex(
        pre, pattern=rf"^(?P<n>[0-9]{{1,4}})(?: (?P<rep>{_REP_RE}))?\b ?(?P<rest>.*)$"
    )
    has_num = pc.is_valid(num)
    rest = pc.if_else(has_num, _struct_field(num, "rest"), pre)
    # a range « 20-22 rue X », « 4 et 6 rue X »: the first number is kept
    rest = _sub(rest,
                rf"^(?:(?:a|au|et) )?[0-9]{{1,4}}(?: (?:{_REP_RE}))?(?: ,)? ((?:{TYPES_RE})\b)",
                r"\1")
    # complements after the street name, up to the next comma: « rue X résidence Les Pins »
    tails = _alternation(COMPLEMENT_TAILS)
    rest = _sub(rest, rf"^((?:{TYPES_RE}) (?:[a-z0-9]+ )*?[a-z0-9]{{2,}}) (?:{tails})\b[^,]*",
                r"\1")
    number = pc.cast(pc.if_else(has_num, _struct_field(num, "n"), pa.scalar("-1")),
                     pa.int32()).to_numpy(zero_copy_only=False)
    rep_raw = pc.if_else(has_num, _struct_field(num, "rep"), pa.scalar(""))
    rep = np.array([REPETITIONS.get(r, r) for r in rep_raw.to_pylist()], dtype=object)

    street_part = pc.utf8_split_whitespace(_sub(rest, ",", " "))
    city_part = pc.utf8_split_whitespace(_sub(post, ",", " "))
    street_tokens, street_len = expand_tokens(street_part)
    city_tokens, _ = expand_tokens(city_part)
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
    s = _sub(pc.fill_null(fold(arr), ""), ",", " ")
    tokens, _ = expand_tokens(pc.utf8_split_whitespace(s))
    return tokens
