"""XLSX workbooks read as a stream of sparse rows, under :class:`~quartiers.io.limits.ReadLimits`.

No spreadsheet engine is trusted with an uploaded workbook: a 1.6 KB file declaring the
full ``A1:XFD1048576`` sheet made one allocate hundreds of gigabytes and abort the process.
Here the zip's members and declared sizes are checked first, every inflated byte is counted,
the XML is parsed incrementally by expat (no DTD, no entity), only non-empty cells are kept,
and the declared dimension is checked before the first cell is read.

Cells come out as the text a user sees: ``5`` not ``5.0``, dates as ``2024-01-31``,
booleans as ``VRAI``/``FAUX``, error values as written (``#N/A``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Self
from xml.parsers import expat

from quartiers.io.limits import Budget, FichierRefuse, ReadLimits

Row = tuple[int, dict[int, str]]  # sheet row number (1-based), {column index (0-based): text}

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
#: Built-in number formats that display dates or times (ECMA-376, 18.8.30).
_DATE_FORMATS = {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}
_DATE_CODE = re.compile(r"[dmyhs]", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_CHUNK = 1 << 16


def column_index(letters: str) -> int:
    """0-based index of a column name (``A`` -> 0, ``XFD`` -> 16383).

    >>> column_index("A"), column_index("AA"), column_index("XFD")
    (0, 26, 16383)
    """
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


def _forbid(*_args: Any) -> None:
    raise FichierRefuse("classeur refusé : déclaration DTD ou entité dans le XML")


def make_parser(start: Callable, end: Callable | None = None,
                text: Callable | None = None, namespaces: bool = True) -> Any:
    """An expat parser (namespaces split off unless ``namespaces`` is False: then names
    keep their prefix, as written) that refuses DTDs and entities."""
    p = expat.ParserCreate(namespace_separator=" ") if namespaces else expat.ParserCreate()
    p.buffer_text = True
    p.StartElementHandler = start
    if end is not None:
        p.EndElementHandler = end
    if text is not None:
        p.CharacterDataHandler = text
    p.StartDoctypeDeclHandler = _forbid
    p.EntityDeclHandler = _forbid
    p.ExternalEntityRefHandler = _forbid  # type: ignore[assignment]
    return p


def feed(zf: zipfile.ZipFile, member: str, parser: Any, budget: Budget,
         after_chunk: Callable[[], Iterator[Any]] | None = None) -> Iterator[Any]:
    """Inflate ``member`` chunk by chunk into ``parser``; yield what ``after_chunk`` gives
    after each chunk (rows parsed so far), so that memory stays bounded."""
    try:
        with zf.open(member) as fh:
            while True:
                data = fh.read(_CHUNK)
                budget.add_inflated(len(data))
                budget.check_time()
                parser.Parse(data, not data)
                if after_chunk is not None:
                    yield from after_chunk()
                if not data:
                    return
    except expat.ExpatError as e:
        raise budget.refuse(f"classeur mal formé ({member} : {e})") from None
    except (zipfile.BadZipFile, OSError, EOFError) as e:  # truncated or corrupt member
        raise budget.refuse(f"classeur endommagé ({member} : {e})") from None


def open_zip(path: Path, budget: Budget, kind: str) -> zipfile.ZipFile:
    """Open a workbook's zip after checking its size, member count and declared sizes."""
    budget.check_size(path.stat().st_size)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise budget.refuse(f"ce n'est pas un classeur {kind} lisible ({e})") from None
    infos = zf.infolist()
    lim = budget.limits
    if len(infos) > lim.max_zip_members:
        zf.close()
        raise budget.refuse(f"classeur refusé : {len(infos)} parties dans l'archive "
                            f"(au plus {lim.max_zip_members})")
    declared = sum(i.file_size for i in infos)
    if declared > lim.max_inflated_bytes:
        zf.close()
        raise budget.refuse(
            f"classeur refusé : il déclare {declared} octets une fois décompressé "
            f"(au plus {lim.max_inflated_bytes})")
    return zf


def _is_date_format(code: str) -> bool:
    stripped = _QUOTED.sub("", code)
    return stripped.lower() != "general" and bool(_DATE_CODE.search(stripped))


