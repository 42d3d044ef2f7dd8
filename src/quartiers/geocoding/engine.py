"""The embedded geocoder: free-text addresses -> positions, from the on-disk index.

The score (0 to 1) says how well the text of the query matches the answer:

- ``numero``: street score x commune agreement x number agreement (1, or 0.97 when only the
  repetition index differs). The street score is the weighted share of the street's words
  found in the query (a typo counts 1 - 0.6 x distance / length) times (0.6 + 0.4 x the
  weighted share of the query's street words found in the street: invented or extra words
  lower it). Commune agreement: 1 when the postcode or the name agree, 0.9 when the name
  agrees but the postcode belongs to another commune, 0.85 when no commune is given (0.8 of
  that again when several communes have the street).
- ``rue`` / ``lieudit``: the same without a number, or x 0.9 when the number asked is not known
  on that street (the street is returned, not an interpolated position: the index only knows
  points, and a point guessed between two of them could fall on the wrong side of a QPV
  boundary; the radius says how far the street goes).
- ``commune``: 1 x the commune agreement for a query that is only a commune's name, 0.4 x
  that agreement when its street words matched no street (an invented street); it is the
  answer when it scores more than every street (a street scoring under 0.55 is no answer).

So a caller can use one threshold (0.8, as integrators do with the BAN's score): an exact or
one-typo match is above it, a fabricated street is under it or comes back as a commune.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from quartiers.geocoding import kernels
from quartiers.geocoding.build import REP_CODES
from quartiers.geocoding.result import GeocodeResult
from quartiers.geocoding.store import AddressIndex, read_index
from quartiers.geocoding.text import parse

_KERNEL_ARRAYS = (
    "tok_w", "tok_kind", "voc_bytes", "voc_ptr", "st_tok_ptr", "st_tok", "st_wsum", "st_commune",
    "st_num_ptr", "nb_num", "nb_rep", "nm_tok_ptr", "nm_tok", "nm_wsum", "nm_commune",
    "cm_nm_ptr", "cm_st_ptr", "cm_voc_ptr", "cm_voc", "cm_arr", "pc_value", "pc_ptr",
    "pc_commune", "tc_ptr", "tc_name", "ts_ptr", "ts_street", "cmvoc",
)
#: Queries per thread below which a batch is not split.
SPLIT_MIN = 2_000


class EmbeddedGeocoder:
    """Geocoder over an index folder (memory-mapped). Thread-safe: the index is read-only
    and every call has its own scratch memory."""

    def __init__(self, index: AddressIndex | str | Path, workers: int = 2) -> None:
        self.index = index if isinstance(index, AddressIndex) else read_index(index)
        self.workers = max(1, workers)
        ix = self.index
        self._ix = tuple(np.asarray(ix.arrays[name]) for name in _KERNEL_ARRAYS)
        self._lock = threading.Lock()
        self._vocab: dict[str, int] | None = None
        self._commune_of_code: dict[str, int] | None = None

    @property
    def meta(self) -> dict[str, Any]:
        return self.index.meta

    def _lookups(self) -> tuple[dict[str, int], dict[str, int]]:
        with self._lock:
            if self._vocab is None:
                words = self.index.texts["vocab"].to_pylist()
                self._vocab = {w: i for i, w in enumerate(words)}
                codes = self.index.texts["cm_code"].to_pylist()
                self._commune_of_code = {c: i for i, c in enumerate(codes)}
            assert self._commune_of_code is not None
            return self._vocab, self._commune_of_code

    # -- queries ------------------------------------------------------------------------------

    def _run(self, queries: Sequence[str | None] | pa.Array, limit: int,
             autocomplete: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        vocab, commune_of_code = self._lookups()
        parsed = parse(queries)
        n = len(parsed.number)
        flat = pc.list_flatten(parsed.tokens).cast(pa.string())
        q_ptr = np.asarray(parsed.tokens.offsets).astype(np.int64)
        q_ptr = q_ptr - q_ptr[0]
        if len(flat):
            enc = flat.dictionary_encode()
            ids = np.array([vocab.get(w, -1) for w in enc.dictionary.to_pylist()],
                           dtype=np.int32)
            q_tok = ids[enc.indices.to_numpy(zero_copy_only=False)]
        else:
            q_tok = np.zeros(0, dtype=np.int32)
        flat = pa.concat_arrays([flat]) if len(flat) else pa.array([""], pa.string())
        offsets = np.frombuffer(flat.buffers()[1], dtype=np.int32)[
            flat.offset: flat.offset + len(flat) + 1].astype(np.int64)
        data = flat.buffers()[2]
        q_bytes = (np.frombuffer(data, dtype=np.uint8) if data is not None
                   else np.zeros(1, np.uint8))
        q_arr = np.array([commune_of_code.get(c, -1) if c else -1
                          for c in parsed.arrondissement], dtype=np.int64)
        q_rep = np.array([REP_CODES.index(r) if r in REP_CODES else 0 for r in parsed.rep],
                         dtype=np.int8) if n else np.zeros(0, np.int8)
        out_kind = np.full((n, limit), -1, dtype=np.int64)
        out_idx = np.full((n, limit), -1, dtype=np.int64)
        out_score = np.zeros((n, limit), dtype=np.float64)
        args = (self._ix, q_ptr, q_tok, q_bytes, offsets, parsed.number.astype(np.int64),
                q_rep, parsed.postcode.astype(np.int64), q_arr,
                parsed.street_end.astype(np.int64))
        parts = min(self.workers, max(1, n // SPLIT_MIN))
        bounds = np.linspace(0, n, parts + 1).astype(np.int64)
        if parts == 1:
            kernels.match(*args, 0, n, autocomplete, out_kind, out_idx, out_score)
        else:
            with ThreadPoolExecutor(parts) as pool:
                jobs = [pool.submit(kernels.match, *args, int(bounds[k]), int(bounds[k + 1]),
                                    autocomplete, out_kind, out_idx, out_score)
                        for k in range(parts)]
                for job in jobs:
                    job.result()
        return out_kind, out_idx, out_score

    def geocode(self, queries: Sequence[str | None] | pa.Array) -> GeocodeResult:
        """Best answer to each free-text query (vectorised; two threads on big batches)."""
        kind, idx, score = self._run(queries, 1, False)
        return self._answers(kind[:, 0], idx[:, 0], score[:, 0])

    def search(self, text: str, limit: int = 5) -> list[dict[str, Any]]:
        """Suggestions for a text being typed, best first (the last word may be a prefix)."""
        kind, idx, score = self._run([text], max(1, limit), True)
        res = self._answers(kind[0], idx[0], score[0])
        return [res.row(i) for i in range(len(res)) if res.score[i] > 0]

    # -- answers ------------------------------------------------------------------------------

    def _answers(self, kind: np.ndarray, idx: np.ndarray, score: np.ndarray) -> GeocodeResult:
        ix = self.index.arrays
        tx = self.index.texts
        n = len(kind)
        out = GeocodeResult.empty(n)
        is_nb = kind == kernels.KIND_NUMERO
        is_st = kind == kernels.KIND_STREET
        is_cm = kind == kernels.KIND_COMMUNE
        nb = np.where(is_nb, idx, 0)
        street = np.where(is_st, idx, 0)
        if is_nb.any():
            street = np.where(is_nb, np.searchsorted(ix["st_num_ptr"], nb, side="right") - 1,
                              street)
        has_street = is_nb | is_st
        commune = np.where(is_cm, idx, 0)
        if len(ix["st_commune"]):
            commune = np.where(has_street, np.asarray(ix["st_commune"])[street], commune)
        take = _taker(n)
        lat = np.where(is_nb, take(ix["nb_lat"], nb), np.where(
            is_st, take(ix["st_lat"], street), take(ix["cm_lat"], commune)))
        lon = np.where(is_nb, take(ix["nb_lon"], nb), np.where(
            is_st, take(ix["st_lon"], street), take(ix["cm_lon"], commune)))
        radius = np.where(is_nb, 0.0, np.where(
            is_st, take(ix["st_radius"], street), take(ix["cm_radius"], commune)))
        postcode = np.where(is_nb, take(ix["nb_postcode"], nb), np.where(
            is_st, take(ix["st_postcode"], street), take(ix["cm_postcode"], commune)))
        found = is_nb | is_st | is_cm
        out.lat[:] = np.where(found, lat, np.nan)
        out.lon[:] = np.where(found, lon, np.nan)
        out.radius_m[:] = np.where(found, radius, np.nan)
        out.score[:] = np.where(found, np.round(score, 4), 0.0)
        if not found.any():
            return out
        pc_text = pc.utf8_lpad(pc.cast(pa.array(postcode.astype(np.int64)), pa.string()), 5, "0")
        pc_text = pc.if_else(pa.array(postcode >= 0), pc_text, pa.nulls(n, pa.string()))
        city = _take_text(tx["cm_name"], commune)
        code = _take_text(tx["cm_code"], commune)
        street_label = _take_text(tx["st_label"], street) if len(tx["st_label"]) else \
            pa.nulls(n, pa.string())
        nums = pc.cast(pa.array(take(ix["nb_num"], nb).astype(np.int64)), pa.string())
        reps = pa.array(np.array(REP_CODES, dtype=object)[take(ix["nb_rep"], nb).astype(int)]
                        if len(ix["nb_rep"]) else np.full(n, "", dtype=object), pa.string())
        reps = pc.if_else(pc.equal(reps, ""), pa.nulls(n, pa.string()), reps)
        null = pa.nulls(n, pa.string())
        is_nb_a, is_st_a = pa.array(is_nb), pa.array(has_street)
        label = pc.binary_join_element_wise(
            pc.if_else(is_nb_a, nums, null), pc.if_else(is_nb_a, reps, null),
            pc.if_else(is_st_a, street_label, null), pc.if_else(is_st_a, pc_text, null), city,
            " ", null_handling="skip")
        st_kind = take(ix["st_kind"], street)
        types = np.where(is_nb, "numero", np.where(
            is_st, np.where(st_kind == 1, "lieudit", "rue"), "commune")).astype(object)
        f = found
        out.label[f] = np.asarray(label.to_numpy(zero_copy_only=False), dtype=object)[f]
        out.type[f] = types[f]
        out.citycode[f] = np.asarray(code.to_numpy(zero_copy_only=False), dtype=object)[f]
        out.postcode[f] = np.asarray(pc_text.to_numpy(zero_copy_only=False), dtype=object)[f]
        out.city[f] = np.asarray(city.to_numpy(zero_copy_only=False), dtype=object)[f]
        return out


def _taker(n: int):
    def take(arr: np.ndarray, index: np.ndarray) -> np.ndarray:
        arr = np.asarray(arr)
        if len(arr) == 0:
            return np.zeros(n, dtype=arr.dtype)
        return arr[np.clip(index, 0, len(arr) - 1)]
    return take


def _take_text(arr: pa.Array, index: np.ndarray) -> pa.Array:
    if len(arr) == 0:
        return pa.nulls(len(index), pa.string())
    return arr.take(pa.array(np.clip(index, 0, len(arr) - 1)))
