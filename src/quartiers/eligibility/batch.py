"""A whole file through the lookup, in chunks: constant memory, atomic output, errors file.

Every input row either reaches the output (its columns unchanged, plus the result columns of
each perimeter set) or the errors file (line number, reason in French, the row's content);
the :class:`Summary` counts both. The output and the errors file appear only when the run
completes: a fatal error or an interruption leaves no partial file.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from quartiers.eligibility import coords
from quartiers.eligibility.api import RESULT_COLUMNS, Checker, detect_columns, prepare
from quartiers.eligibility.writers import open_writer, output_format
from quartiers.errors import QuartiersError
from quartiers.io.atomic import atomic_path
from quartiers.io.limits import ReadLimits
from quartiers.io.readers import Chunk, open_table

_NUMBER = r"^[-+]?(\d+([.]\d*)?|[.]\d+)([eE][-+]?\d+)?$"
ERROR_COLUMNS = ("ligne", "motif", "contenu")

Progress = Callable[[int, int, int], None]  # done, total, rows so far


@dataclass
class Summary:
    """What a run did, for the CLI's closing lines and for tests."""

    entree: str
    sortie: str
    erreurs: str | None
    crs: str
    colonnes: tuple[str, str]
    lignes: int = 0
    ecrites: int = 0
    rejetees: int = 0
    dans_qpv: dict[str, int] = field(default_factory=dict)
    proches: dict[str, int] = field(default_factory=dict)
    motifs: Counter = field(default_factory=Counter)
    secondes: float = 0.0


