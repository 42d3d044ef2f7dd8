"""The one reader of user tables: CSV, XLSX, ODS and Parquet, streamed, under limits.

Every table a user gives — to ``quartiers verifier``, to the web batch page, to the API, to
the register import — goes through :func:`open_table`. It yields :class:`Chunk` objects:
the rows as a pyarrow table with the input columns unchanged (values kept as text, so
``01000`` stays ``01000``), the line number of every row, and the lines that could not be
read, each with a French reason. Memory stays bounded by the chunk size whatever the file
size; every limit of :class:`~quartiers.io.limits.ReadLimits` is checked before the work it
bounds.

Line numbers are those a user sees: for CSV the physical line in the file where the record
starts (header = line 1; blank lines and line breaks inside quoted fields counted), for a
spreadsheet the sheet's row number, for Parquet the row number starting at 1.

CSV: separator detected on the header (``, ; tab |``) unless given; RFC 4180 quoting
(separators and line breaks inside quoted fields); any line ending (LF, CRLF, CR alone);
UTF-8, with bytes that are not UTF-8 read as Windows-1252 (Latin-1) wherever they are in
the file, or UTF-16 with a byte-order mark. A line with the wrong number of fields, an
unclosed quote or an oversized value is reported on its own and the next lines are read.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from quartiers.io import csv_records as rec
from quartiers.io.limits import Budget, FichierRefuse, ReadLimits, fr_number

SEPARATORS = (",", ";", "\t", "|")
BLOCK_BYTES = 16 << 20
TEXT_PREVIEW = 200
SPREADSHEET_KINDS = ("xlsx", "ods")


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
    encoding: str = ""
    sheet: str | None = None

    def __iter__(self) -> Iterator[Chunk]:  # pragma: no cover - interface
        raise NotImplementedError


def sniff_kind(path: Path, name: str | None = None) -> str:
    """``csv``, ``xlsx``, ``ods`` or ``parquet`` from the content, the name as a hint.

    A file is recognised by what it holds, not by what it is called: a workbook renamed
    ``.csv`` is read as a workbook. A legacy ``.xls`` (binary) workbook is refused."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    suffix = Path(name or path.name).suffix.lower()
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FichierRefuse(
            "classeur Excel 97-2003 (.xls) non pris en charge : enregistrez-le au format "
            ".xlsx, .ods ou .csv", fichier=name or path)
    if head.startswith(b"PK\x03\x04"):
        return "ods" if suffix == ".ods" else "xlsx"
    if suffix in (".parquet", ".geoparquet", ".pq"):
        return "parquet"
    if suffix in (".xlsx", ".xlsm", ".ods", ".xls"):
        raise FichierRefuse("ce n'est pas un classeur lisible (contenu inattendu)",
                            fichier=name or path)
    return "csv"


def open_table(
    path: str | Path, *, limits: ReadLimits | None = None, separator: str | None = None,
    sheet: str | int | None = None, chunk_rows: int = 500_000,
    block_bytes: int = BLOCK_BYTES, name: str | None = None,
) -> Source:
    """Open a user table; ``name`` is the name the user gave it (an upload's original name).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes(b'id;lon;lat\\n1;7,26;43,70\\n\\n2;"x\\ny";43\\n3;1\\n')
    >>> src = open_table(p)
    >>> src.columns, src.separator
    (['id', 'lon', 'lat'], ';')
    >>> chunk = next(iter(src))
    >>> chunk.table.column("lon").to_pylist(), chunk.lines.tolist()
    (['7,26', 'x\\ny'], [2, 4])
    >>> chunk.unreadable[0][:2]
    (6, 'ligne illisible : 2 champ(s) au lieu de 3')
    """
    path = Path(path)
    shown = name or str(path)
    if not path.exists():
        raise FichierRefuse("fichier d'entrée introuvable", fichier=shown)
    if path.is_dir():
        raise FichierRefuse("l'entrée est un dossier, pas un fichier", fichier=shown)
    limits = limits or ReadLimits.for_batch()
    budget = Budget(limits, shown)
    budget.check_size(path.stat().st_size)
    kind = sniff_kind(path, name)
    if kind == "parquet":
        return ParquetSource(path, chunk_rows, budget)
    if kind in SPREADSHEET_KINDS:
        return SheetSource(path, kind, sheet, chunk_rows, budget)
    return CsvSource(path, separator, block_bytes, budget)


