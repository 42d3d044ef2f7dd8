"""A whole file through the lookup, in chunks: constant memory, atomic output, errors file.

Every input row comes out once: in the output (its columns unchanged, plus ``commune`` and
the answer columns of each perimeter list — ``inconnu`` with its reason included, for
unusable coordinates as for addresses not found) or, when the line itself cannot be read
(wrong number of fields, unclosed quote...), in the errors file with its line number. The
:class:`Summary` counts both. The output and the errors file appear only when the run
completes: a fatal error or an interruption leaves no partial file.

Points come from coordinate columns, or from address columns geocoded on the way
(:mod:`quartiers.geocoding`; columns ``geocodage_lat``, ``geocodage_lon``,
``geocodage_score``, ``geocodage_libelle``, ``geocodage_type`` are added).
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from quartiers.eligibility import answers, coords
from quartiers.eligibility.api import (
    PLACE_COLUMNS,
    RESULT_COLUMNS,
    Checker,
    answer_points,
    detect_address_columns,
    detect_columns,
    prepare,
)
from quartiers.eligibility.writers import open_writer, output_format
from quartiers.errors import QuartiersError
from quartiers.io.atomic import atomic_path
from quartiers.io.limits import ReadLimits
from quartiers.io.readers import Chunk, open_table

_NUMBER = r"^[-+]?(\d+([.]\d*)?|[.]\d+)([eE][-+]?\d+)?$"
ERROR_COLUMNS = ("ligne", "motif", "contenu")
GEOCODING_COLUMNS = ("geocodage_lat", "geocodage_lon", "geocodage_score",
                     "geocodage_libelle", "geocodage_type")
_FLOATS = ("distance_m", "distance_proche_m", "geocodage_lat", "geocodage_lon",
           "geocodage_score")

Progress = Callable[[int, int, int], None]  # done, total, rows so far


@dataclass
class Summary:
    """What a run did, for the CLI's closing lines, the web jobs and the tests."""

    entree: str
    sortie: str
    erreurs: str | None
    crs: str
    colonnes: tuple[str, ...]
    mode: str = "coordonnées"  # or "adresses"
    lignes: int = 0
    ecrites: int = 0
    rejetees: int = 0
    statuts: dict[str, Counter] = field(default_factory=dict)  # per list suffix
    dans_qpv: dict[str, int] = field(default_factory=dict)
    proches: dict[str, int] = field(default_factory=dict)
    motifs: Counter = field(default_factory=Counter)  # unreadable lines and inconnu reasons
    couvertures: dict[str, str] = field(default_factory=dict)
    encodage: str = ""
    secondes: float = 0.0


