"""Streamed writers for the lookup output: CSV, Parquet or XLSX, chosen by extension.

Chunks are appended as they come (constant memory); the caller writes into a temporary path
and renames it once the run succeeded (:func:`quartiers.io.atomic.atomic_path`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.csv as pacsv

from quartiers.errors import QuartiersError

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
XLSX_MAX_ROWS = 1_048_575


class Writer(Protocol):
    def write(self, table: pa.Table) -> None: ...

    def close(self) -> None: ...


def output_format(path: Path) -> str:
    """``csv``, ``parquet`` or ``xlsx`` from the output file's extension."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise QuartiersError(
            "extension de sortie non prise en charge (attendu .csv, .tsv, .parquet ou .xlsx)",
            fichier=path, champ="--sortie",
        )
    return fmt


class CsvWriter:
    """pyarrow's CSV writer; ``bom`` starts the file with a UTF-8 byte-order mark, which
    spreadsheet programs need to read accents right."""

    def __init__(self, path: Path, separator: str, bom: bool = False) -> None:
        self.path, self.separator, self.bom = path, separator, bom
        self._writer: pacsv.CSVWriter | None = None
        self._file: Any = None

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._file = open(self.path, "wb")  # noqa: SIM115 - closed in close()
            if self.bom:
                self._file.write(b"\xef\xbb\xbf")
            self._writer = pacsv.CSVWriter(
                self._file, table.schema,
                write_options=pacsv.WriteOptions(delimiter=self.separator,
                                                 quoting_style="needed"),
            )
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._file is not None:
            self._file.close()


class ParquetWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: Any = None

    def write(self, table: pa.Table) -> None:
        import pyarrow.parquet as pq

        if self._writer is None:
            self._writer = pq.ParquetWriter(str(self.path), table.schema)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


class XlsxWriter:
    """openpyxl in write-only mode (streamed rows); a sheet holds at most 1 048 575 rows."""

    def __init__(self, path: Path) -> None:
        try:
            from openpyxl import Workbook
        except ImportError:  # pragma: no cover - openpyxl is a dependency
            raise QuartiersError("écriture XLSX impossible : openpyxl n'est pas installé",
                                 fichier=path) from None
        self.path = path
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("resultats")
        self._rows = 0

    def write(self, table: pa.Table) -> None:
        if self._rows == 0:
            self._sheet.append(table.column_names)
        self._rows += table.num_rows
        if self._rows > XLSX_MAX_ROWS:
            raise QuartiersError(
                "trop de lignes pour un classeur XLSX (1 048 575 au plus) : choisissez une "
                "sortie .csv ou .parquet", fichier=self.path, champ="--sortie",
            )
        for row in zip(*(c.to_pylist() for c in table.columns), strict=True):
            self._sheet.append(row)

    def close(self) -> None:
        self._book.save(str(self.path))


def open_writer(path: Path, fmt: str, separator: str = ",", bom: bool = False) -> Writer:
    if fmt == "parquet":
        return ParquetWriter(path)
    if fmt == "xlsx":
        return XlsxWriter(path)
    return CsvWriter(path, "\t" if path.suffix.lower() == ".tsv" else separator, bom)