def sheet_names(path: str | Path, *, limits: ReadLimits | None = None,
                name: str | None = None) -> list[str]:
    """Sheet names of a workbook (``[]`` for a CSV or Parquet file)."""
    path = Path(path)
    kind = sniff_kind(path, name)
    if kind not in SPREADSHEET_KINDS:
        return []
    with _book(path, kind, Budget(limits or ReadLimits.for_batch(), name or path)) as book:
        return list(book.sheet_names)


def column_names(raw: list[str], budget: Budget) -> list[str]:
    """Header cells as column names: stripped, ``colonne_N`` for an empty one, each within
    the limits, no duplicates."""
    if len(raw) > budget.limits.max_columns:
        budget.check_column(len(raw), 1)
    names = []
    for i, h in enumerate(raw, start=1):
        budget.check_field(len(h), 1, header=True)
        text = h.strip().lstrip("\ufeff").strip()
        names.append(text or f"colonne_{i}")
    seen: set[str] = set()
    dup = sorted({n for n in names if n in seen or seen.add(n)})  # type: ignore[func-returns-value]
    if dup:
        raise budget.refuse(f"en-tête : colonnes en double ({', '.join(dup)})", ligne=1)
    return names


# ----------------------------------------------------------------------------- CSV
def _cp1252(err: UnicodeError) -> tuple[str, int]:
    """Decode bytes that are not UTF-8 as Windows-1252 (Latin-1 where it has no glyph)."""
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start : err.end]
    text = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad)
    return text, err.end


codecs.register_error("quartiers-cp1252", _cp1252)


def _reason(flag: int, fields: int, expected: int, widest: int, budget: Budget) -> str:
    lim = budget.limits
    if flag in (rec.TOO_LONG, rec.SKIP_REST):
        return f"ligne trop longue (plus de {fr_number(lim.max_record_bytes)} octets)"
    if flag == rec.UNCLOSED:
        return "ligne illisible : guillemet ouvert jamais fermé"
    if fields != expected:
        return f"ligne illisible : {fields} champ(s) au lieu de {expected}"
    return (f"valeur trop longue ({fr_number(widest)} octets, au plus "
            f"{fr_number(lim.max_field_bytes)})")


def _shape(record: bytes, sep: str) -> tuple[int, int]:
    """(fields, widest field in bytes) of one record, without splitting it in Python."""
    _, _, records = rec.scan_records(np.frombuffer(record, np.uint8), ord(sep), 34, True,
                                     len(record) + 1)
    return int(records[0, rec.FIELDS]), int(records[0, rec.WIDEST])


@dataclass
class _Batch:
    buf: np.ndarray  # UTF-8 bytes, line feeds only
    records: np.ndarray  # one row per record (columns of csv_records)
    first_line: int
    done: int


