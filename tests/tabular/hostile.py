"""Hand-made workbooks for the reader tests (synthetic: written here, byte by byte).

Each builder writes the smallest valid container around a sheet's XML, so that a test can
declare what no spreadsheet program would (a full ``A1:XFD1048576`` sheet in 1.6 KB, a cell
repeated a billion times, a DTD with entities...).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
       'package/2006/content-types"><Default Extension="rels" ContentType="application/'
       'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
       'ContentType="application/xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
         'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
         'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
       'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
       'relationships"><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>'
       '</workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>')

HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>lon</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>lat</t></is></c></row>')


def xlsx(path: Path, rows_xml: str, dimension: str | None = None, sheet: str = "Feuil1",
         prolog: str = "") -> Path:
    """A one-sheet workbook whose ``sheetData`` is ``rows_xml``."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="http://schemas.'
            f'openxmlformats.org/spreadsheetml/2006/main">{dim}<sheetData>{rows_xml}'
            '</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB.format(name=sheet))
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", body)
    return path


def full_sheet_bomb(path: Path) -> Path:
    """The probe of issue 9: a full sheet declared, one cell in its far corner."""
    return xlsx(path, HEADER_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                dimension="A1:XFD1048576")


def ods(path: Path, rows_xml: str) -> Path:
    """A one-sheet OpenDocument spreadsheet whose table holds ``rows_xml``."""
    body = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
            '<office:spreadsheet><table:table table:name="Feuille1">'
            f'{rows_xml}</table:table></office:spreadsheet></office:body>'
            '</office:document-content>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", body)
    return path


def ods_cell(text: str, repeat: int = 1, number: float | None = None) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if number is not None:
        return (f'<table:table-cell office:value-type="float" office:value="{number}"{rep}>'
                f'<text:p>{number}</text:p></table:table-cell>')
    return f'<table:table-cell office:value-type="string"{rep}><text:p>{text}</text:p>' \
           '</table:table-cell>'


def ods_row(cells: str, repeat: int = 1) -> str:
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{rep}>{cells}</table:table-row>"
