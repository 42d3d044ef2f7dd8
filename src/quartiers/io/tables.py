"""Reading user tables (CSV, Parquet, GeoPackage) as pyarrow tables of strings.

Values are kept as text so that every conversion error can be reported with its line and
field (see :func:`to_float`).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from quartiers.errors import QuartiersError

SEPARATORS = (",", ";", "\t", "|")
_NUMBER = r"^\s*[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?\s*$"


def _head(path: Path, size: int = 65536) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(size)


def sniff_encoding(path: Path) -> str:
    """``utf-8`` when the head decodes as UTF-8, else ``latin-1``."""
    head = _head(path)
    if b"\x00" in head:
        raise QuartiersError("le fichier n'est pas un fichier texte (CSV)", fichier=path)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # a multi-byte character cut at the end of the buffer is not an error
        if e.start < len(head) - 4:
            return "latin-1"
    return "utf-8"


def sniff_separator(path: Path, encoding: str) -> str:
    """The separator among ``, ; tab |`` that splits the header into the most fields."""
    first = _head(path).decode(encoding, errors="replace").splitlines()
    if not first or not first[0].strip():
        raise QuartiersError("le fichier est vide", fichier=path, ligne=1)
    header = first[0]
    counts = {sep: len(next(csv.reader([header], delimiter=sep))) for sep in SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best


def read_csv_text(path: Path, separator: str | None = None) -> pa.Table:
    """Read a CSV file with every column as text (nulls for empty cells)."""
    encoding = sniff_encoding(path)
    sep = separator or sniff_separator(path, encoding)
    try:
        header = next(
            csv.reader(
                [_head(path).decode(encoding, errors="replace").splitlines()[0]], delimiter=sep
            )
        )
        header = [h.strip().lstrip("\ufeff") for h in header]
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding=encoding, column_names=header, skip_rows=1, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as e:
        raise QuartiersError(
            _arrow_csv_message(str(e)), fichier=path, ligne=_bad_line(path, encoding, sep)
        ) from None
    return table


def _bad_line(path: Path, encoding: str, sep: str) -> int | None:
    """Number of the first line whose field count differs from the header's (error path)."""
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        rows = csv.reader(fh, delimiter=sep)
        expected = len(next(rows, []))
        for number, row in enumerate(rows, start=2):
            if row and len(row) != expected:
                return number
    return None


def _arrow_csv_message(text: str) -> str:
    if "Expected" in text and "columns" in text:
        return f"nombre de colonnes incohérent ({text.splitlines()[0]})"
    return f"fichier CSV illisible ({text.splitlines()[0]})"


def read_table(path: str | Path) -> pa.Table:
    """Read CSV, Parquet or GeoPackage attributes as a table (geometry dropped)."""
    path = Path(path)
    if not path.exists():
        raise QuartiersError("fichier introuvable", fichier=path)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".geoparquet"):
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as e:
            raise QuartiersError(
                f"ce n'est pas un fichier Parquet valide ({e})", fichier=path
            ) from None
        return table.drop_columns([c for c in table.column_names if c == "geometry"])
    if suffix == ".gpkg":
        import pyogrio

        try:
            _meta, table = pyogrio.read_arrow(path, read_geometry=False)
        except Exception as e:  # pyogrio raises DataSourceError and others
            raise QuartiersError(
                f"ce n'est pas un GeoPackage valide ({e})", fichier=path
            ) from None
        return table
    return read_csv_text(path)


def normalise_names(table: pa.Table) -> dict[str, str]:
    """Map lower-case column names to the table's actual names."""
    return {name.strip().lower(): name for name in table.column_names}


def to_float(
    table: pa.Table,
    column: str,
    path: Path,
    *,
    required: bool = True,
    minimum: float | None = None,
) -> np.ndarray:
    """Convert a column to float64, reporting the first bad value with its line."""
    col = table.column(column)
    if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
        values = col.cast(pa.float64()).to_numpy(zero_copy_only=False)
    else:
        text = pc.cast(col, pa.string())
        ok = pc.match_substring_regex(text, _NUMBER)
        bad = pc.and_(pc.is_valid(text), pc.invert(ok))
        if pc.any(bad).as_py():
            idx = int(np.flatnonzero(bad.to_numpy(zero_copy_only=False))[0])
            raise QuartiersError(
                f"valeur « {text[idx].as_py()} » non numérique",
                fichier=path,
                ligne=idx + 2,
                champ=column,
            )
        text = pc.replace_substring(pc.utf8_trim_whitespace(text), ",", ".")
        values = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    values = np.asarray(values, dtype=np.float64)
    missing = np.isnan(values)
    if required and missing.any():
        idx = int(np.flatnonzero(missing)[0])
        raise QuartiersError("valeur manquante", fichier=path, ligne=idx + 2, champ=column)
    if minimum is not None:
        below = values < minimum
        if below.any():
            idx = int(np.flatnonzero(below)[0])
            raise QuartiersError(
                f"valeur {values[idx]:g} négative ou trop petite (minimum {minimum:g})",
                fichier=path,
                ligne=idx + 2,
                champ=column,
            )
    return values
