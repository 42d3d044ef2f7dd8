"""The one reader of user tables under hostile input: every probe of issue 9 (points 1 and
8) and the everyday files of French offices (Excel's Windows-1252 CSV, LibreOffice's ODS)."""

from __future__ import annotations

import codecs
import datetime as dt
import zipfile
from pathlib import Path

import pytest

from quartiers.io.limits import FichierRefuse, ReadLimits
from quartiers.io.readers import open_table, sheet_names

from . import hostile

UPLOAD = ReadLimits.for_upload(max_bytes=10 << 20, max_rows=1000, max_seconds=60)


def read(path: Path, **kw) -> tuple[list[str], list[dict], list[int], list[tuple]]:
    src = open_table(path, **kw)
    rows: list[dict] = []
    lines: list[int] = []
    bad: list[tuple] = []
    for chunk in src:
        rows += chunk.table.to_pylist()
        lines += chunk.lines.tolist()
        bad += [(line, reason) for line, reason, _ in chunk.unreadable]
    return src.columns, rows, lines, bad


# ------------------------------------------------------------------------------ XLSX
@pytest.mark.parametrize("limits", [None, UPLOAD])
def test_full_sheet_declared_in_a_tiny_file_is_refused_before_reading(tmp_path, limits):
    path = hostile.full_sheet_bomb(tmp_path / "bombe.xlsx")
    assert path.stat().st_size < 2000
    declared = "déclare 1\u202f048\u202f576 lignes × 16\u202f384 colonnes"
    with pytest.raises(FichierRefuse, match=declared):
        read(path, limits=limits)


def test_far_cell_without_declared_dimension_is_not_expanded(tmp_path):
    path = hostile.xlsx(tmp_path / "loin.xlsx", hostile.HEADER_ROW
                        + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
                        + '<row r="3"><c r="A3"><v>7.25</v></c><c r="B3"><v>43.7</v></c></row>')
    columns, rows, lines, _ = read(path)
    assert columns == ["lon", "lat"]
    assert rows == [{"lon": "7.25", "lat": "43.7"}] and lines == [3]


def test_header_beyond_the_column_limit_is_refused(tmp_path):
    path = hostile.xlsx(tmp_path / "large.xlsx",
                        '<row r="1"><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>')
    with pytest.raises(FichierRefuse, match="trop de colonnes"):
        read(path, limits=UPLOAD)


def test_dtd_and_entities_are_refused(tmp_path):
    laughs = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    path = hostile.xlsx(tmp_path / "dtd.xlsx", hostile.HEADER_ROW, prolog=laughs)
    with pytest.raises(FichierRefuse, match="DTD"):
        read(path)


def test_inflation_beyond_the_limit_is_refused(tmp_path):
    padding = " " * (80 << 20)  # 80 MB of blanks compress to ~80 kB
    path = hostile.xlsx(tmp_path / "gonfle.xlsx", hostile.HEADER_ROW + padding)
    assert path.stat().st_size < 1 << 20
    limits = ReadLimits.for_upload(max_bytes=1 << 20)
    with pytest.raises(FichierRefuse, match="décompress"):
        read(path, limits=limits)


def test_rows_beyond_the_upload_limit_are_refused(tmp_path):
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c></row>'
                   for r in range(2, 14))
    path = hostile.xlsx(tmp_path / "long.xlsx", hostile.HEADER_ROW + rows)
    limits = ReadLimits.for_upload(max_bytes=1 << 20, max_rows=10)
    with pytest.raises(FichierRefuse, match="trop de lignes") as e:
        read(path, limits=limits)
    assert e.value.ligne == 12


def test_time_limit(tmp_path):
    path = hostile.xlsx(tmp_path / "a.xlsx", hostile.HEADER_ROW)
    with pytest.raises(FichierRefuse, match="lecture trop longue"):
        read(path, limits=ReadLimits(max_seconds=0.0))


