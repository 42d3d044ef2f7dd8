"""Streamed readers for the lookup input: CSV (any separator, UTF-8 or Latin-1), Parquet, XLSX.

Each reader yields :class:`Chunk` objects: the rows as a pyarrow table with the input columns
unchanged (CSV and XLSX values kept as text, so ``01000`` stays ``01000``), the line number of
every row, and the lines that could not be parsed at all. Memory stays bounded by the chunk
size whatever the file size (XLSX excepted: a sheet is at most 1 048 576 rows).

Line numbers are those a user sees: for CSV the physical line in the file (header = line 1;
fields containing line breaks are not supported), for XLSX the spreadsheet row, for Parquet
the row number starting at 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from quartiers.errors import QuartiersError
from quartiers.io.tables import SEPARATORS, sniff_encoding

BLOCK_BYTES = 16 << 20


@dataclass
class Chunk:
    """Rows of the input with their line numbers, and the unreadable lines."""

    table: pa.Table
    lines: np.ndarray
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)  # line, reason, text
    done: int = 0  # progress, in the source's unit (bytes or rows)


class Source:
    """An opened input: its columns, its size for the progress bar, its chunks."""

    kind = ""
    columns: list[str]
    total: int = 0
    unit: str = "lignes"
    separator: str | None = None

    def __iter__(self) -> Iterator[Chunk]:  # pragma: no cover - interface
        raise NotImplementedError


def open_source(
    path: str | Path, *, separator: str | None = None, chunk_rows: int = 500_000,
    block_bytes: int = BLOCK_BYTES,
) -> Source:
    """Open ``path`` by its extension: ``.parquet``, ``.xlsx``, otherwise CSV."""
    path = Path(path)
    if not path.exists():
        raise QuartiersError("fichier d'entrée introuvable", fichier=path)
    if path.is_dir():
        raise QuartiersError("l'entrée est un dossier, pas un fichier", fichier=path)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".geoparquet", ".pq"):
        return ParquetSource(path, chunk_rows)
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return XlsxSource(path, chunk_rows)
    return CsvSource(path, separator, block_bytes)


class CsvSource(Source):
    kind = "csv"
    unit = "octets"

    def __init__(self, path: Path, separator: str | None, block_bytes: int) -> None:
        self.path = path
        self.block_bytes = max(int(block_bytes), 1024)
        self.total = path.stat().st_size
        if self.total == 0:
            raise QuartiersError("le fichier est vide", fichier=path, ligne=1)
        self.encoding = sniff_encoding(path)
        with open(path, "rb") as fh:
            first = fh.readline()
        self._header_bytes = len(first)
        header_text = first.decode(self.encoding, errors="replace").rstrip("\r\n")
        if not header_text.strip():
            raise QuartiersError("la première ligne (en-tête) est vide", fichier=path, ligne=1)
        if separator is not None:
            sep = {"tab": "\t", "\\t": "\t", "tabulation": "\t"}.get(separator, separator)
            if len(sep) != 1:
                raise QuartiersError("le séparateur doit être un seul caractère",
                                     champ="--separateur")
        else:
            counts = {s: len(next(csv.reader([header_text], delimiter=s))) for s in SEPARATORS}
            sep = max(counts, key=lambda s: counts[s])
        self.separator = sep
        names = [h.strip().lstrip("\ufeff") for h in next(csv.reader([header_text], delimiter=sep))]
        if any(not n for n in names):
            pos = next(i for i, n in enumerate(names) if not n) + 1
            raise QuartiersError(f"en-tête : la colonne n° {pos} n'a pas de nom",
                                 fichier=path, ligne=1)
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise QuartiersError(f"en-tête : colonnes en double ({', '.join(dup)})",
                                 fichier=path, ligne=1)
        self.columns = names

    def _blocks(self) -> Iterator[tuple[bytes, int]]:
        """Blocks of whole lines (bytes) and the bytes consumed so far."""
        with open(self.path, "rb") as fh:
            fh.seek(self._header_bytes)
            done = self._header_bytes
            rest = b""
            while True:
                data = fh.read(self.block_bytes)
                if not data:
                    if rest:
                        yield rest, done
                    return
                done += len(data)
                data = rest + data
                cut = data.rfind(b"\n")
                if cut < 0:
                    rest = data
                    continue
                rest = data[cut + 1 :]
                yield data[: cut + 1], done - len(rest)

    def __iter__(self) -> Iterator[Chunk]:
        line0 = 2  # first data line
        schema_types = {name: pa.string() for name in self.columns}
        for block, done in self._blocks():
            if self.encoding != "utf-8":
                block = block.decode(self.encoding).encode("utf-8")
            else:
                try:
                    block.decode("utf-8")
                except UnicodeDecodeError:  # a Latin-1 character after the sniffed head
                    block = block.decode("latin-1").encode("utf-8")
            raw = np.frombuffer(block, dtype=np.uint8)
            nl = np.flatnonzero(raw == 10)
            if len(block) and block[-1:] != b"\n":
                nl = np.append(nl, len(block))
            starts = np.r_[0, nl[:-1] + 1] if len(nl) else np.zeros(0, dtype=np.int64)
            length = nl - starts
            prev = np.where(length > 0, nl - 1, 0)
            cr = (length > 0) & (raw[prev] == 13) if len(raw) else length > 0
            empty = (length == 0) | ((length == 1) & cr)
            bad: list[tuple[str, int, int]] = []

            def handler(row: pacsv.InvalidRow, bad: list = bad) -> str:
                bad.append((row.text, row.expected_columns, row.actual_columns))
                return "skip"

            try:
                table = pacsv.read_csv(
                    io.BytesIO(block),
                    read_options=pacsv.ReadOptions(
                        column_names=self.columns, block_size=max(len(block), 1 << 20) + 16
                    ),
                    parse_options=pacsv.ParseOptions(
                        delimiter=self.separator, invalid_row_handler=handler
                    ),
                    convert_options=pacsv.ConvertOptions(
                        column_types=schema_types, strings_can_be_null=False
                    ),
                )
            except pa.ArrowInvalid as e:
                raise QuartiersError(
                    f"fichier CSV illisible ({str(e).splitlines()[0]})", fichier=self.path,
                    ligne=line0,
                ) from None
            line_ids = np.flatnonzero(~empty)
            unreadable: list[tuple[int, str, str]] = []
            if bad:
                drop = []
                pos = 0
                for text, expected, actual in bad:  # unreadable lines only
                    at = block.find(text.encode("utf-8"), pos)
                    if at < 0:
                        raise QuartiersError(
                            "structure CSV non prise en charge (retour à la ligne dans un "
                            "champ ?)", fichier=self.path,
                        )
                    k = int(np.searchsorted(starts, at, side="right") - 1)
                    drop.append(k)
                    pos = at + max(len(text), 1)
                    unreadable.append((
                        line0 + k,
                        f"ligne illisible : {actual} champ(s) au lieu de {expected}",
                        text,
                    ))
                line_ids = np.setdiff1d(line_ids, np.array(drop), assume_unique=True)
            if len(line_ids) != table.num_rows:
                raise QuartiersError(
                    "structure CSV non prise en charge (guillemets ou retour à la ligne dans "
                    "un champ ?)", fichier=self.path, ligne=line0,
                )
            yield Chunk(table, line0 + line_ids.astype(np.int64), unreadable, done)
            line0 += len(starts)


class ParquetSource(Source):
    kind = "parquet"

    def __init__(self, path: Path, chunk_rows: int) -> None:
        import pyarrow.parquet as pq

        try:
            self._file = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as e:
            raise QuartiersError(f"ce n'est pas un fichier Parquet valide ({e})",
                                 fichier=path) from None
        self.path = path
        self.chunk_rows = chunk_rows
        self.total = self._file.metadata.num_rows
        self.columns = [str(c) for c in self._file.schema_arrow.names]

    def __iter__(self) -> Iterator[Chunk]:
        first = 1
        for batch in self._file.iter_batches(batch_size=self.chunk_rows):
            table = pa.Table.from_batches([batch])
            n = table.num_rows
            yield Chunk(table, np.arange(first, first + n, dtype=np.int64), [], first + n - 1)
            first += n


class XlsxSource(Source):
    kind = "xlsx"

    def __init__(self, path: Path, chunk_rows: int) -> None:
        from python_calamine import CalamineWorkbook

        try:
            sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
            rows = sheet.to_python(skip_empty_area=False)
        except Exception as e:  # calamine raises its own error types
            raise QuartiersError(f"ce n'est pas un classeur lisible ({e})", fichier=path) from None
        if not rows or not any(str(v).strip() for v in rows[0]):
            raise QuartiersError("la première ligne (en-tête) est vide", fichier=path, ligne=1)
        header = [_cell_text(v).strip() for v in rows[0]]
        while header and not header[-1]:
            header.pop()
        if any(not h for h in header):
            pos = header.index("") + 1
            raise QuartiersError(f"en-tête : la colonne n° {pos} n'a pas de nom",
                                 fichier=path, ligne=1)
        self.path = path
        self.columns = header
        self._rows = rows[1:]
        self.total = len(self._rows)
        self.chunk_rows = chunk_rows

    def __iter__(self) -> Iterator[Chunk]:
        import pandas as pd

        width = len(self.columns)
        for start in range(0, len(self._rows), self.chunk_rows):
            part = [list(r[:width]) + [""] * (width - len(r)) for r in
                    self._rows[start : start + self.chunk_rows]]
            frame = pd.DataFrame(part, columns=self.columns, dtype=object)
            frame = frame.map(_cell_text)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            n = table.num_rows
            lines = np.arange(start + 2, start + 2 + n, dtype=np.int64)
            yield Chunk(table, lines, [], start + n)


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a user sees (``5`` not ``5.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
