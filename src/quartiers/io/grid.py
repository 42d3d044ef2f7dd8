"""INSEE Filosofi 200 m grid, as INSEE publishes it (CSV, GeoPackage, Parquet).

Column names differ between vintages: 2019 uses lower case (``idcar_200m``, ``ind``,
``ind_snv``, ``i_est_200``, ``lcog_geo``, ``men``, ``men_pauv``), 2015 and 2017 capitalise
them (``Idcar_200m``, ``IdINSPIRE``, ``Ind``, ``Ind_snv``, ``I_est_200``...). Matching is
case-insensitive. The square's position comes from its INSPIRE id
``CRS3035RES200mN{y}E{x}`` (lower-left corner, EPSG:3035).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from quartiers.errors import QuartiersError
from quartiers.io.tables import normalise_names, read_table, to_float

ID_COLUMNS = ("idcar_200m", "idinspire", "idcar", "id_carr200m", "idcar_1km")
ID_PATTERN = r"^CRS3035RES(?P<res>\d+)mN(?P<y>\d+)E(?P<x>\d+)$"
POP_COLUMNS = ("ind", "ind_c")
SNV_COLUMNS = ("ind_snv", "ind_srf")
IMPUTED_COLUMNS = ("i_est_200", "i_est_cr", "i_est", "i_est_1km")
MEDIAN_COLUMNS = ("median", "mediane", "med")


@dataclass
class Grid:
    """A 200 m income grid as arrays (one row per square).

    ``x`` and ``y`` are the lower-left corners in EPSG:3035 metres; ``communes`` holds the
    ``lcog_geo`` text (one or several concatenated 5-character INSEE codes).
    """

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    ind: np.ndarray
    snv: np.ndarray
    imputed: np.ndarray
    communes: np.ndarray
    resolution: int  # side of the squares, metres (from the ids)
    median: np.ndarray | None = None
    men: np.ndarray | None = None
    men_pauv: np.ndarray | None = None
    source: str = ""

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, index: np.ndarray) -> Grid:
        """The squares at ``index`` (an integer or boolean array)."""
        def t(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[index]

        return Grid(
            ids=self.ids[index], x=self.x[index], y=self.y[index], ind=self.ind[index],
            snv=self.snv[index], imputed=self.imputed[index], communes=self.communes[index],
            resolution=self.resolution, median=t(self.median), men=t(self.men),
            men_pauv=t(self.men_pauv), source=self.source,
        )


def _pick(names: dict[str, str], options: tuple[str, ...]) -> str | None:
    for opt in options:
        if opt in names:
            return names[opt]
    return None


def _require(names: dict[str, str], options: tuple[str, ...], path: Path, what: str) -> str:
    col = _pick(names, options)
    if col is None:
        found = ", ".join(sorted(names.values())[:12])
        hint = ""
        if len(names) == 1:
            hint = " ; le séparateur du fichier n'est peut-être pas celui attendu"
        raise QuartiersError(
            f"colonne obligatoire absente ({what}, attendue : {' ou '.join(options)}) ; "
            f"colonnes trouvées : {found}{hint}",
            fichier=path,
            champ=options[0],
        )
    return col


def parse_inspire_ids(
    ids: pa.Array | pa.ChunkedArray, path: Path | str = "", column: str = "idcar_200m",
    resolution: int | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Lower-left corners (x, y) from INSPIRE ids, vectorised, and the squares' side.

    Every square must have side ``resolution`` (metres), or, when it is None, the side of
    the first square.

    >>> x, y, side = parse_inspire_ids(pa.array(["CRS3035RES200mN2307400E3865600"]))
    >>> int(x[0]), int(y[0]), side
    (3865600, 2307400, 200)
    """
    text = pc.utf8_trim_whitespace(pc.cast(ids, pa.string()))
    parts = pc.extract_regex(text, ID_PATTERN)
    bad = pc.is_null(parts).to_numpy(zero_copy_only=False)
    if bad.any():
        idx = int(np.flatnonzero(bad)[0])
        raise QuartiersError(
            f"identifiant de carreau invalide « {text[idx].as_py()} » "
            "(attendu : CRS3035RES{côté}mN{y}E{x})",
            fichier=path, ligne=idx + 2, champ=column,
        )
    res = pc.cast(pc.struct_field(parts, "res"), pa.int64()).to_numpy(zero_copy_only=False)
    expected = int(res[0]) if resolution is None and len(res) else resolution
    wrong = res != expected
    if wrong.any():
        idx = int(np.flatnonzero(wrong)[0])
        raise QuartiersError(
            f"carreau de {res[idx]} m, le carroyage attendu est de {expected} m"
            + (" (comme son premier carreau)" if resolution is None else ""),
            fichier=path, ligne=idx + 2, champ=column,
        )
    resolution = int(expected or 1)
    y = pc.cast(pc.struct_field(parts, "y"), pa.int64()).to_numpy(zero_copy_only=False)
    x = pc.cast(pc.struct_field(parts, "x"), pa.int64()).to_numpy(zero_copy_only=False)
    off = (x % resolution != 0) | (y % resolution != 0)
    if off.any():
        idx = int(np.flatnonzero(off)[0])
        raise QuartiersError(
            f"coordonnées non alignées sur la grille de {resolution} m",
            fichier=path, ligne=idx + 2, champ=column,
        )
    return x, y, resolution


