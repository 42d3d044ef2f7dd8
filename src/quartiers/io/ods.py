"""OpenDocument spreadsheets (ODS, LibreOffice's format) read as a stream of sparse rows.

An ODS sheet compresses runs of identical rows and cells with ``number-rows-repeated`` and
``number-columns-repeated``: LibreOffice writes a million empty trailing rows that way, and a
hostile file can repeat a non-empty cell a billion times. Empty runs are skipped without
being expanded; non-empty runs are expanded only within :class:`ReadLimits`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from quartiers.io.limits import SHEET_MAX_ROWS
from quartiers.io.xlsx import Row, ZipBook, feed, make_parser, number_text

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def _attr(attrs: dict[str, str], ns: str, name: str, default: str = "") -> str:
    return attrs.get(f"{ns} {name}", default)


def _repeat(attrs: dict[str, str], name: str) -> int:
    try:
        return max(int(_attr(attrs, _TABLE, name, "1")), 1)
    except ValueError:
        return 1


class OdsBook(ZipBook):
    """An ODS workbook opened for streamed reading (same interface as ``XlsxBook``)."""

    kind = "ODS"

    def _read_parts(self) -> None:
        if "content.xml" not in self.zf.namelist():
            raise self.budget.refuse("ce n'est pas un classeur ODS (content.xml absent)")
        self._sheets = self._sheet_names()

    @property
    def sheet_names(self) -> list[str]:
        return self._sheets

    def _sheet_names(self) -> list[str]:
        names: list[str] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == f"{_TABLE} table":
                names.append(_attr(attrs, _TABLE, "name", f"Feuille {len(names) + 1}"))

        list(feed(self.zf, "content.xml", make_parser(start), self.budget))
        if not names:
            raise self.budget.refuse("classeur sans feuille")
        return names

    def rows(self, sheet: str | int | None = None, header: bool = True) -> Iterator[Row]:
        """Non-empty rows of a sheet as ``(row number, {column: text})`` (see XlsxBook)."""
        wanted = self.sheet_index(sheet)
        budget, lim = self.budget, self.budget.limits
        out: list[tuple[int, dict[int, str], int, bool]] = []  # first row, cells, copies
        st: dict[str, Any] = {"table": -1, "nest": 0, "row": 0, "rrep": 1, "col": 0,
                              "crep": 1, "cells": {}, "value": None, "text": None,
                              "p": 0, "header": not header, "data": 0,
                              "width": lim.max_columns}

        def inside() -> bool:
            return st["table"] == wanted and st["nest"] == 1

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == f"{_TABLE} table":
                st["nest"] += 1
                st["table"] += st["nest"] == 1
                return
            if not inside():
                return
            if name == f"{_TABLE} table-row":
                st["rrep"] = _repeat(attrs, "number-rows-repeated")
                st["col"], st["cells"] = 0, {}
            elif name in (f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell"):
                st["crep"] = _repeat(attrs, "number-columns-repeated")
                kind = _attr(attrs, _OFFICE, "value-type")
                value = None
                if kind in ("float", "percentage", "currency"):
                    value = number_text(_attr(attrs, _OFFICE, "value"))
                elif kind == "date":
                    value = _attr(attrs, _OFFICE, "date-value").replace("T00:00:00", "")
                elif kind == "time":
                    value = _attr(attrs, _OFFICE, "time-value")
                elif kind == "boolean":
                    value = "VRAI" if _attr(attrs, _OFFICE, "boolean-value") == "true" \
                        else "FAUX"
                st["value"], st["text"] = value, None
            elif name == f"{_TEXT} p":
                st["p"] += 1
                st["text"] = [] if st["text"] is None else [*st["text"], "\n"]
            elif name == f"{_TEXT} s" and st["text"] is not None:
                st["text"].append(" " * min(_repeat_text(attrs), 1000))
            elif name == f"{_TEXT} tab" and st["text"] is not None:
                st["text"].append("\t")
            elif name == f"{_TEXT} line-break" and st["text"] is not None:
                st["text"].append("\n")

        def text(data: str) -> None:
            if st["p"] and st["text"] is not None and inside():
                st["text"].append(data)
                if len(st["text"]) > 64:  # keep the check cheap on long rich texts
                    budget.check_field(sum(map(len, st["text"])), st["row"] + 1)

        def end(name: str) -> None:
            if name == f"{_TABLE} table":
                st["nest"] -= 1
                return
            if not inside():
                return
            if name == f"{_TEXT} p":
                st["p"] -= 1
            elif name in (f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell"):
                _end_cell()
            elif name == f"{_TABLE} table-row":
                _end_row()

        def _end_cell() -> None:
            value = st["value"]
            if value is None and st["text"] is not None:
                value = "".join(st["text"])
            col, rep = st["col"], st["crep"]
            st["col"] = col + rep
            if not value or not value.strip():
                return
            row = st["row"] + 1
            if col + rep > st["width"]:
                if not st["header"]:
                    budget.check_column(col + rep, row)
                rep = max(st["width"] - col, 0)
            budget.check_field(len(value), row, header=not st["header"])
            for c in range(col, col + rep):  # bounded by the header width
                st["cells"][c] = value

        def _end_row() -> None:
            first = st["row"] + 1
            st["row"] += st["rrep"]
            cells = st["cells"]
            if not cells:
                return
            if st["row"] > SHEET_MAX_ROWS:
                raise budget.refuse(f"feuille de plus de {SHEET_MAX_ROWS} lignes",
                                    ligne=first)
            copies = st["rrep"]
            if not st["header"]:
                st["header"] = True
                st["width"] = max(cells) + 1
                out.append((first, cells, 1, True))
                first += 1
                copies -= 1
            if copies:
                out.append((first, cells, copies, False))

        def drain() -> Iterator[Row]:
            # repeated rows are expanded here, one at a time, under the limits
            for first, cells, copies, is_header in out:
                for k in range(copies):
                    if not is_header:
                        st["data"] += 1
                        budget.check_row(first + k, st["data"])
                    budget.add_cells(len(cells), first + k)
                    if k and k % 4096 == 0:
                        budget.check_time(first + k)
                    yield first + k, dict(cells)
            out.clear()

        yield from feed(self.zf, "content.xml", make_parser(start, end, text), budget, drain)


def _repeat_text(attrs: dict[str, str]) -> int:
    try:
        return max(int(attrs.get(f"{_TEXT} c", "1")), 1)
    except ValueError:
        return 1