class CsvSource(Source):
    kind = "csv"
    unit = "octets"

    def __init__(self, path: Path, separator: str | None, block_bytes: int,
                 budget: Budget) -> None:
        self.path = path
        self.budget = budget
        self.block_bytes = max(int(block_bytes), 1024)
        self.total = path.stat().st_size
        if self.total == 0:
            raise budget.refuse("le fichier est vide", ligne=1)
        with open(path, "rb") as fh:
            head = fh.read(4)
        self._utf16 = ("utf-16" if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
                       else None)
        if self._utf16 is None:
            with open(path, "rb") as fh:
                sample = fh.read(65536)
            if b"\x00" in sample:
                raise budget.refuse("ce n'est pas un fichier texte (CSV) : contenu binaire")
        if separator is not None:
            sep = {"tab": "\t", "\\t": "\t", "tabulation": "\t"}.get(separator, separator)
            if len(sep) != 1 or sep in ('"', "\n", "\r"):
                raise FichierRefuse("le séparateur doit être un seul caractère (hors "
                                    "guillemet et fin de ligne)", champ="--separateur")
        else:
            sep = ","
        self.separator = sep
        self.encoding = "UTF-16" if self._utf16 else "UTF-8"
        header = self._header_text(self._batches(ord(sep) if separator else 0))
        if separator is None:
            counts = {s: _shape(header, s)[0] for s in SEPARATORS}
            self.separator = sep = max(counts, key=lambda s: counts[s])
        n, widest = _shape(header, sep)
        budget.check_column(n, 1)
        budget.check_field(widest, 1, header=True)
        fields = next(csv.reader([header.decode("utf-8")], delimiter=sep), [""])
        if not any(f.strip() for f in fields):
            raise budget.refuse("la première ligne (en-tête) est vide", ligne=1)
        self.columns = column_names(fields, budget)

    # raw bytes -> UTF-8 blocks cut after a line break, CR/CRLF turned into LF
    def _utf8_blocks(self) -> Iterator[tuple[bytes, int, int]]:
        """(block, raw bytes consumed, lines skipped as too long before it)."""
        lim = self.budget.limits.max_record_bytes
        dec = codecs.getincrementaldecoder(self._utf16)() if self._utf16 else None
        with open(self.path, "rb") as fh:
            done, rest, first, skipping = 0, b"", True, False
            while True:
                raw = fh.read(self.block_bytes)
                done += len(raw)
                self.budget.check_time()
                if dec is not None:
                    raw = dec.decode(raw, not raw).encode("utf-8")
                if first and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[3:]
                first = False
                data = rest + raw
                if skipping:  # the rest of a line longer than the limit
                    cut = min((i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0),
                              default=-1)
                    if cut < 0:
                        rest = b""
                        if not raw:
                            return
                        continue
                    skipping = False
                    data = data[cut + 1 :]
                if not raw:
                    if data:
                        yield self._clean(data), done, 0
                    return
                cut = data.rfind(b"\n")
                if cut < 0:
                    cut = data.rfind(b"\r")
                if cut < 0:
                    if len(data) > lim:  # one line longer than the limit, still going on
                        yield data[: lim + 2], done, 0
                        rest, skipping = b"", True
                        continue
                    rest = data
                    continue
                rest = data[cut + 1 :]
                yield self._clean(data[: cut + 1]), done - len(rest), 0

    def _clean(self, block: bytes) -> bytes:
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            block = block.decode("utf-8", "quartiers-cp1252").encode("utf-8")
            if self.encoding == "UTF-8":
                self.encoding = "UTF-8 et Windows-1252"
        if b"\r" in block:
            block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        return block

    def _batches(self, sep: int) -> Iterator[_Batch]:
        """Scanned records, block after block, with the line number of the first one."""
        lim = self.budget.limits
        carry = np.zeros(0, np.uint8)
        line = 1
        blocks = self._utf8_blocks()
        pending = next(blocks, None)
        while pending is not None:
            block, done, _ = pending
            pending = next(blocks, None)
            final = pending is None
            buf = np.concatenate([carry, np.frombuffer(block, np.uint8)]) if len(carry) \
                else np.frombuffer(block, np.uint8)
            while True:
                count, consumed, records = rec.scan_records(buf, sep, 34, final,
                                                            lim.max_record_bytes)
                table = records[:count]
                yield _Batch(buf, table, line, done)
                line += int(table[:, rec.BREAKS].sum()) + count
                buf = buf[consumed:]
                if not (final and len(buf)):
                    break
            carry = buf if not final else np.zeros(0, np.uint8)

    def _header_text(self, batches: Iterator[_Batch]) -> bytes:
        for b in batches:
            for row in b.records:  # up to the first line that is not blank
                if row[rec.BLANK]:
                    continue
                start, end, flag = int(row[rec.START]), int(row[rec.END]), int(row[rec.FLAG])
                if flag != rec.OK:
                    raise self.budget.refuse(
                        "en-tête illisible : " + _reason(flag, 0, 0, 0, self.budget).split(
                            " : ")[-1], ligne=b.first_line)
                return bytes(b.buf[start:end])
        raise self.budget.refuse("la première ligne (en-tête) est vide", ligne=1)

    def __iter__(self) -> Iterator[Chunk]:
        sep = ord(self.separator or ",")
        ncols = len(self.columns)
        lim = self.budget.limits
        header_seen = False
        data_rows = 0
        for b in self._batches(sep):
            r = b.records
            starts, ends = r[:, rec.START], r[:, rec.END]
            fields, widest = r[:, rec.FIELDS], r[:, rec.WIDEST]
            breaks, flags, blank = r[:, rec.BREAKS], r[:, rec.FLAG], r[:, rec.BLANK] != 0
            lines = b.first_line + np.concatenate(
                [[0], np.cumsum(breaks.astype(np.int64) + 1)[:-1]]).astype(np.int64)
            keep = ~blank
            if not header_seen and keep.any():
                keep[np.flatnonzero(keep)[0]] = False
                header_seen = True
            good = keep & (flags == rec.OK) & (fields == ncols) & (widest <= lim.max_field_bytes)
            bad = np.flatnonzero(keep & ~good)
            unreadable = [
                (int(lines[k]), _reason(int(flags[k]), int(fields[k]), ncols, int(widest[k]),
                                        self.budget),
                 bytes(b.buf[starts[k] : min(ends[k], starts[k] + TEXT_PREVIEW)]).decode(
                     "utf-8", "replace"))
                for k in bad  # unreadable lines only
            ]
            idx = np.flatnonzero(good)
            data_rows += len(idx)
            if len(idx):
                self.budget.check_row(int(lines[idx[-1]]), data_rows)
            table, lines_ok, extra = self._parse(b.buf, starts[idx], ends[idx], lines[idx])
            unreadable.extend(extra)
            if len(idx) or unreadable:
                yield Chunk(table, lines_ok, sorted(unreadable), b.done)

    def _parse(self, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray,
               lines: np.ndarray) -> tuple[pa.Table, np.ndarray, list[tuple[int, str, str]]]:
        """The good records as a table of strings (pyarrow; Python's csv module when the
        two disagree on a record, which only odd quoting can cause)."""
        types = {c: pa.string() for c in self.columns}
        if len(starts) == 0:
            return pa.table({c: pa.array([], pa.string()) for c in self.columns}), \
                lines, []
        data = rec.gather(buf, starts, ends)
        rejected: list[str] = []

        def handler(row: pacsv.InvalidRow) -> str:
            rejected.append(row.text or "")
            return "skip"

        try:
            table = pacsv.read_csv(
                io.BytesIO(data.tobytes()),
                read_options=pacsv.ReadOptions(column_names=self.columns,
                                               block_size=len(data) + 1024),
                parse_options=pacsv.ParseOptions(delimiter=self.separator,
                                                 newlines_in_values=True,
                                                 invalid_row_handler=handler),
                convert_options=pacsv.ConvertOptions(column_types=types,
                                                     strings_can_be_null=False),
            )
        except pa.ArrowInvalid:
            table = None
        if table is not None and not rejected and table.num_rows == len(starts):
            return table, lines, []
        return self._parse_slowly(buf, starts, ends, lines)

    def _parse_slowly(self, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                      lines: np.ndarray) -> tuple[pa.Table, np.ndarray,
                                                  list[tuple[int, str, str]]]:
        ncols = len(self.columns)
        cols: list[list[str]] = [[] for _ in range(ncols)]
        kept, bad = [], []
        for k in range(len(starts)):  # a block pyarrow could not split: record by record
            text = bytes(buf[starts[k] : ends[k]]).decode("utf-8", "replace")
            row = next(csv.reader([text], delimiter=self.separator or ","), [])
            if len(row) != ncols:
                bad.append((int(lines[k]), f"ligne illisible : {len(row)} champ(s) au lieu "
                            f"de {ncols}", text[:TEXT_PREVIEW]))
                continue
            kept.append(k)
            for c, v in enumerate(row):
                cols[c].append(v)
        table = pa.table({c: pa.array(v, pa.string()) for c, v in zip(self.columns, cols,
                                                                       strict=True)})
        return table, lines[np.asarray(kept, dtype=np.int64)], bad