def numbers(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Floats (comma decimals accepted) and a "not a number" mask (empty cells are NaN,
    not errors)."""
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


def arrow_columns(cols: dict[str, Any]) -> dict[str, pa.Array]:
    """Answer columns as typed Arrow arrays: floats, nullable booleans, strings."""
    out = {}
    for name, v in cols.items():
        if name.startswith("_") or name == "erreur":
            continue
        base = name.rsplit("_", 1)[0] if name[-4:].isdigit() else name
        if name.startswith(_FLOATS) or base in _FLOATS:
            v = np.asarray(v, dtype=np.float64)
            out[name] = pa.array(v, type=pa.float64(), mask=np.isnan(v))
        elif name.startswith(("dans_qpv", "bande_")):
            known = v != None  # noqa: E711
            out[name] = pa.array(np.where(known, v, False).astype(bool), type=pa.bool_(),
                                 mask=~known)
        else:
            out[name] = pa.array(v, type=pa.string())
    return out


def place_column(columns: Sequence[str]) -> str:
    """The name of the added commune column: ``commune``, or ``commune_insee`` when the input
    already has a ``commune`` column (an address file's, kept as it is)."""
    taken = {str(c).strip().lower() for c in columns}
    return PLACE_COLUMNS[0] if PLACE_COLUMNS[0] not in taken else "commune_insee"


def default_errors_path(sortie: Path) -> Path:
    return sortie.with_name(f"{sortie.stem}_erreurs.csv")


@dataclass
class _Points:
    """How a chunk's rows become places: coordinate columns or address columns."""

    x: str | None = None
    y: str | None = None
    crs: str = ""
    address: tuple[str, ...] = ()
    geocoder: Any = None
    commune: str = "commune"

    @property
    def columns(self) -> tuple[str, ...]:
        return self.address if self.address else (str(self.x), str(self.y))


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
    address: Sequence[str] | str | None = None,
    geocoder: Any = None,
    separator: str | None = None,
    chunk_rows: int = 500_000,
    block_bytes: int = 16 << 20,
    progress: Progress | None = None,
    limits: ReadLimits | None = None,
    name: str | None = None,
    bom: bool = False,
) -> Summary:
    """Answer every row of ``entree`` and write ``sortie`` (and the errors file).

    ``checkers``: (column suffix, checker) pairs, one per perimeter list (suffix ``""`` for
    a single list). ``address``: the address columns (one free-text column, or several
    joined in order: number and street, postcode, commune), geocoded by ``geocoder``
    (:func:`quartiers.geocoding.open_geocoder`), or ``"auto"`` (coordinate columns when
    there are some, else the address columns recognised by their names); otherwise
    coordinate columns (detected, or ``x``/``y``). Without ``erreurs`` the errors file is
    ``<sortie>_erreurs.csv`` and is written only when lines could not be read. ``limits``
    bound the reading of ``entree`` (the command line's by default); ``name`` is the name
    the user gave it (web uploads); ``bom`` starts a CSV output with a UTF-8 byte-order mark
    (for spreadsheet programs).
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
    points = _points(source.columns, x, y, crs, address, geocoder)
    points.commune = place_column(source.columns)
    added = [points.commune, *(GEOCODING_COLUMNS if points.address else ())]
    added += [c + suffix for suffix, _ in checkers for c in RESULT_COLUMNS]
    clash = [c for c in added if c in set(source.columns)]
    if clash:
        raise QuartiersError(
            f"l'entrée contient déjà les colonnes de résultat {', '.join(clash)} : "
            "renommez-les ou retirez-les", fichier=name or entree,
        )
    errors_path = Path(erreurs) if erreurs else default_errors_path(sortie)
    summary = Summary(str(entree), str(sortie), None, points.crs, points.columns,
                      "adresses" if points.address else "coordonnées")
    for suffix, chk in checkers:
        summary.statuts[suffix] = Counter()
        summary.dans_qpv[suffix] = 0
        summary.proches[suffix] = 0
        cov = chk.perimeters.coverage
        summary.couvertures[suffix] = cov.describe if cov is not None else "aucune"
    sep = source.separator or ";"  # a workbook's rows: the separator French Excel expects
    with atomic_path(errors_path) as err_tmp, atomic_path(sortie) as out_tmp:
        with open(err_tmp, "w", encoding="utf-8", newline="") as err_fh:
            err_csv = csv.writer(err_fh, delimiter=sep if sep != "\t" else ",")
            err_csv.writerow(ERROR_COLUMNS)
            writer = open_writer(out_tmp, fmt, sep, bom=bom)
            try:
                wrote = False
                for chunk in source:
                    out = _process(chunk, points, summary, checkers, tolerance, err_csv)
                    writer.write(out)
                    wrote = True
                    if progress:
                        progress(chunk.done, source.total, summary.lignes)
                if not wrote:  # no data row: header only
                    empty = pa.table({c: pa.array([], pa.string()) for c in source.columns})
                    writer.write(_process(Chunk(empty, np.zeros(0, np.int64)), points,
                                          summary, checkers, tolerance, err_csv))
            finally:
                writer.close()
        if not (summary.rejetees or erreurs):
            err_tmp.unlink()
    if summary.rejetees or erreurs:
        summary.erreurs = str(errors_path)
    elif errors_path.exists():  # the errors of the result this run replaced
        errors_path.unlink()
    summary.encodage = getattr(source, "encoding", "")
    summary.secondes = time.perf_counter() - t0
    return summary


def _points(columns: list[str], x: str | None, y: str | None, crs: str,
            address: Sequence[str] | str | None, geocoder: Any) -> _Points:
    """Coordinate or address columns. ``address="auto"``: coordinates when the columns are
    there, else the address columns recognised by their names."""
    if address == "auto":
        try:
            return _points(columns, x, y, crs, None, geocoder)
        except QuartiersError:
            found = detect_address_columns(columns)
            if found is None:
                raise
            address = found
    if address:
        missing = [c for c in address if c not in columns]
        if missing:
            raise QuartiersError(
                f"colonne d'adresse « {missing[0]} » absente ; colonnes présentes : "
                f"{', '.join(columns)}", champ="--adresse")
        if geocoder is None:
            raise QuartiersError("aucun géocodeur pour les adresses", champ="--adresse")
        if not hasattr(geocoder, "geocode"):  # a factory: open it only when needed
            geocoder = geocoder()
        return _Points(address=tuple(address), geocoder=geocoder, crs=coords.INPUT_WGS84)
    try:
        cx, cy, hint = detect_columns(columns, x, y)
    except QuartiersError as e:
        found = detect_address_columns(columns)
        if found is not None and x is None and y is None:
            raise QuartiersError(
                f"{e.message} ; ce fichier semble contenir des adresses : "
                f"--adresse {','.join(found)}") from None
        raise
    fixed = None if crs == "auto" else coords.normalise_crs(crs)
    return _Points(cx, cy, fixed or hint or "")


def _process(
    chunk: Chunk, points: _Points, summary: Summary,
    checkers: Sequence[tuple[str, Checker]], tolerance: float, err_csv: Any,
) -> pa.Table:
    table = chunk.table
    n = table.num_rows
    summary.lignes += n + len(chunk.unreadable)
    if chunk.unreadable:
        summary.motifs["ligne illisible"] += len(chunk.unreadable)
        summary.rejetees += len(chunk.unreadable)
        err_csv.writerows(chunk.unreadable)
    first = checkers[0][1]
    if points.address:
        place, extra = _geocode(table, points, first)
    else:
        place, extra = _coordinates(table, points, summary, first), {}
    cols = answer_points(place.x, place.y, checkers, crs=coords.INPUT_LAMBERT93,
                         tolerance=tolerance, place=place)
    for suffix, _ in checkers:
        statut = cols["statut" + suffix]
        summary.statuts[suffix].update(Counter(statut.tolist()))
        summary.dans_qpv[suffix] += int((cols["qpv_code" + suffix] != None).sum())  # noqa: E711
        summary.proches[suffix] += int((cols["qpv_proche" + suffix] != None).sum())  # noqa: E711
        cat = cols["_categorie" + suffix]
        for code, count in zip(*np.unique(cat[statut == answers.INCONNU],
                                          return_counts=True), strict=True):
            if code:
                summary.motifs[answers.MOTIFS[int(code)]] += int(count)
    arrays = arrow_columns({points.commune: cols["commune"], **extra,
                            **{k: v for k, v in cols.items() if k != "commune"}})
    for column_name, arr in arrays.items():
        table = table.append_column(column_name, arr)
    summary.ecrites += n
    return table


def _coordinates(table: pa.Table, points: _Points, summary: Summary,
                 chk: Checker) -> answers.Place:
    a, bad_a = numbers(table.column(points.x))
    b, bad_b = numbers(table.column(points.y))
    if summary.crs == "":
        summary.crs = points.crs = coords.guess_crs(a, b)
    crs = points.crs
    x, y, code = prepare(a, b, crs)
    reason = np.full(len(a), None, dtype=object)
    bad = np.flatnonzero((code != coords.OK) | bad_a | bad_b)
    if bad.size:
        raw_a = table.column(points.x).take(pa.array(bad)).to_pylist()
        raw_b = table.column(points.y).take(pa.array(bad)).to_pylist()
        texts = []
        for k, i in enumerate(bad):  # the rows whose coordinates cannot be used only
            if bad_a[i] or bad_b[i]:
                col, raw = (points.x, raw_a[k]) if bad_a[i] else (points.y, raw_b[k])
                texts.append(f"valeur non numérique « {raw} » (colonne « {col} »)")
            else:
                texts.append(coords.reason(int(code[i]), crs, a[i], b[i]))
        reason[bad] = ["coordonnées inutilisables : " + t for t in texts]
        x[bad] = np.nan
        y[bad] = np.nan
    return chk.locate(x, y, reason)


def _geocode(table: pa.Table, points: _Points,
             chk: Checker) -> tuple[answers.Place, dict[str, Any]]:
    from quartiers.eligibility.addresses import place_addresses

    parts = [pc.fill_null(pc.utf8_trim_whitespace(pc.cast(table.column(c), pa.string())), "")
             for c in points.address]
    if len(parts) == 1:
        text = parts[0]
    else:
        text = pc.utf8_trim_whitespace(pc.binary_join_element_wise(*parts, " "))
    queries = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    return place_addresses(queries, points.geocoder, chk)