def test_real_workbook_cells_as_a_user_sees_them(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Points"
    ws.append(["code", "lon", "lat", "date", "ok", "note"])
    ws.append(["01000", 7.2619, 43.7031, dt.date(2024, 1, 31), True, None])
    ws.append([5, 5.0, 43.1, dt.datetime(2024, 2, 1, 12, 30), False, "é=ü"])
    ws.append([None, None, None, None, None, None])  # an empty row is skipped
    ws.append(["x", "=1+1", 1e-3, None, None, "  "])
    wb.create_sheet("Autre").append(["a"])
    wb.save(tmp_path / "vrai.xlsx")
    assert sheet_names(tmp_path / "vrai.xlsx") == ["Points", "Autre"]
    columns, rows, lines, _ = read(tmp_path / "vrai.xlsx")
    assert columns == ["code", "lon", "lat", "date", "ok", "note"]
    assert rows[0] == {"code": "01000", "lon": "7.2619", "lat": "43.7031", "date": "2024-01-31",
                       "ok": "VRAI", "note": ""}
    assert rows[1] == {"code": "5", "lon": "5", "lat": "43.1", "date": "2024-02-01 12:30:00",
                       "ok": "FAUX", "note": "é=ü"}
    assert rows[2]["lon"] == "" and rows[2]["lat"] == "0.001"  # a formula never computed
    assert lines == [2, 3, 5]
    _, other, _, _ = read(tmp_path / "vrai.xlsx", sheet="autre")
    assert other == []


def test_a_workbook_renamed_csv_is_read_as_a_workbook(tmp_path):
    path = hostile.xlsx(tmp_path / "points.csv", hostile.HEADER_ROW
                        + '<row r="2"><c r="A2"><v>7</v></c><c r="B2"><v>43</v></c></row>')
    assert read(path)[1] == [{"lon": "7", "lat": "43"}]


def test_legacy_xls_is_refused_with_advice(tmp_path):
    path = tmp_path / "vieux.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(FichierRefuse, match=r"\.xls.*enregistrez"):
        read(path)


def test_corrupt_workbook(tmp_path):
    path = tmp_path / "casse.xlsx"
    path.write_bytes(b"PK\x03\x04pas un zip")
    with pytest.raises(FichierRefuse, match="pas un classeur XLSX lisible"):
        read(path)


# ------------------------------------------------------------------------------- ODS
def test_ods_repeated_cells_and_trailing_empty_rows(tmp_path):
    cell = hostile.ods_cell
    rows = (hostile.ods_row(cell("id") + cell("lon") + cell("lat") + cell("", repeat=1020))
            + hostile.ods_row(hostile.ods_cell("a") + hostile.ods_cell("", number=7.25)
                              + hostile.ods_cell("", number=43.7))
            + hostile.ods_row(hostile.ods_cell("même", repeat=3), repeat=2)
            + hostile.ods_row(hostile.ods_cell("", repeat=1024), repeat=1_048_000))
    path = hostile.ods(tmp_path / "a.ods", rows)
    columns, data, lines, _ = read(path)
    assert columns == ["id", "lon", "lat"]
    assert data == [{"id": "a", "lon": "7.25", "lat": "43.7"},
                    {"id": "même", "lon": "même", "lat": "même"},
                    {"id": "même", "lon": "même", "lat": "même"}]
    assert lines == [2, 3, 4]


def test_ods_repeated_header_cell_is_refused(tmp_path):
    path = hostile.ods(tmp_path / "b.ods",
                       hostile.ods_row(hostile.ods_cell("x", repeat=1_000_000_000)))
    with pytest.raises(FichierRefuse, match="trop de colonnes"):
        read(path, limits=UPLOAD)


def test_ods_repeated_row_is_refused_beyond_the_row_limit(tmp_path):
    path = hostile.ods(tmp_path / "c.ods", hostile.ods_row(hostile.ods_cell("lon"))
                       + hostile.ods_row(hostile.ods_cell("7"), repeat=1_000_000))
    with pytest.raises(FichierRefuse, match="trop de lignes"):
        read(path, limits=UPLOAD)


# ------------------------------------------------------------------------------- CSV
def _csv(tmp_path: Path, data: bytes, name: str = "a.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_any_line_ending(tmp_path, newline):
    path = _csv(tmp_path, newline.join([b"id;lon;lat", b"1;7.2;43.7", b"", b"2;7.3;43.8", b""]))
    _, rows, lines, bad = read(path)
    assert [r["id"] for r in rows] == ["1", "2"] and lines == [2, 4] and bad == []


def test_quoted_line_breaks_and_line_numbers_after_blank_lines(tmp_path):
    path = _csv(tmp_path, b'id,adresse,lon,lat\n1,"12 rue A\nbat C",7.2,43.7\n\n\n'
                          b'2,"dit ""le"" quai",7.3,43.8\n3,x,7.4\n4,y,7.5,43.9,trop\n5,z,1,2\n')
    _, rows, lines, bad = read(path)
    assert [r["adresse"] for r in rows] == ["12 rue A\nbat C", 'dit "le" quai', "z"]
    assert lines == [2, 6, 9]
    assert bad == [(7, "ligne illisible : 3 champ(s) au lieu de 4"),
                   (8, "ligne illisible : 5 champ(s) au lieu de 4")]


def test_latin1_bytes_anywhere_in_a_utf8_file(tmp_path):
    body = "".join(f"{i};café;7.2;43.7\n" for i in range(5000)).encode()
    assert len(body) > 65536
    path = _csv(tmp_path, b"id;nom;lon;lat\n" + body + "9;Trésor;7;43\n".encode("cp1252"))
    src = open_table(path, block_bytes=4096)
    rows = [r for c in src for r in c.table.to_pylist()]
    assert rows[0]["nom"] == "café" and rows[-1]["nom"] == "Trésor"
    assert src.encoding == "UTF-8 et Windows-1252"


def test_windows_1252_file_with_euro_and_curly_quote(tmp_path):
    path = _csv(tmp_path, "id;libellé\n1;10 € l’unité\n".encode("cp1252"))
    columns, rows, _, _ = read(path)
    assert columns == ["id", "libellé"] and rows == [{"id": "1", "libellé": "10 € l’unité"}]


def test_utf16_with_bom(tmp_path):
    path = _csv(tmp_path, codecs.BOM_UTF16_LE + "id\tlon\n1\tél\n".encode("utf-16-le"))
    assert read(path)[1] == [{"id": "1", "lon": "él"}]


def test_utf8_bom_is_not_part_of_the_first_name(tmp_path):
    assert read(_csv(tmp_path, codecs.BOM_UTF8 + b"lon,lat\n1,2\n"))[0] == ["lon", "lat"]


def test_300000_column_header_is_refused(tmp_path):
    path = _csv(tmp_path, b";".join(b"c%d" % i for i in range(300_000)) + b"\n1;2\n")
    with pytest.raises(FichierRefuse, match="trop de colonnes") as e:
        read(path)
    assert e.value.ligne == 1


def test_200_kb_header_field_is_refused(tmp_path):
    with pytest.raises(FichierRefuse, match="nom de colonne trop long"):
        read(_csv(tmp_path, b"a" * 200_000 + b";lat\n1;2\n"))


def test_a_line_longer_than_the_limit_is_skipped_alone(tmp_path):
    path = _csv(tmp_path, b"a;b\n" + b"x" * (6 << 20) + b"\n1;2\n")
    _, rows, lines, bad = read(path, block_bytes=1 << 20)
    assert rows == [{"a": "1", "b": "2"}] and lines == [3]
    assert bad == [(2, "ligne trop longue (plus de 4\u202f194\u202f304 octets)")]


def test_an_unclosed_quote_loses_only_its_line(tmp_path):
    _, rows, lines, bad = read(_csv(tmp_path, b'a;b\n1;"oops\n2;3\n4;5\n'))
    assert rows == [{"a": "2", "b": "3"}, {"a": "4", "b": "5"}] and lines == [3, 4]
    assert bad == [(2, "ligne illisible : guillemet ouvert jamais fermé")]


def test_header_problems(tmp_path):
    with pytest.raises(FichierRefuse, match="vide"):
        read(_csv(tmp_path, b""))
    with pytest.raises(FichierRefuse, match="en-tête"):
        read(_csv(tmp_path, b"\n\n"))
    with pytest.raises(FichierRefuse, match="colonnes en double \\(lon\\)"):
        read(_csv(tmp_path, b"lon;lon\n1;2\n"))
    with pytest.raises(FichierRefuse, match="binaire"):
        read(_csv(tmp_path, b"\x00\x01\x02"))
    assert read(_csv(tmp_path, b"lon;;lat\n1;x;2\n"))[0] == ["lon", "colonne_2", "lat"]


def test_upload_size_limit(tmp_path):
    with pytest.raises(FichierRefuse, match="trop volumineux"):
        read(_csv(tmp_path, b"a\n" + b"1\n" * 1000), limits=ReadLimits.for_upload(max_bytes=100))


def test_many_blocks_keep_line_numbers(tmp_path):
    lines_in = [b"i;v"] + [b"%d;%s" % (i, b"x" if i % 1000 else b"x;y") for i in range(20_000)]
    path = _csv(tmp_path, b"\n".join(lines_in) + b"\n")
    _, rows, lines, bad = read(path, block_bytes=4096)
    assert len(rows) == 19_980 and len(bad) == 20
    assert [b[0] for b in bad] == [i + 2 for i in range(0, 20_000, 1000)]
    assert all(int(r["i"]) + 2 == n for r, n in zip(rows, lines, strict=True))


def test_zip_members_limit(tmp_path):
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(1500):
            z.writestr(f"x/{i}", "")
    with pytest.raises(FichierRefuse, match="parties"):
        read(path, limits=UPLOAD)