# ---------------------------------------------------------------------- workbooks
def _book(path: Path, kind: str, budget: Budget):  # type: ignore[no-untyped-def]
    if kind == "ods":
        from quartiers.io.ods import OdsBook

        return OdsBook(path, budget.limits, budget)
    from quartiers.io.xlsx import XlsxBook

    return XlsxBook(path, budget.limits, budget)


class SheetSource(Source):
    """One sheet of an XLSX or ODS workbook (the first unless ``sheet`` names one)."""

    unit = "lignes"

    def __init__(self, path: Path, kind: str, sheet: str | int | None, chunk_rows: int,
                 budget: Budget) -> None:
        self.kind, self.path, self.budget = kind, path, budget
        self.chunk_rows = max(int(chunk_rows), 1)
        self._sheet = sheet
        self._book = _book(path, kind, budget)
        try:
            names = list(self._book.sheet_names)
            self._rows = self._book.rows(sheet)
            first = next(self._rows, None)
        except BaseException:
            self._book.close()
            raise
        self.sheet = names[sheet] if isinstance(sheet, int) else (sheet or names[0])
        if first is None:
            self._book.close()
            raise budget.refuse("la première ligne (en-tête) est vide", ligne=1)
        header_line, cells = first
        width = max(cells) + 1
        self.columns = column_names([cells.get(c, "") for c in range(width)], budget)
        self.total = max(getattr(self._book, "declared_rows", 0) - header_line, 0)

    def __iter__(self) -> Iterator[Chunk]:
        """The data rows (a sheet source is read once, as it streams)."""
        width = len(self.columns)
        with self._book:
            rows = self._rows
            batch: list[tuple[int, dict[int, str]]] = []
            done = 0
            for item in rows:
                batch.append(item)
                if len(batch) >= self.chunk_rows:
                    done += len(batch)
                    yield self._chunk(batch, width, done)
                    batch = []
            if batch:
                done += len(batch)
                yield self._chunk(batch, width, done)

    def _chunk(self, batch: list[tuple[int, dict[int, str]]], width: int, done: int) -> Chunk:
        columns = {name: pa.array([cells.get(c, "") for _, cells in batch], pa.string())
                   for c, name in enumerate(self.columns)}
        lines = np.fromiter((n for n, _ in batch), dtype=np.int64, count=len(batch))
        return Chunk(pa.table(columns), lines, [], done)


# ------------------------------------------------------------------------- Parquet
class ParquetSource(Source):
    kind = "parquet"

    def __init__(self, path: Path, chunk_rows: int, budget: Budget) -> None:
        import pyarrow.parquet as pq

        try:
            self._file = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as e:
            raise budget.refuse(f"ce n'est pas un fichier Parquet valide ({e})") from None
        meta = self._file.metadata
        if meta.num_columns > budget.limits.max_columns:
            budget.check_column(meta.num_columns, 1)
        inflated = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        budget.add_inflated(inflated)
        if budget.limits.max_rows is not None:
            budget.check_row(meta.num_rows + 1, meta.num_rows)
        self.path = path
        self.chunk_rows = chunk_rows
        self.total = meta.num_rows
        self.columns = [str(c) for c in self._file.schema_arrow.names]

    def __iter__(self) -> Iterator[Chunk]:
        first = 1
        for batch in self._file.iter_batches(batch_size=self.chunk_rows):
            table = pa.Table.from_batches([batch])
            n = table.num_rows
            yield Chunk(table, np.arange(first, first + n, dtype=np.int64), [], first + n - 1)
            first += n