def read_grid(path: str | Path, resolution: int | None = None) -> Grid:
    """Read a Filosofi grid file (CSV with any separator, GeoPackage or Parquet).

    ``resolution`` is the side (metres) every square must have (the rules' ``cote_carreau``);
    None accepts the side of the first square, the same for all.

    Raises :class:`QuartiersError` naming the file, line and field of the first problem:
    missing column, invalid id, squares of another side, non-numeric or negative value,
    duplicated square.
    """
    path = Path(path)
    table = read_table(path)
    if table.num_rows == 0:
        raise QuartiersError("le carroyage ne contient aucun carreau", fichier=path)
    names = normalise_names(table)
    id_col = _require(names, ID_COLUMNS, path, "identifiant INSPIRE du carreau")
    pop_col = _require(names, POP_COLUMNS, path, "nombre d'individus")
    snv_col = _require(names, SNV_COLUMNS, path, "somme des niveaux de vie")
    com_col = _require(names, ("lcog_geo", "depcom", "codgeo"), path, "code commune")
    imp_col = _pick(names, IMPUTED_COLUMNS)
    med_col = _pick(names, MEDIAN_COLUMNS)

    ids_arrow = pc.utf8_trim_whitespace(pc.cast(table.column(id_col), pa.string()))
    x, y, resolution = parse_inspire_ids(ids_arrow, path, id_col, resolution)
    ind = to_float(table, pop_col, path, minimum=0.0)
    snv = to_float(table, snv_col, path, minimum=0.0)
    if imp_col:
        imputed = to_float(table, imp_col, path, required=False) == 1
    else:
        imputed = np.zeros(len(x), dtype=bool)
    median = to_float(table, med_col, path, required=False, minimum=0.0) if med_col else None

    def optional(options: tuple[str, ...]) -> np.ndarray | None:
        col = _pick(names, options)
        return to_float(table, col, path, required=False, minimum=0.0) if col else None

    communes_arrow = pc.utf8_trim_whitespace(pc.cast(table.column(com_col), pa.string()))
    missing = pc.is_null(communes_arrow).to_numpy(zero_copy_only=False)
    if missing.any():
        idx = int(np.flatnonzero(missing)[0])
        raise QuartiersError("code commune manquant", fichier=path, ligne=idx + 2, champ=com_col)
    communes = np.asarray(communes_arrow.to_numpy(zero_copy_only=False), dtype=object)
    lengths = pc.utf8_length(communes_arrow).to_numpy(zero_copy_only=False)
    bad_len = (lengths % 5 != 0) | (lengths == 0)
    if bad_len.any():
        idx = int(np.flatnonzero(bad_len)[0])
        raise QuartiersError(
            f"code commune « {communes[idx]} » invalide (codes INSEE de 5 caractères)",
            fichier=path, ligne=idx + 2, champ=com_col,
        )

    key = (y // resolution) * (1 << 32) + (x // resolution)
    order = np.argsort(key, kind="stable")
    dup = np.flatnonzero(key[order][1:] == key[order][:-1])
    if dup.size:
        idx = int(order[dup[0] + 1])
        raise QuartiersError(
            "carreau en double", fichier=path, ligne=idx + 2, champ=id_col
        )
    ids = np.asarray(ids_arrow.to_numpy(zero_copy_only=False), dtype=object)
    return Grid(
        ids=ids, x=x, y=y, ind=ind, snv=snv, imputed=imputed, communes=communes,
        median=median, men=optional(("men",)), men_pauv=optional(("men_pauv",)),
        resolution=resolution, source=str(path),
    )


def commune_codes(communes: np.ndarray, position: int) -> np.ndarray:
    """The ``position``-th 5-character code of each ``lcog_geo`` ('' when absent).

    >>> commune_codes(np.array(["6938169382", "69123"], dtype=object), 1).tolist()
    ['69382', '']
    """
    text = pa.array(communes, type=pa.string())
    sliced = pc.utf8_slice_codeunits(text, position * 5, position * 5 + 5)
    return np.asarray(sliced.to_numpy(zero_copy_only=False), dtype="U5")
