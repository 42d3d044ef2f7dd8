"""INSEE urban units (composition of a zoning such as UU2020) and Filosofi per-UU income
medians. The zoning is read from the file (its ``UUaaaa`` column), not assumed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from quartiers.errors import QuartiersError
from quartiers.io.tables import read_table, to_float

# Lower bound of INSEE's detailed size brackets (TDUU), population of the census year.
# The decree's thresholds (10 000 and 5 million) coincide with bracket bounds, so the bracket
# decides eligibility exactly; Paris (bracket 80) is the only UU of 5 million or more.
BRACKET_LOWER_BOUND = {
    "11": 0, "12": 2500, "13": 3000, "14": 4000, "21": 5000, "22": 7000,
    "31": 10000, "32": 15000, "41": 20000, "42": 25000, "43": 30000, "44": 40000,
    "51": 50000, "52": 70000, "61": 100000, "62": 150000, "71": 200000, "72": 300000,
    "73": 500000, "80": 5000000,
}

# Municipal arrondissements -> commune (INSEE's real lcog_geo uses them).
ARRONDISSEMENTS = {
    **{f"751{i:02d}": "75056" for i in range(1, 21)},
    **{f"6938{i}": "69123" for i in range(1, 10)},
    **{f"132{i:02d}": "13055" for i in range(1, 17)},
}

_ARR_CODES = np.array(sorted(ARRONDISSEMENTS), dtype="U5")
_ARR_COMMUNES = np.array([ARRONDISSEMENTS[c] for c in _ARR_CODES], dtype="U5")


@dataclass
class UrbanUnits:
    """Urban units with their size, median income, and the commune -> UU mapping.

    ``codes`` is sorted; ``commune_codes`` is sorted and ``commune_uu`` gives, for each,
    the index of its UU in ``codes``. Codes ending in ``000`` are INSEE's "communes outside
    any urban unit" of a département: ``is_urban`` is false for them.
    """

    codes: np.ndarray
    names: np.ndarray
    population: np.ndarray
    median: np.ndarray
    is_urban: np.ndarray
    commune_codes: np.ndarray
    commune_uu: np.ndarray
    national_median: float
    commune_names: dict[str, str] | None = None
    fiscal_population: np.ndarray | None = None  # people in fiscal households (Filosofi)
    population_source: str = ""
    median_source: str = ""
    zonage: str = ""  # the INSEE zoning of the composition file ("UU2020"), "" if unknown

    def index_of_communes(self, codes: np.ndarray) -> np.ndarray:
        """UU index of each commune code (arrondissements mapped), -1 when unknown."""
        codes = np.asarray(codes, dtype="U5")
        # one sorted look-up instead of one pass per arrondissement (45 passes at France size)
        at = np.clip(np.searchsorted(_ARR_CODES, codes), 0, len(_ARR_CODES) - 1)
        codes = np.where(_ARR_CODES[at] == codes, _ARR_COMMUNES[at], codes)
        pos = np.searchsorted(self.commune_codes, codes)
        pos = np.clip(pos, 0, len(self.commune_codes) - 1)
        found = self.commune_codes[pos] == codes
        return np.where(found, self.commune_uu[pos], -1)

    def index_of(self, uu_code: str) -> int:
        i = int(np.searchsorted(self.codes, uu_code))
        if i >= len(self.codes) or self.codes[i] != uu_code:
            raise QuartiersError(f"unité urbaine « {uu_code} » inconnue",
                                 champ=self.zonage or "unité urbaine")
        return i


def _rows_after_header(path: Path, sheet: str, header_first: str) -> tuple[list[str], list[list]]:
    """Rows of ``sheet`` after the row whose first cell is ``header_first`` (INSEE files
    open with a few title lines), each row ending with its line number in the sheet."""
    from quartiers.io.limits import ReadLimits
    from quartiers.io.xlsx import XlsxBook

    with XlsxBook(path, ReadLimits.for_batch()) as book:
        if sheet.lower() not in (n.lower() for n in book.sheet_names):
            raise QuartiersError(
                f"onglet « {sheet} » absent (onglets : {', '.join(book.sheet_names)})",
                fichier=path,
            )
        rows = book.rows(sheet, header=False)
        for _, cells in rows:
            if str(cells.get(0, "")).strip() != header_first:
                continue
            width = max(cells) + 1
            header = [cells.get(c, "").strip() for c in range(width)]
            return header, [[*(r.get(c, "") for c in range(width)), line]
                            for line, r in rows]
    raise QuartiersError(
        f"ligne d'en-tête introuvable (première colonne « {header_first} » attendue)",
        fichier=path,
        champ=header_first,
    )


@dataclass
class Composition:
    """The commune -> UU composition of one INSEE zoning file."""

    zonage: str  # "UU2020": the name of the UU code column, also the name of the UU sheet
    communes: np.ndarray
    uu: np.ndarray
    uu_names: np.ndarray
    brackets: dict[str, str]  # UU code -> detailed size bracket
    bracket_column: str  # "TDUU2017"
    commune_names: dict[str, str]


def read_composition(
    path: Path,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, str], dict[str, str]]:
    """Commune -> UU composition.

    Returns (communes, uu codes, uu names, uu code -> size bracket, commune -> name).
    """
    c = read_zoning(path)
    return c.communes, c.uu, c.uu_names, c.brackets, c.commune_names


def read_zoning(path: Path) -> Composition:
    """Commune -> UU composition, in the zoning the file gives (its ``UUaaaa`` column)."""
    header, rows = _rows_after_header(path, "Composition_communale", "CODGEO")
    zonage = next((h for h in header if re.fullmatch(r"UU\d{4}", h)), None)
    if zonage is None:
        raise QuartiersError("colonne du code d'unité urbaine absente (UUaaaa, ex. UU2020)",
                             fichier=path, champ="UU2020")
    for needed in ("CODGEO", "LIB" + zonage):
        if needed not in header:
            raise QuartiersError("colonne absente", fichier=path, champ=needed)
    ic, iu, il = header.index("CODGEO"), header.index(zonage), header.index("LIB" + zonage)
    rows = [r for r in rows if str(r[ic]).strip()]
    communes = np.array([str(r[ic]).strip() for r in rows], dtype="U5")
    uu = np.array([str(r[iu]).strip() for r in rows], dtype="U5")
    uu_names = np.array([str(r[il]).strip() for r in rows], dtype=object)
    bad = np.flatnonzero(np.char.str_len(communes) != 5)
    if bad.size:
        raise QuartiersError(
            f"code commune « {communes[bad[0]]} » invalide", fichier=path,
            ligne=rows[bad[0]][-1], champ="CODGEO",
        )
    sheet_header, uu_rows = _rows_after_header(path, zonage, zonage)
    column = next((h for h in sheet_header if re.fullmatch(r"TDUU\d{4}", h)), "")
    brackets = {}
    if column:
        it = sheet_header.index(column)
        brackets = {str(r[0]).strip(): str(r[it]).strip() for r in uu_rows if str(r[0]).strip()}
    il2 = header.index("LIBGEO") if "LIBGEO" in header else None
    names = {
        str(r[ic]).strip(): (str(r[il2]).strip() if il2 is not None else "") for r in rows
    }
    return Composition(zonage, communes, uu, uu_names, brackets, column, names)


def read_uu_incomes(path: Path) -> dict[str, tuple[float, float]]:
    """Filosofi per-UU file: UU code -> (median standard of living, people)."""
    table = read_table(path)
    cols = {c.upper(): c for c in table.column_names}
    code_col = cols.get("CODGEO")
    med_col = next((cols[c] for c in cols if re.fullmatch(r"MED\d\d", c)), None)
    pop_col = next((cols[c] for c in cols if re.fullmatch(r"NBPERSMENFISC\d\d", c)), None)
    if code_col is None or med_col is None:
        raise QuartiersError(
            "colonnes CODGEO et MEDaa (médiane du niveau de vie) attendues",
            fichier=path, champ="CODGEO" if code_col is None else "MED18",
        )
    codes = pc.cast(table.column(code_col), "string").to_pylist()
    med = to_float(table, med_col, path, required=False, minimum=0.0)
    pop = (
        to_float(table, pop_col, path, required=False, minimum=0.0)
        if pop_col
        else np.full(len(codes), np.nan)
    )
    return {str(c).strip().zfill(5): (m, p) for c, m, p in zip(codes, med, pop, strict=True)}


def read_national_median(path: Path) -> float:
    """National median standard of living (France métropolitaine) from Filosofi."""
    table = read_table(path)
    cols = {c.upper(): c for c in table.column_names}
    med_col = next((cols[c] for c in cols if re.fullmatch(r"MED\d\d", c)), None)
    if med_col is None or table.num_rows != 1:
        raise QuartiersError(
            "une seule ligne avec une colonne MEDaa (médiane nationale) attendue",
            fichier=path, champ="MED18",
        )
    return float(to_float(table, med_col, path)[0])


def load_urban_units(composition: Path, incomes: Path, national: Path) -> UrbanUnits:
    """Assemble urban units from INSEE's three files."""
    compo = read_zoning(composition)
    communes, uu, uu_names, brackets = compo.communes, compo.uu, compo.uu_names, compo.brackets
    income = read_uu_incomes(incomes)
    nat = read_national_median(national)

    codes, first = np.unique(uu, return_index=True)
    names = uu_names[first]
    is_urban = np.array([not c.endswith("000") for c in codes])
    population = np.array(
        [BRACKET_LOWER_BOUND.get(brackets.get(c, ""), 0) if u else 0
         for c, u in zip(codes, is_urban, strict=True)],
        dtype=np.int64,
    )
    median = np.array([income.get(c, (np.nan, np.nan))[0] for c in codes], dtype=np.float64)
    fiscal = np.array([income.get(c, (np.nan, np.nan))[1] for c in codes], dtype=np.float64)
    order = np.argsort(communes)
    commune_codes = communes[order]
    commune_uu = np.searchsorted(codes, uu[order])
    return UrbanUnits(
        codes=codes, names=names, population=population, median=median, is_urban=is_urban,
        commune_codes=commune_codes, commune_uu=commune_uu, national_median=nat,
        commune_names=compo.commune_names,
        fiscal_population=fiscal,
        population_source=(f"tranche détaillée de population {compo.bracket_column[4:]} "
                           f"({compo.bracket_column})" if compo.bracket_column else
                           "tranche de population absente : population inconnue (0)"),
        median_source=f"{incomes.name} (médianes par unité urbaine), {national.name}",
        zonage=compo.zonage,
    )
