"""Building the address index from batches of address rows.

What the index holds (all numpy arrays, CSR lists as ``*_ptr`` offsets + values):

- vocabulary ``V``: every folded token of street and commune names (``vocab`` text,
  ``voc_bytes``/``voc_ptr`` its ASCII bytes for the fuzzy kernel), ``tok_w`` its weight (an
  inverse street frequency; articles and type words get small fixed weights), ``tok_kind``
  (0 word, 1 article, 2 type word);
- streets ``S`` (type ``rue`` or ``lieudit``), sorted by commune: ``st_tok_ptr``/``st_tok``
  their tokens, ``st_wsum`` the sum of their weights, ``st_commune``, ``st_lat``/``st_lon``
  (centre of the smallest box holding their addresses), ``st_radius`` (metres: the disc around
  that centre holds every known address, at least :data:`MIN_STREET_RADIUS_M`),
  ``st_kind`` (0 rue, 1 lieudit), ``st_postcode``, ``st_num_ptr`` their house numbers;
- house numbers ``N`` sorted by street, number, repetition: ``nb_num``, ``nb_rep`` (index in
  :data:`REP_CODES`), ``nb_lat``/``nb_lon``, ``nb_postcode``;
- communes ``C``: ``cm_nm_ptr`` their names (names ``nm_*`` sorted by commune: the official
  name, then aliases the addresses give; ``nm_tok_ptr``/``nm_tok``, ``nm_wsum``,
  ``nm_commune``), ``cm_lat``/``cm_lon``/``cm_radius``
  (the disc holds the whole outline and every known address), ``cm_st_ptr`` their streets,
  ``cm_voc_ptr``/``cm_voc`` the distinct tokens of their streets (fuzzy matching is local to
  the communes a query names), ``cm_postcode``, ``cm_arr`` (1 for a municipal
  arrondissement); texts ``cm_code``, ``cm_name``;
- ``pc_value``/``pc_ptr``/``pc_commune``: the communes of each postcode;
- ``tc_ptr``/``tc_name``: the commune names that hold each token; ``ts_ptr``/``ts_street``:
  the streets whose name holds each token; ``cmvoc``: tokens of commune names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from quartiers.geocoding.geometry import (
    CommuneOutlines,
    distance_m,
    enclosing_discs,
    group_mode,
)
from quartiers.geocoding.labels import display_name, fold_word, title_city
from quartiers.geocoding.lexicon import (
    ARRONDISSEMENT_CITIES,
    ARTICLES,
    REPETITIONS,
    STREET_TYPES,
    arrondissement_from_postcode,
)
from quartiers.geocoding.store import AddressIndex
from quartiers.geocoding.text import name_tokens, parse

#: Repetition indices as stored (index 0: none).
REP_CODES: tuple[str, ...] = ("", "bis", "ter", "quater", "quinquies", "a", "c", "d", "e", "f",
                              "g", "h")
_REP_INDEX = {r: i for i, r in enumerate(REP_CODES)}
#: A street known by one address still spans some length: its disc is at least this wide.
MIN_STREET_RADIUS_M = 100.0
#: Same for a commune (or arrondissement) known only by its addresses, without outline.
MIN_COMMUNE_RADIUS_M = 1000.0
#: A commune without outline known by fewer addresses than this gets a disc of at least
#: SPARSE_COMMUNE_RADIUS_M (the radius of a large French commune): coarse, never too small.
SPARSE_COMMUNE_ADDRESSES = 50
SPARSE_COMMUNE_RADIUS_M = 10_000.0
ARTICLE_WEIGHT = 0.1
TYPE_WEIGHT = 0.6


def rep_codes(reps: Iterable[str | None]) -> np.ndarray:
    """Repetition indices as small integers (unknown letters fold to none)."""
    return np.array([_REP_INDEX.get(REPETITIONS.get((r or "").lower(), (r or "").lower()), 0)
                     for r in reps], dtype=np.int8)


def _key_text(tokens: pa.ListArray) -> pa.Array:
    """The grouping key of a street name: its tokens without articles."""
    joined = pc.binary_join(tokens, " ")
    pattern = r"\b(?:" + "|".join(sorted(ARTICLES, key=len, reverse=True)) + r")\b"
    joined = pc.replace_substring_regex(joined, pattern=pattern, replacement=" ")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(joined, pattern=" +",
                                                              replacement=" "))


class IndexBuilder:
    """Accumulates address rows batch by batch, then builds the index arrays.

    Per row only numbers are kept (street id, number, repetition, position, postcode); a
    street's name, tokens and commune are kept once, when first met.
    """

    def __init__(self, outlines: CommuneOutlines) -> None:
        self.outlines = outlines
        self.street_ids: dict[str, int] = {}
        self.street_tokens: list[pa.ListArray] = []
        self.street_labels: list[pa.Array] = []
        self.street_codes: list[pa.Array] = []
        self.city_names: dict[str, Counter[str]] = {}
        self.rows: dict[str, list[np.ndarray]] = {k: [] for k in (
            "street", "num", "rep", "lat", "lon", "postcode")}
        self.placeless: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.n_rows = 0
        self.sources: list[str] = []

    # -- rows ---------------------------------------------------------------------------------

    def _communes(self, batch: pa.Table) -> np.ndarray:
        codes = np.array(pc.fill_null(batch.column("code_insee"), "").to_pylist(), dtype=object)
        lon = batch.column("lon").to_numpy()
        lat = batch.column("lat").to_numpy()
        missing = codes == ""
        if missing.any():
            codes[missing] = self.outlines.locate(lon[missing], lat[missing])
        postcodes = pc.fill_null(batch.column("code_postal"), "").to_pylist()
        whole = {spec[0] for spec in ARRONDISSEMENT_CITIES.values()}
        for i in np.flatnonzero(np.isin(codes, list(whole))):
            arr = arrondissement_from_postcode(codes[i], postcodes[i])
            if arr is not None:
                codes[i] = arr
        return codes

    def add(self, batch: pa.Table, *, raw_address: bool, accents: dict[str, str] | None = None
            ) -> None:
        """Add a batch of :data:`~quartiers.geocoding.sources.BATCH_SCHEMA` rows (or, with
        ``raw_address``, rows whose ``adresse`` holds number and street as typed)."""
        if batch.num_rows == 0:
            return
        codes = self._communes(batch)
        if raw_address:
            parsed = parse(batch.column("adresse").combine_chunks())
            lengths = parsed.street_end.astype(np.int64)
            tokens = _truncate(parsed.tokens, lengths)
            number = parsed.number
            rep = rep_codes(parsed.rep)
            labels = pa.array([display_name(t, accents or {}) for t in tokens.to_pylist()],
                              type=pa.string())
        else:
            tokens = name_tokens(batch.column("voie").combine_chunks())
            number = batch.column("numero").to_numpy(zero_copy_only=False).astype(np.int32)
            rep = rep_codes(batch.column("rep").to_pylist())
            labels = batch.column("voie").combine_chunks()
        lat = batch.column("lat").to_numpy().astype(np.float64)
        lon = batch.column("lon").to_numpy().astype(np.float64)
        postcode_text = pc.fill_null(batch.column("code_postal"), "").combine_chunks()
        ok_pc = pc.match_substring_regex(postcode_text, r"^[0-9]{5}$")
        postcode = pc.cast(pc.if_else(ok_pc, postcode_text, pa.scalar("-1")),
                           pa.int32()).to_numpy(zero_copy_only=False)
        # the names each commune is given (display name and aliases; outline names win)
        cities = pc.fill_null(batch.column("commune"), "")
        if "autres_noms" in batch.column_names:
            cities = pc.binary_join_element_wise(
                cities, pc.fill_null(batch.column("autres_noms"), ""), "|")
        pairs = pc.binary_join_element_wise(pa.array(codes.tolist(), pa.string()),
                                            cities.combine_chunks()
                                            if isinstance(cities, pa.ChunkedArray) else cities,
                                            "|")
        counts = pc.value_counts(pairs)
        for item in counts.to_pylist():
            code, *given = item["values"].split("|")
            if code:
                known = self.city_names.setdefault(code, Counter())
                for name in given:
                    if name.strip():
                        known[name.strip()] += item["counts"]
        no_street = pc.list_value_length(tokens).to_numpy(zero_copy_only=False) == 0
        no_place = codes == ""
        drop = no_street | no_place
        if no_place.any():
            self.placeless.append((lat[no_place], lon[no_place], postcode[no_place],
                                   number[no_place]))
        keep = ~drop
        if not keep.any():
            return
        mask = pa.array(keep)
        tokens = pc.filter(tokens, mask)
        labels = pc.filter(labels, mask)
        kept_codes = codes[keep]
        key_text = _key_text(tokens)
        keys = pc.binary_join_element_wise(pa.array(kept_codes.tolist(), pa.string()),
                                           key_text, "|")
        enc = keys.dictionary_encode()
        uniques = enc.dictionary.to_pylist()
        first = np.full(len(uniques), -1, dtype=np.int64)
        idx = enc.indices.to_numpy(zero_copy_only=False)
        first[idx[::-1]] = np.arange(len(idx))[::-1]
        ids = np.empty(len(uniques), dtype=np.int64)
        new_rows = []
        for u, key in enumerate(uniques):
            sid = self.street_ids.get(key)
            if sid is None:
                sid = len(self.street_ids)
                self.street_ids[key] = sid
                new_rows.append(first[u])
            ids[u] = sid
        if new_rows:
            take = pa.array(np.array(new_rows, dtype=np.int64))
            self.street_tokens.append(tokens.take(take))
            self.street_labels.append(labels.take(take))
            self.street_codes.append(pa.array(kept_codes[np.array(new_rows)].tolist(),
                                              pa.string()))
        self.rows["street"].append(ids[idx].astype(np.int32))
        self.rows["num"].append(number[keep])
        self.rows["rep"].append(rep[keep])
        self.rows["lat"].append(lat[keep])
        self.rows["lon"].append(lon[keep])
        self.rows["postcode"].append(postcode[keep])
        self.n_rows += int(keep.sum())

    # -- index --------------------------------------------------------------------------------

    def _names(self, codes: list[str], names: list[str], arr_city: dict[str, tuple[str, str]]
               ) -> tuple[list[str], list[int]]:
        """Names a commune is matched by: its name, then up to MAX_ALIASES other names its
        addresses give (merged communes, postal localities: « Juan-les-Pins » for Antibes)."""
        text: list[str] = []
        owner: list[int] = []
        for i, (code, name) in enumerate(zip(codes, names, strict=True)):
            if code in arr_city:  # « Marseille 7e Arrondissement » says no more than this
                text.append(arr_city[code][0])
                owner.append(i)
                continue
            seen = {_folded(name)}
            text.append(name)
            owner.append(i)
            for alias, _n in self.city_names.get(code, Counter()).most_common():
                key = _folded(alias)
                if key in seen or not key:
                    continue
                seen.add(key)
                text.append(alias)
                owner.append(i)
                if len(seen) > MAX_ALIASES:
                    break
        return text, owner

    def finish(self, meta: dict[str, Any] | None = None) -> AddressIndex:
        """Build every array of the index (see the module's documentation)."""
        rows = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in self.rows.items()}
        street = rows["street"].astype(np.int64)
        n_streets = len(self.street_ids)
        st_tokens = (pa.concat_arrays(self.street_tokens) if self.street_tokens
                     else pa.array([], pa.list_(pa.string())))
        st_labels = (pa.concat_arrays(self.street_labels) if self.street_labels
                     else pa.array([], pa.string()))
        st_codes = np.array(pa.concat_arrays(self.street_codes).to_pylist()
                            if self.street_codes else [], dtype=object)

        # communes: outlines, then every code met in the addresses
        codes = list(self.outlines.codes)
        code_index = {c: i for i, c in enumerate(codes)}
        for c in st_codes:
            if c not in code_index:
                code_index[c] = len(codes)
                codes.append(c)
        n_communes = len(codes)
        st_commune = np.array([code_index[c] for c in st_codes], dtype=np.int64)

        # streets sorted by commune, then by label; rows follow
        order = np.lexsort((np.arange(n_streets), st_commune))
        rank = np.empty(n_streets, dtype=np.int64)
        rank[order] = np.arange(n_streets)
        street = rank[street] if len(street) else street
        st_commune = st_commune[order]
        st_tokens = st_tokens.take(pa.array(order))
        st_labels = st_labels.take(pa.array(order))

        lat, lon = rows["lat"].astype(np.float64), rows["lon"].astype(np.float64)
        postcode = rows["postcode"].astype(np.int32)
        st_lat, st_lon, st_radius = enclosing_discs(street, lat, lon, n_streets,
                                                    MIN_STREET_RADIUS_M)
        st_postcode = group_mode(street, postcode, n_streets)

        # house numbers: one entry per (street, number, repetition), mean position
        has_num = rows["num"] >= 0
        nb_street = street[has_num]
        nb_num = rows["num"][has_num].astype(np.int64)
        nb_rep = rows["rep"][has_num].astype(np.int64)
        key = (nb_street * 100_000 + nb_num) * 16 + nb_rep
        uniq, inverse = np.unique(key, return_inverse=True)
        count = np.bincount(inverse).astype(np.float64)
        nb_lat = np.bincount(inverse, weights=lat[has_num]) / count
        nb_lon = np.bincount(inverse, weights=lon[has_num]) / count
        nb_pc = np.full(len(uniq), -1, dtype=np.int32)
        np.maximum.at(nb_pc, inverse, postcode[has_num])
        nb_street_u = uniq // 16 // 100_000
        nb_pc = np.where(nb_pc < 0, st_postcode[nb_street_u] if len(uniq) else nb_pc, nb_pc)
        st_num_ptr = np.searchsorted(nb_street_u, np.arange(n_streets + 1)).astype(np.int64)

        # communes: names, positions and radii
        names = []
        whole_names = {spec[0]: name for name, spec in ARRONDISSEMENT_CITIES.items()}
        arr_city = {}
        for name, (whole, first, count_) in ARRONDISSEMENT_CITIES.items():
            for k in range(count_):
                arr_city[str(first + k)] = (name, whole)
        cm_arr = np.zeros(n_communes, dtype=np.int8)
        outline_name = dict(zip(self.outlines.codes, self.outlines.names, strict=True))
        outline_index = {c: i for i, c in enumerate(self.outlines.codes)}
        for i, c in enumerate(codes):
            if c in arr_city:
                cm_arr[i] = 1
                whole = arr_city[c][1]
                names.append(outline_name.get(whole, arr_city[c][0].capitalize()))
            elif c in outline_name:
                names.append(outline_name[c])
            else:
                given = self.city_names.get(c)
                names.append(title_city(given.most_common(1)[0][0]) if given else c)
        del whole_names
        row_commune = st_commune[street] if len(street) else street
        cm_lat, cm_lon, cm_radius = enclosing_discs(row_commune, lat, lon, n_communes,
                                           MIN_COMMUNE_RADIUS_M)
        n_out = len(self.outlines.codes)
        if n_out:
            # outline communes: centre of the outline, disc holding outline and addresses
            cm_lat[:n_out], cm_lon[:n_out] = self.outlines.lat, self.outlines.lon
            far = np.zeros(n_communes)
            if len(row_commune):
                d = distance_m(cm_lat[row_commune], cm_lon[row_commune], lat, lon)
                np.maximum.at(far, row_commune, d)
            cm_radius[:n_out] = np.maximum(self.outlines.radius, far[:n_out])
        # without outline, the known addresses only bound the commune when they are many
        # (a BAN file); a handful (the reference) says little of its extent
        known = np.bincount(row_commune, minlength=n_communes) if len(row_commune) else \
            np.zeros(n_communes, dtype=np.int64)
        sparse = (np.arange(n_communes) >= n_out) & (known < SPARSE_COMMUNE_ADDRESSES)
        cm_radius[sparse] = np.maximum(cm_radius[sparse], SPARSE_COMMUNE_RADIUS_M)
        # an arrondissement's disc holds its whole city's outline (it is inside it)
        for arr in np.flatnonzero(cm_arr == 1).tolist():
            parent = outline_index.get(arr_city[codes[arr]][1])
            if parent is not None and np.isfinite(cm_lat[arr]):
                cm_radius[arr] = max(cm_radius[arr], self.outlines.farthest(
                    parent, float(cm_lat[arr]), float(cm_lon[arr])))
        cm_radius = np.ceil(cm_radius * 1.001 + 1.0)
        cm_postcode = group_mode(row_commune, postcode, n_communes)
        # streets and numbers of sources without postcode take their commune's
        st_postcode = np.where(st_postcode < 0, cm_postcode[st_commune], st_postcode) \
            if n_streets else st_postcode
        if len(uniq):
            nb_pc = np.where(nb_pc < 0, st_postcode[nb_street_u], nb_pc)
        cm_st_ptr = np.searchsorted(st_commune, np.arange(n_communes + 1)).astype(np.int64)

        # postcode -> communes, from the addresses
        pairs = np.unique(np.stack([postcode.astype(np.int64), row_commune]), axis=1) \
            if len(postcode) else np.zeros((2, 0), dtype=np.int64)
        pairs = pairs[:, pairs[0] >= 0]
        pc_value, pc_start = np.unique(pairs[0], return_index=True)
        pc_ptr = np.append(pc_start, pairs.shape[1]).astype(np.int64)
        pc_commune = pairs[1].astype(np.int32)

        # names of communes (official name, then aliases), vocabulary, weights, postings
        nm_text, nm_commune_l = self._names(codes, names, arr_city)
        nm_commune = np.array(nm_commune_l, dtype=np.int32)
        cm_nm_ptr = np.searchsorted(nm_commune, np.arange(n_communes + 1)).astype(np.int64)
        cm_tokens = name_tokens(pa.array(nm_text, pa.string()))
        flat_st = pc.list_flatten(st_tokens)
        flat_cm = pc.list_flatten(cm_tokens)
        vocab = pc.unique(pa.concat_arrays([flat_st, flat_cm]).cast(pa.string()))
        vocab = vocab.take(pc.sort_indices(vocab))
        st_tok = pc.index_in(flat_st, value_set=vocab).to_numpy(zero_copy_only=False)
        cm_tok = pc.index_in(flat_cm, value_set=vocab).to_numpy(zero_copy_only=False)
        st_tok_ptr = np.asarray(st_tokens.offsets).astype(np.int64)
        cm_tok_ptr = np.asarray(cm_tokens.offsets).astype(np.int64)
        n_vocab = len(vocab)
        words = vocab.to_pylist()
        tok_kind = np.array([1 if w in ARTICLES else 2 if w in STREET_TYPES
                             else 0 for w in words], dtype=np.int8)
        st_of_tok = np.repeat(np.arange(n_streets), np.diff(st_tok_ptr))
        ts_ptr, ts_street = _csr(st_tok, st_of_tok, n_vocab, n_streets)
        df = np.diff(ts_ptr).astype(np.float64)
        tok_w = np.log1p(max(n_streets, 1) / (1.0 + df)) + 1.0
        tok_w[tok_kind == 1] = ARTICLE_WEIGHT
        tok_w[tok_kind == 2] = np.minimum(tok_w[tok_kind == 2], TYPE_WEIGHT)
        tok_w = tok_w.astype(np.float32)
        nm_of_tok = np.repeat(np.arange(len(nm_text)), np.diff(cm_tok_ptr))
        tc_ptr, tc_name = _csr(cm_tok, nm_of_tok, n_vocab, len(nm_text))
        cmvoc = np.unique(cm_tok).astype(np.int32)
        # distinct street tokens of each commune (the fuzzy search space of a query)
        cm_of_st_tok = st_commune[st_of_tok] if len(st_of_tok) else st_of_tok
        cm_voc_ptr, cm_voc = _csr(cm_of_st_tok, st_tok, n_communes, n_vocab)
        st_wsum = np.add.reduceat(np.append(tok_w[st_tok], 0.0), st_tok_ptr[:-1]) \
            if n_streets else np.zeros(0)
        st_wsum = np.where(np.diff(st_tok_ptr) > 0, st_wsum, 0.0).astype(np.float32)
        cm_wsum = np.add.reduceat(np.append(tok_w[cm_tok], 0.0), cm_tok_ptr[:-1])
        cm_wsum = np.where(np.diff(cm_tok_ptr) > 0, cm_wsum, 0.0).astype(np.float32)
        first_tok = st_tok[np.minimum(st_tok_ptr[:-1], max(len(st_tok) - 1, 0))] \
            if len(st_tok) else np.zeros(0, dtype=np.int64)
        road = np.isin(np.array(words, dtype=object), list(STREET_TYPES))
        st_kind = np.where(road[first_tok] if len(first_tok) else False, 0, 1).astype(np.int8)
        voc_bytes = np.frombuffer(vocab.buffers()[2], dtype=np.uint8).copy() \
            if n_vocab else np.zeros(0, np.uint8)
        voc_off = np.frombuffer(vocab.buffers()[1], dtype=np.int32)[
            vocab.offset: vocab.offset + n_vocab + 1].astype(np.int64)

        arrays = {
            "tok_w": tok_w, "tok_kind": tok_kind, "voc_bytes": voc_bytes, "voc_ptr": voc_off,
            "st_tok_ptr": st_tok_ptr, "st_tok": st_tok.astype(np.int32), "st_wsum": st_wsum,
            "st_commune": st_commune.astype(np.int32), "st_lat": st_lat, "st_lon": st_lon,
            "st_radius": st_radius.astype(np.float64), "st_kind": st_kind,
            "st_postcode": st_postcode, "st_num_ptr": st_num_ptr,
            "nb_num": (uniq // 16 % 100_000).astype(np.int32),
            "nb_rep": (uniq % 16).astype(np.int8), "nb_lat": nb_lat, "nb_lon": nb_lon,
            "nb_postcode": nb_pc,
            "nm_tok_ptr": cm_tok_ptr, "nm_tok": cm_tok.astype(np.int32), "nm_wsum": cm_wsum,
            "nm_commune": nm_commune, "cm_nm_ptr": cm_nm_ptr,
            "cm_lat": cm_lat, "cm_lon": cm_lon, "cm_radius": cm_radius,
            "cm_st_ptr": cm_st_ptr, "cm_voc_ptr": cm_voc_ptr, "cm_voc": cm_voc,
            "cm_postcode": cm_postcode, "cm_arr": cm_arr,
            "pc_value": pc_value.astype(np.int32), "pc_ptr": pc_ptr, "pc_commune": pc_commune,
            "tc_ptr": tc_ptr, "tc_name": tc_name, "ts_ptr": ts_ptr,
            "ts_street": ts_street, "cmvoc": cmvoc,
        }
        texts = {
            "vocab": vocab,
            "st_label": st_labels.cast(pa.string()),
            "cm_code": pa.array(codes, pa.string()),
            "cm_name": pa.array(names, pa.string()),
        }
        info = dict(meta or {})
        info.update({
            "adresses": int(self.n_rows), "numeros": len(uniq), "voies": int(n_streets),
            "communes": int(n_communes), "vocabulaire": int(n_vocab),
            "sans_commune": int(sum(len(p[0]) for p in self.placeless)),
        })
        return AddressIndex(arrays, texts, info)


MAX_ALIASES = 4


def _folded(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", fold_word(name)).strip()


def _csr(keys: np.ndarray, values: np.ndarray, n_keys: int, n_values: int
         ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``values`` of each key as offsets (``n_keys + 1``) and sorted values."""
    pairs = np.unique(keys.astype(np.int64) * (n_values + 1) + values)
    ptr = np.searchsorted(pairs // (n_values + 1), np.arange(n_keys + 1)).astype(np.int64)
    return ptr, (pairs % (n_values + 1)).astype(np.int32)


def _truncate(lists: pa.ListArray, lengths: np.ndarray) -> pa.ListArray:
    """Keep the first ``lengths[i]`` values of each list."""
    offsets = np.asarray(lists.offsets).astype(np.int64)
    starts = offsets[:-1]
    keep = np.zeros(offsets[-1] - offsets[0], dtype=bool)
    within = np.arange(len(keep)) - np.repeat(starts - offsets[0], np.diff(offsets))
    keep = within < np.repeat(lengths, np.diff(offsets))
    values = pc.filter(pc.list_flatten(lists), pa.array(keep))
    new_offsets = np.concatenate([[0], np.cumsum(np.minimum(lengths, np.diff(offsets)))])
    return pa.ListArray.from_arrays(pa.array(new_offsets.astype(np.int32)), values)