def excel_date(serial: float, date1904: bool) -> str:
    """The text of a date/time cell from its serial number.

    >>> excel_date(45292.0, False), excel_date(45292.5, False), excel_date(0.25, False)
    ('2024-01-01', '2024-01-01 12:00:00', '06:00:00')
    """
    if date1904:
        base = dt.datetime(1904, 1, 1)
    else:  # Excel counts a 29 February 1900 that never was
        base = dt.datetime(1899, 12, 30) if serial >= 61 else dt.datetime(1899, 12, 31)
    try:
        moment = base + dt.timedelta(days=serial)
    except OverflowError:
        return repr(serial)
    moment = moment.replace(microsecond=0) + dt.timedelta(
        seconds=round(moment.microsecond / 1e6))
    if 0 <= serial < 1:
        return moment.strftime("%H:%M:%S")
    if moment.time() == dt.time(0):
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def number_text(raw: str) -> str:
    """A stored number as a user reads it (``5`` for ``5.0``, shortest round trip).

    >>> number_text("5.0"), number_text("43.703099999999999"), number_text("1E-3")
    ('5', '43.7031', '0.001')
    """
    try:
        value = float(raw)
    except ValueError:
        return raw.strip()
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


class ZipBook:
    """A workbook held in a zip (XLSX, ODS) opened for streamed reading: the zip is checked
    and opened, then the subclass reads the parts it needs (closing the zip if that fails).
    """

    kind = ""  # the format, as error messages name it

    def __init__(self, path: Path, limits: ReadLimits, budget: Budget | None = None) -> None:
        self.path = path
        self.budget = budget or Budget(limits, path)
        self.zf = open_zip(path, self.budget, self.kind)
        try:
            self._read_parts()
        except BaseException:
            self.zf.close()
            raise

    def _read_parts(self) -> None:
        raise NotImplementedError

    @property
    def sheet_names(self) -> list[str]:
        raise NotImplementedError

    def sheet_index(self, sheet: str | int | None) -> int:
        """The index of a sheet chosen by name (case-insensitive) or index (default: the
        first)."""
        if sheet is None:
            return 0
        if isinstance(sheet, int):
            if not 0 <= sheet < len(self.sheet_names):
                raise self.budget.refuse(f"feuille n° {sheet + 1} absente")
            return sheet
        low = [n.strip().lower() for n in self.sheet_names]
        if sheet.strip().lower() not in low:
            raise self.budget.refuse(
                f"feuille « {sheet} » absente (feuilles : {', '.join(self.sheet_names)})")
        return low.index(sheet.strip().lower())

    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class XlsxBook(ZipBook):
    """An XLSX (or XLSM) workbook opened for streamed reading.

    >>> import pathlib, tempfile  # doctest: +SKIP
    >>> book = XlsxBook(pathlib.Path("points.xlsx"), ReadLimits())  # doctest: +SKIP
    >>> book.sheet_names  # doctest: +SKIP
    ['Feuil1']
    """

    kind = "XLSX"

    def _read_parts(self) -> None:
        self._names = set(self.zf.namelist())
        self.date1904 = False
        self.sheets: list[tuple[str, str]] = []
        self._rels: dict[str, tuple[str, str]] = {}
        self._shared: list[str] | None = None
        self._date_styles: set[int] = set()
        self.declared_rows = 0
        self._read_workbook()
        self._read_styles()

    @property
    def sheet_names(self) -> list[str]:
        return [name for name, _ in self.sheets]

    # -------------------------------------------------------------- workbook parts
    def _member(self, target: str, base: str = "xl") -> str:
        name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(base, target))
        return name

    def _read_workbook(self) -> None:
        if "xl/workbook.xml" not in self._names:
            raise self.budget.refuse("ce n'est pas un classeur XLSX (xl/workbook.xml absent)")
        if "xl/_rels/workbook.xml.rels" in self._names:
            def rel(name: str, attrs: dict[str, str]) -> None:
                if _local(name) == "Relationship" and "Id" in attrs:
                    self._rels[attrs["Id"]] = (attrs.get("Target", ""), attrs.get("Type", ""))

            list(feed(self.zf, "xl/_rels/workbook.xml.rels", make_parser(rel), self.budget))

        def book(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "workbookPr":
                self.date1904 = attrs.get("date1904", "0") in ("1", "true")
            elif local == "sheet":
                rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
                target = self._rels.get(rid, ("", ""))[0]
                if not target and len(self.sheets) == 0:
                    target = "worksheets/sheet1.xml"
                self.sheets.append((attrs.get("name", f"Feuille {len(self.sheets) + 1}"),
                                    self._member(target) if target else ""))

        list(feed(self.zf, "xl/workbook.xml", make_parser(book), self.budget))
        if not self.sheets:
            raise self.budget.refuse("classeur sans feuille")

    def _part(self, kind: str, default: str) -> str | None:
        for target, rtype in self._rels.values():
            if rtype.endswith("/" + kind):
                name = self._member(target)
                return name if name in self._names else None
        return default if default in self._names else None

    def _read_styles(self) -> None:
        member = self._part("styles", "xl/styles.xml")
        if member is None:
            return
        custom: dict[int, str] = {}
        xfs: list[int] = []
        depth = {"cellXfs": 0}

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "numFmt":
                with contextlib.suppress(ValueError):
                    custom[int(attrs.get("numFmtId", "-1"))] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                depth["cellXfs"] += 1
            elif local == "xf" and depth["cellXfs"]:
                try:
                    xfs.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    xfs.append(0)

        def end(name: str) -> None:
            if _local(name) == "cellXfs":
                depth["cellXfs"] -= 1

        list(feed(self.zf, member, make_parser(start, end), self.budget))
        for i, fmt in enumerate(xfs):
            if fmt in _DATE_FORMATS or (fmt in custom and _is_date_format(custom[fmt])):
                self._date_styles.add(i)

    def _shared_strings(self) -> list[str]:
        if self._shared is not None:
            return self._shared
        strings: list[str] = []
        member = self._part("sharedStrings", "xl/sharedStrings.xml")
        if member is not None:
            state = {"si": False, "t": False, "rph": 0}
            parts: list[str] = []
            limit = self.budget.limits.max_field_bytes

            def start(name: str, attrs: dict[str, str]) -> None:
                local = _local(name)
                if local == "si":
                    state["si"] = True
                    parts.clear()
                elif local == "rPh":
                    state["rph"] += 1
                elif local == "t" and state["si"] and not state["rph"]:
                    state["t"] = True

            def end(name: str) -> None:
                local = _local(name)
                if local == "si":
                    strings.append("".join(parts))
                    state["si"] = False
                    if len(strings) > self.budget.limits.max_shared_strings:
                        raise self.budget.refuse(
                            "classeur refusé : plus de "
                            f"{self.budget.limits.max_shared_strings} textes partagés")
                elif local == "rPh":
                    state["rph"] -= 1
                elif local == "t":
                    state["t"] = False

            def text(data: str) -> None:
                if state["t"]:
                    parts.append(data)
                    if sum(map(len, parts)) > limit:
                        self.budget.check_field(sum(map(len, parts)), 0)

            list(feed(self.zf, member, make_parser(start, end, text), self.budget))
        self._shared = strings
        return strings

    # -------------------------------------------------------------------- rows
    def sheet_member(self, sheet: str | int | None) -> tuple[str, str]:
        """(name, zip member) of a sheet chosen by name (case-insensitive) or index."""
        name, member = self.sheets[self.sheet_index(sheet)]
        if member not in self._names:
            raise self.budget.refuse(f"feuille « {name} » introuvable dans l'archive")
        return name, member

    def rows(self, sheet: str | int | None = None, header: bool = True) -> Iterator[Row]:
        """Non-empty rows of a sheet, in order, as ``(row number, {column: text})``.

        With ``header``, the first non-empty row is the header: a header cell beyond
        ``max_columns`` refuses the file; in later rows cells beyond it are ignored (they
        have no column name). Without, every row may hold up to ``max_columns`` cells.
        """
        _, member = self.sheet_member(sheet)
        shared = self._shared_strings()
        budget, lim = self.budget, self.budget.limits
        date_styles, date1904 = self._date_styles, self.date1904
        field_max, header_max = lim.max_field_bytes, lim.max_header_field_bytes
        out: list[Row] = []
        # the parser's state, in closure variables: this runs once per XML element
        row = 0
        col = -1
        cells: dict[int, str] = {}
        kind = "n"
        style = -1
        buf: list[str] | None = None
        collect = in_is = False
        header = not header  # True once the header row is read (at once without one)
        data_rows = 0
        width = lim.max_columns

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal row, col, cells, kind, style, buf, collect, in_is
            tag = _TAGS.get(name)
            if tag is None:
                tag = _tag(name)
                if tag is None:
                    return
            if tag == _C:
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    c = _COLUMNS.get(letters)
                    if c is None:
                        c = _column_of(letters, budget, row)
                    col = c
                else:
                    col += 1
                kind = attrs.get("t", "n")
                s = attrs.get("s")
                style = int(s) if s and s.isdigit() else -1
                buf = None
            elif tag == _V or (tag == _T and in_is):
                if buf is None:
                    buf = []
                collect = True
            elif tag == _ROW:
                r = attrs.get("r")
                if r:
                    if not r.isdigit():
                        raise budget.refuse(f"numéro de ligne invalide « {r[:20]} »")
                    row = int(r)
                else:
                    row += 1
                col = -1
                cells = {}
            elif tag == _IS:
                in_is = True
            elif tag == _DIMENSION:
                ref = attrs.get("ref", "")
                m = _REF.match(ref.split(":")[-1])
                if m is not None:
                    budget.check_declared(int(m.group(2)), column_index(m.group(1)) + 1, ref)
                    self.declared_rows = int(m.group(2))

        def text(data: str) -> None:
            if collect:
                buf.append(data)  # type: ignore[union-attr]

        def end(name: str) -> None:
            nonlocal collect, in_is, header, data_rows, width
            tag = _TAGS.get(name)
            if tag is None:
                tag = _tag(name)
                if tag is None:
                    return
            if tag in (_V, _T):
                collect = False
            elif tag == _C:
                if buf is None:
                    return
                raw = buf[0] if len(buf) == 1 else "".join(buf)
                if col >= width:
                    if not header and raw.strip():
                        budget.check_column(col + 1, row)
                    return
                if kind == "n" and style not in date_styles:
                    value = raw if raw.isdigit() else number_text(raw)
                else:
                    value = _cell_text(raw, kind, style, shared, date_styles, date1904,
                                       budget, row)
                if value:
                    if len(value) > (field_max if header else header_max):
                        budget.check_field(len(value), row, header=not header)
                    cells[col] = value
            elif tag == _ROW:
                if not cells or not any(v.strip() for v in cells.values()):
                    return
                if header:
                    data_rows += 1
                    budget.check_row(row, data_rows)
                else:
                    header = True
                    width = max(cells) + 1
                budget.add_cells(len(cells), row)
                out.append((row, cells))
            elif tag == _IS:
                in_is = False

        def drain() -> Iterator[Row]:
            if out:
                yield from out
                out.clear()

        # names are matched as written (prefix included): namespace processing would
        # cost a third of the parsing time, and these names mean the same in any prefix
        parser = make_parser(start, end, text, namespaces=False)
        yield from feed(self.zf, member, parser, budget, drain)


_ROW, _C, _V, _T, _IS, _DIMENSION = range(6)
_LOCAL = {"row": _ROW, "c": _C, "v": _V, "t": _T, "is": _IS, "dimension": _DIMENSION}
_TAGS: dict[str, int | None] = dict(_LOCAL)


def _tag(name: str) -> int | None:
    """The tag of a prefixed name (``x:row``), remembered for the next elements."""
    tag = _LOCAL.get(name.rpartition(":")[2])
    if len(_TAGS) < 1_000:
        _TAGS[name] = tag
    return tag
_COLUMNS: dict[str, int] = {}


def _column_of(letters: str, budget: Budget, row: int) -> int:
    """Column index of a cell reference's letters, remembered (at most 16 384 names)."""
    if not (1 <= len(letters) <= 3 and letters.isalpha() and letters.isascii()):
        raise budget.refuse(f"référence de cellule invalide « {letters[:20]} »", ligne=row)
    c = column_index(letters)
    if c < 16_384:
        _COLUMNS[letters] = c
    return c


def _cell_text(raw: str, kind: str, style: int, shared: list[str], date_styles: set[int],
               date1904: bool, budget: Budget, row: int) -> str:
    if kind == "s":
        try:
            return shared[int(raw)]
        except (ValueError, IndexError):
            raise budget.refuse(f"chaîne partagée n° {raw[:20]} absente", ligne=row) from None
    if kind == "b":
        return "VRAI" if raw.strip() in ("1", "true") else "FAUX"
    if kind in ("str", "inlineStr", "e", "d"):
        return raw
    if style in date_styles:
        try:
            return excel_date(float(raw), date1904)
        except ValueError:
            return raw.strip()
    return number_text(raw)
