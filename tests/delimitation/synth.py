"""SYNTHETIC test data: small grids, urban units and INSEE-layout files written on the fly.

Nothing here is real: the commune codes 90xxx, the urban units 9000x and every value are
made up so that each test knows its answer by construction. Squares are placed near
Marseille in EPSG:3035 so that reprojection behaves as on real data.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from quartiers.io.grid import Grid
from quartiers.io.urban_units import UrbanUnits
from quartiers.parameters import Rules, load_rules, rule_names

X0, Y0, RES = 3_930_000, 2_300_000, 200
NATIONAL_MEDIAN = 21730.0
LOW, HIGH = 9000.0, 30000.0  # mean standard of living of poor / rich squares (EUR)

# Method choices pinned for the tests, so that they do not depend on calibrated defaults:
# edge contiguity, no filling, no smoothing, the threshold applied as is (factor 1).
NEUTRAL = {
    "statistique": "auto",
    "connexite": "cote",
    "combler_trous": 0,
    "combler_ecarts": "non",
    "population_min_carreau": 0,
    "calibration_moyenne_mediane": "fixe",
    "ratio_moyenne_mediane": 1.0,
    "ratio_disponible_declare": 1.0,
    "lissage": 0,
}


def rules(jeu: str = "2024", **overrides: object) -> Rules:
    """Rules of ``jeu`` with the method choices pinned (``NEUTRAL``) and ``overrides``.

    Pinned names that the engine does not (or no longer) know are skipped.
    """
    known = set(rule_names())
    pinned = {k: v for k, v in NEUTRAL.items() if k in known}
    return load_rules(jeu, {**pinned, **overrides})


@dataclass
class SynthUU:
    code: str
    name: str
    population: int
    median: float
    communes: tuple[str, ...]
    bracket: str = ""  # INSEE's TDUU2017 bracket for the XLSX


# Synthetic urban units. S (2024 rules, < 5 million):
#   A: 0.6 x (0.7 x 21730 + 0.3 x 20000) = 12726.6 -> 12800
#   B: 0.6 x (0.7 x 21730 + 0.3 x 24000) = 13446.6 -> 13500
SYNTH_UUS = (
    SynthUU("90000", "Communes hors unité urbaine (synthétique)", 0, float("nan"),
            ("90901", "90902"), ""),
    SynthUU("90001", "Synthville-A", 200_000, 20000.0, ("90101", "90102"), "71"),
    SynthUU("90002", "Synthville-B", 100_000, 24000.0, ("90201",), "61"),
    SynthUU("90003", "Petiteville", 9_900, 19000.0, ("90301",), "22"),
    SynthUU("90004", "Moyenneville", 9_901, 19000.0, ("90401",), "31"),
)
COMMUNE_A, COMMUNE_A2, COMMUNE_B = "90101", "90102", "90201"
COMMUNE_SMALL, COMMUNE_JUST, COMMUNE_OUT = "90301", "90401", "90901"
S_A, S_B = 12800, 13500


def make_uus(
    units: tuple[SynthUU, ...] = SYNTH_UUS, national: float = NATIONAL_MEDIAN
) -> UrbanUnits:
    """An :class:`UrbanUnits` built directly, with exact populations."""
    units = tuple(sorted(units, key=lambda u: u.code))
    codes = np.array([u.code for u in units], dtype="U5")
    pairs = sorted((c, i) for i, u in enumerate(units) for c in u.communes)
    return UrbanUnits(
        codes=codes,
        names=np.array([u.name for u in units], dtype=object),
        population=np.array([u.population for u in units], dtype=np.int64),
        median=np.array([u.median for u in units], dtype=np.float64),
        is_urban=np.array([not u.code.endswith("000") for u in units]),
        commune_codes=np.array([c for c, _ in pairs], dtype="U5"),
        commune_uu=np.array([i for _, i in pairs], dtype=np.int64),
        national_median=national,
        commune_names={c: f"Commune {c}" for c, _ in pairs},
        median_source="synthétique",
    )


def inspire_id(x: int, y: int) -> str:
    return f"CRS3035RES200mN{y}E{x}"


@dataclass
class Cell:
    """One synthetic square at raster position (col, row)."""

    col: int
    row: int
    ind: float = 100.0
    mean: float = LOW  # mean standard of living: ind_snv = ind x mean
    commune: str = COMMUNE_A
    imputed: bool = False
    median: float | None = None

    @property
    def x(self) -> int:
        return X0 + self.col * RES

    @property
    def y(self) -> int:
        return Y0 + self.row * RES


def block(c0: int, r0: int, width: int, height: int, **kw: object) -> list[Cell]:
    """A rectangle of identical cells."""
    return [Cell(c, r, **kw) for r in range(r0, r0 + height) for c in range(c0, c0 + width)]


def make_grid(cells: list[Cell], *, with_median: bool = False) -> Grid:
    """A :class:`Grid` built directly from cells (as ``read_grid`` would return it)."""
    x = np.array([c.x for c in cells], dtype=np.int64)
    y = np.array([c.y for c in cells], dtype=np.int64)
    ind = np.array([c.ind for c in cells], dtype=np.float64)
    median = None
    if with_median:
        median = np.array(
            [np.nan if c.median is None else c.median for c in cells], dtype=np.float64
        )
    return Grid(
        ids=np.array([inspire_id(int(a), int(b)) for a, b in zip(x, y, strict=True)],
                     dtype=object),
        x=x, y=y, ind=ind,
        snv=ind * np.array([c.mean for c in cells], dtype=np.float64),
        imputed=np.array([c.imputed for c in cells], dtype=bool),
        communes=np.array([c.commune for c in cells], dtype=object),
        median=median, resolution=RES, source="grille-synthetique.csv",
    )


# --- files in INSEE's layouts ---------------------------------------------------------------

HEADER_2019 = ("idcar_200m", "idcar_1km", "idcar_nat", "i_est_200", "i_est_1km", "lcog_geo",
               "ind", "men", "men_pauv", "men_1ind", "ind_snv", "log_soc")
HEADER_2015 = ("IdINSPIRE", "Id_carr1km", "I_est_cr", "Id_carr_n", "Groupe", "Depcom",
               "I_pauv", "Id_car2010", "Ind", "Men", "Men_pauv", "Ind_snv", "Men_surf")


def csv_rows_2019(cells: list[Cell]) -> list[list[str]]:
    rows = []
    for c in cells:
        men = max(1, round(c.ind / 2.2))
        rows.append([
            inspire_id(c.x, c.y), f"CRS3035RES1000mN{c.y // 1000 * 1000}E{c.x // 1000 * 1000}",
            "", "1" if c.imputed else "0", "0", c.commune, f"{c.ind:g}", str(men),
            str(men // 3), str(men // 4), f"{c.ind * c.mean:.1f}", "0",
        ])
    return rows


def write_csv_2019(path: Path, cells: list[Cell], *, median: bool = False, sep: str = ",") -> Path:
    """A grid CSV in INSEE's 2019 layout (lower-case names), optional ``median`` column."""
    header = list(HEADER_2019) + (["median"] if median else [])
    lines = [sep.join(header)]
    for c, row in zip(cells, csv_rows_2019(cells), strict=True):
        if median:
            row = [*row, "" if c.median is None else f"{c.median:g}"]
        lines.append(sep.join(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_csv_2015(path: Path, cells: list[Cell], *, decimal_comma: bool = True) -> Path:
    """A grid CSV in the capitalised 2015 layout, ``;``-separated, decimal commas."""
    lines = [";".join(HEADER_2015)]
    for c in cells:
        men = max(1, round(c.ind / 2.2))
        snv = f"{c.ind * c.mean:.1f}"
        ind = f"{c.ind:g}"
        if decimal_comma:
            snv, ind = snv.replace(".", ","), ind.replace(".", ",")
        lines.append(";".join([
            inspire_id(c.x, c.y), "", "1" if c.imputed else "0", "", "1", c.commune, "0", "",
            ind, str(men), str(men // 3), snv, "0",
        ]))
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


# --- minimal XLSX writer (no dependency), for the urban-unit composition ------------------

def _column_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _sheet_xml(rows: list[list[object]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           "<sheetData>"]
    for r, row in enumerate(rows, 1):
        out.append(f'<row r="{r}">')
        for c, v in enumerate(row):
            ref = f"{_column_letter(c)}{r}"
            if v is None:
                continue
            if isinstance(v, int | float):
                out.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write a minimal Office Open XML workbook (inline strings) readable by calamine."""
    ns_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ns_pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    names = list(sheets)
    ct_sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    content_types = (
        xml + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="{ct_sheet}"/>'
            for i in range(len(names))
        )
        + "</Types>"
    )
    root_rels = (
        xml + f'<Relationships xmlns="{ns_pkg}"><Relationship Id="rId1" '
        f'Type="{ns_rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        xml + '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{ns_rel}"><sheets>'
        + "".join(
            f'<sheet name="{escape(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i, n in enumerate(names)
        )
        + "</sheets></workbook>"
    )
    workbook_rels = (
        xml + f'<Relationships xmlns="{ns_pkg}">'
        + "".join(
            f'<Relationship Id="rId{i + 1}" Type="{ns_rel}/worksheet" '
            f'Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(names))
        )
        + "</Relationships>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        for i, n in enumerate(names):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", _sheet_xml(sheets[n]))
    return path


def write_uu_files(
    directory: Path, units: tuple[SynthUU, ...] = SYNTH_UUS, national: float = NATIONAL_MEDIAN,
    *, drop_median: str | None = None,
) -> tuple[Path, Path, Path]:
    """INSEE-layout composition XLSX, per-UU Filosofi CSV and national CSV (synthetic).

    Returns (composition, revenus_uu, revenus_nat). ``drop_median`` leaves one UU out of
    the income file.
    """
    titles: list[list[object]] = [
        ["Base des unités urbaines 2020 (SYNTHÉTIQUE, pour les tests)"], [], [], [], [],
    ]
    uu_sheet = [*titles, ["UU2020", "LIBUU2020", "TUU2017", "TDUU2017", "NB_COM"]]
    compo = [*titles, ["CODGEO", "LIBGEO", "UU2020", "LIBUU2020", "TYPE_COM", "DEP"]]
    for u in units:
        if not u.code.endswith("000"):
            uu_sheet.append([u.code, u.name, u.bracket[:1], u.bracket, len(u.communes)])
        for c in u.communes:
            compo.append([c, f"Commune {c}", u.code, u.name, "V", c[:2]])
    composition = write_xlsx(
        directory / "UU2020_synthetique.xlsx",
        {"UU2020": uu_sheet, "Composition_communale": compo, "Variables": [["x"]]},
    )
    lines = ["CODGEO;NBMENFISC18;NBPERSMENFISC18;MED18;TP6018"]
    for u in units:
        if u.code.endswith("000") or u.code == drop_median:
            continue
        lines.append(f"{u.code};{u.population // 2};{u.population};{u.median:g};15.2")
    revenus_uu = directory / "cc_filosofi_synthetique_UU2020.CSV"
    revenus_uu.write_text("\n".join(lines) + "\n", encoding="utf-8")
    revenus_nat = directory / "cc_filosofi_synthetique_METRO.CSV"
    revenus_nat.write_text(
        f"CODGEO;NBMENFISC18;NBPERSMENFISC18;MED18\n1;27510608;62464556;{national:g}\n",
        encoding="utf-8",
    )
    return composition, revenus_uu, revenus_nat
