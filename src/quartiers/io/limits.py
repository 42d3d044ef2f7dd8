"""Explicit limits under which every user file is read.

A file given by a user (command line, web upload, API body, register import) is hostile
until it has been read within these bounds: its size on disk, the bytes a compressed
workbook inflates to, the sheet dimensions it declares and those it really has, the number
of cells, the length of one field or line, and the time spent. Each reader checks them
*before* allocating anything proportional to what the file claims, and stops with a French
:class:`FichierRefuse` naming the file, the line and the limit.

>>> lim = ReadLimits.for_batch()
>>> lim.max_columns
10000
>>> ReadLimits.for_upload(max_bytes=1000).max_bytes
1000
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

from quartiers.errors import QuartiersError

#: Largest sheet a spreadsheet program writes (Excel, LibreOffice).
SHEET_MAX_ROWS = 1_048_576
SHEET_MAX_COLUMNS = 16_384


class FichierRefuse(QuartiersError):
    """A user file refused because it exceeds a reading limit or is malformed."""


def fr_number(n: float) -> str:
    return f"{n:,.0f}".replace(",", "\u202f")


@dataclass(frozen=True)
class ReadLimits:
    """Bounds for reading one user file (``None``: unbounded).

    ``max_rows`` and ``max_cells`` count data rows and non-empty cells actually read;
    ``max_declared_cells`` bounds what a workbook *declares* (its ``<dimension>``) so that a
    tiny file claiming a full sheet is refused before any work; ``max_inflated_bytes`` bounds
    what the XML parts of a workbook decompress to; ``max_record_bytes`` bounds one CSV
    record (a line, or several when a quoted field holds line breaks).
    """

    max_bytes: int | None = None
    max_rows: int | None = None
    max_columns: int = 10_000
    max_cells: int | None = None
    max_declared_cells: int = 200_000_000
    max_field_bytes: int = 1 << 20
    max_header_field_bytes: int = 1_000
    max_record_bytes: int = 4 << 20
    max_inflated_bytes: int = 8 << 30
    max_zip_members: int = 10_000
    max_shared_strings: int = 5_000_000
    max_seconds: float | None = None

    @classmethod
    def for_batch(cls) -> ReadLimits:
        """The command line: files of any length are streamed; only shapes are bounded."""
        return cls()

    @classmethod
    def for_upload(cls, *, max_bytes: int, max_rows: int | None = None,
                   max_seconds: float | None = 900.0) -> ReadLimits:
        """A file sent to the web server: bounded size, inflation, columns and time."""
        return cls(
            max_bytes=max_bytes, max_rows=max_rows, max_columns=1_000,
            max_cells=None if max_rows is None else max_rows * 1_000,
            max_declared_cells=50_000_000, max_field_bytes=64 << 10,
            max_record_bytes=1 << 20, max_inflated_bytes=max(40 * max_bytes, 64 << 20),
            max_zip_members=1_000, max_shared_strings=1_000_000, max_seconds=max_seconds,
        )

    def with_rows(self, max_rows: int) -> ReadLimits:
        return replace(self, max_rows=max_rows)


class Budget:
    """Running counters of one read, checked against its :class:`ReadLimits`."""

    def __init__(self, limits: ReadLimits, path: str | Path) -> None:
        self.limits = limits
        self.path = str(path)
        self.start = time.monotonic()
        self.inflated = 0
        self.cells = 0

    def refuse(self, message: str, *, ligne: int | None = None,
               champ: str | None = None) -> FichierRefuse:
        return FichierRefuse(message, fichier=self.path, ligne=ligne, champ=champ)

    def check_size(self, size: int) -> None:
        lim = self.limits.max_bytes
        if lim is not None and size > lim:
            raise self.refuse(f"fichier trop volumineux ({fr_number(size)} octets, au plus "
                              f"{fr_number(lim)})")

    def check_time(self, ligne: int | None = None) -> None:
        lim = self.limits.max_seconds
        if lim is not None and time.monotonic() - self.start > lim:
            raise self.refuse(f"lecture trop longue (plus de {lim:g} s) : fichier refusé",
                              ligne=ligne)

    def add_inflated(self, n: int) -> None:
        self.inflated += n
        if self.inflated > self.limits.max_inflated_bytes:
            raise self.refuse(
                "classeur refusé : son contenu décompressé dépasse "
                f"{fr_number(self.limits.max_inflated_bytes)} octets (archive piégée ?)"
            )

    def check_row(self, ligne: int, data_rows: int) -> None:
        lim = self.limits.max_rows
        if lim is not None and data_rows > lim:
            raise self.refuse(f"trop de lignes : au plus {fr_number(lim)} lignes de données",
                              ligne=ligne)

    def check_column(self, column: int, ligne: int) -> None:
        """``column`` is 1-based."""
        if column > self.limits.max_columns:
            raise self.refuse(
                f"trop de colonnes : colonne n° {fr_number(column)} au-delà de la limite de "
                f"{fr_number(self.limits.max_columns)}", ligne=ligne)

    def add_cells(self, n: int, ligne: int) -> None:
        self.cells += n
        lim = self.limits.max_cells
        if lim is not None and self.cells > lim:
            raise self.refuse(f"trop de cellules : au plus {fr_number(lim)}", ligne=ligne)

    def check_field(self, size: int, ligne: int, champ: str | None = None,
                    header: bool = False) -> None:
        lim = self.limits.max_header_field_bytes if header else self.limits.max_field_bytes
        if size > lim:
            what = "nom de colonne trop long" if header else "valeur trop longue"
            raise self.refuse(f"{what} ({fr_number(size)} caractères, au plus {fr_number(lim)})",
                              ligne=ligne, champ=champ)

    def check_declared(self, rows: int, columns: int, ref: str) -> None:
        """A workbook's declared dimension, before reading any cell."""
        lim = self.limits
        if (columns > lim.max_columns
                or (lim.max_rows is not None and rows > lim.max_rows + 1)
                or rows * columns > lim.max_declared_cells):
            raise self.refuse(
                f"classeur refusé : la feuille déclare {fr_number(rows)} lignes × "
                f"{fr_number(columns)} colonnes ({ref}), au-delà des limites "
                f"({fr_number(lim.max_columns)} colonnes"
                + (f", {fr_number(lim.max_rows)} lignes" if lim.max_rows is not None else "")
                + ")"
            )