def _numbers(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Floats and a "not a number" mask (empty cells are NaN, not errors)."""
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        values = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
        return np.asarray(values, dtype=np.float64), np.zeros(len(values), dtype=bool)
    text = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
    text = pc.replace_substring(text, ",", ".")
    ok = pc.match_substring_regex(text, _NUMBER)
    empty = pc.equal(pc.utf8_length(text), 0)
    good = pc.fill_null(ok, False).to_numpy(zero_copy_only=False)
    blank = pc.fill_null(empty, True).to_numpy(zero_copy_only=False)
    values = np.full(len(good), np.nan)
    if good.any():
        values[good] = pc.cast(pc.filter(text, pa.array(good)), pa.float64()).to_numpy(
            zero_copy_only=False
        )
    return values, ~good & ~blank


def _result_arrays(cols: dict, suffix: str) -> dict[str, pa.Array]:
    out = {}
    for name in RESULT_COLUMNS:
        v = cols[name]
        if name in ("distance_m", "distance_proche_m"):
            arr = pa.array(v, type=pa.float64(), mask=np.isnan(v))
        elif name == "dans_qpv":
            arr = pa.array(v, type=pa.bool_())
        else:
            arr = pa.array(v, type=pa.string())
        out[name + suffix] = arr
    return out


def default_errors_path(sortie: Path) -> Path:
    return sortie.with_name(f"{sortie.stem}_erreurs.csv")


def verify_file(
    entree: str | Path,
    sortie: str | Path,
    checkers: Sequence[tuple[str, Checker]],
    *,
    erreurs: str | Path | None = None,
    tolerance: float = 0.0,
    x: str | None = None,
    y: str | None = None,
    crs: str = "auto",
    separator: str | None = None,
    chunk_rows: int = 500_000,
    block_bytes: int = 16 << 20,
    progress: Progress | None = None,
    limits: ReadLimits | None = None,
    name: str | None = None,
) -> Summary:
    """Look up every row of ``entree`` and write ``sortie`` (and the errors file).

    ``checkers``: (column suffix, checker) pairs, one per perimeter set (suffix ``""`` for
    a single set). Without ``erreurs`` the errors file is ``<sortie>_erreurs.csv`` and is
    written only when rows were rejected. ``limits`` bound the reading of ``entree`` (the
    command line's by default); ``name`` is the name the user gave it (web uploads).
    """
    t0 = time.perf_counter()
    entree, sortie = Path(entree), Path(sortie)
    if not tolerance >= 0:
        raise QuartiersError("la tolérance doit être un nombre de mètres positif ou nul",
                             champ="--tolerance")
    fmt = output_format(sortie)
    if sortie.resolve() == entree.resolve():
        raise QuartiersError("la sortie ne peut pas remplacer le fichier d'entrée",
                             fichier=sortie, champ="--sortie")
    source = open_table(entree, separator=separator, chunk_rows=chunk_rows,
                        block_bytes=block_bytes, limits=limits, name=name)
    cx, cy, hint = detect_columns(source.columns, x, y)
    taken = set(source.columns)
    for suffix, _ in checkers:
        clash = [c + suffix for c in RESULT_COLUMNS if c + suffix in taken]
        if clash:
            raise QuartiersError(
                f"l'entrée contient déjà les colonnes de résultat {', '.join(clash)} : "
                "renommez-les ou retirez-les", fichier=entree,
            )
    fixed_crs = None if crs == "auto" else coords.normalise_crs(crs)
    errors_path = Path(erreurs) if erreurs else default_errors_path(sortie)
    summary = Summary(str(entree), str(sortie), None, fixed_crs or hint or "", (cx, cy))
    for suffix, _ in checkers:
        summary.dans_qpv[suffix] = 0
        summary.proches[suffix] = 0
    sep = source.separator or ";"  # a workbook's rows: the separator French Excel expects
    with atomic_path(errors_path) as err_tmp, atomic_path(sortie) as out_tmp:
        with open(err_tmp, "w", encoding="utf-8", newline="") as err_fh:
            err_csv = csv.writer(err_fh, delimiter=sep if sep != "\t" else ",")
            err_csv.writerow(ERROR_COLUMNS)
            writer = open_writer(out_tmp, fmt, sep)
            schema: pa.Schema | None = None
            try:
                for chunk in source:
                    if summary.crs == "":
                        a, b = _numbers(chunk.table.column(cx))[0], _numbers(
                            chunk.table.column(cy))[0]
                        summary.crs = coords.guess_crs(a, b)
                    out = _process(chunk, cx, cy, summary, checkers, tolerance, sep, err_csv)
                    if schema is None:
                        schema = out.schema
                    writer.write(out)
                    if progress:
                        progress(chunk.done, source.total, summary.lignes)
                if schema is None:  # no data row: header only
                    empty = {c: pa.array([], type=pa.string()) for c in source.columns}
                    for suffix, chk in checkers:
                        cols = chk.columns(np.zeros(0), np.zeros(0), tolerance)
                        empty.update(_result_arrays(cols, suffix))
                    writer.write(pa.table(empty))
            finally:
                writer.close()
        if not (summary.rejetees or erreurs):
            err_tmp.unlink()
    if summary.rejetees or erreurs:
        summary.erreurs = str(errors_path)
    elif errors_path.exists():  # the errors of the result this run replaced
        errors_path.unlink()
    summary.secondes = time.perf_counter() - t0
    return summary


def _process(
    chunk: Chunk, cx: str, cy: str, summary: Summary, checkers: Sequence[tuple[str, Checker]],
    tolerance: float, sep: str, err_csv,
) -> pa.Table:
    table = chunk.table
    n = table.num_rows
    summary.lignes += n + len(chunk.unreadable)
    errors: list[tuple[int, str, str]] = list(chunk.unreadable)
    if chunk.unreadable:
        summary.motifs["ligne illisible"] += len(chunk.unreadable)
    summary.rejetees += len(chunk.unreadable)
    a, bad_a = _numbers(table.column(cx))
    b, bad_b = _numbers(table.column(cy))
    x, y, code = prepare(a, b, summary.crs)
    rejected = np.flatnonzero(bad_a | bad_b | (code != coords.OK))
    if rejected.size:
        rows = table.take(pa.array(rejected)).to_pylist()
        for i, row in zip(rejected, rows, strict=True):  # rejected rows only
            if bad_a[i] or bad_b[i]:
                col = cx if bad_a[i] else cy
                motif = f"valeur non numérique « {row[col]} » (colonne « {col} »)"
                summary.motifs["valeur non numérique"] += 1
            else:
                motif = coords.reason(int(code[i]), summary.crs, a[i], b[i])
                summary.motifs[motif.split(" (")[0]] += 1
            content = sep.join("" if v is None else str(v) for v in row.values())
            errors.append((int(chunk.lines[i]), motif, content))
        summary.rejetees += len(rejected)
        keep = np.ones(n, dtype=bool)
        keep[rejected] = False
        table = table.filter(pa.array(keep))
        x, y = x[keep], y[keep]
    err_csv.writerows(sorted(errors))
    for suffix, chk in checkers:
        cols = chk.columns(x, y, tolerance)
        summary.dans_qpv[suffix] += int(cols["dans_qpv"].sum())
        summary.proches[suffix] += int((cols["qpv_proche"] != None).sum())  # noqa: E711
        for name, arr in _result_arrays(cols, suffix).items():
            table = table.append_column(name, arr)
    summary.ecrites += table.num_rows
    return table
