"""QPV perimeter sets: official lists (2015, 2024) and computed quartiers, one abstraction.

Published files use different property names; each known schema is mapped explicitly and
an unknown one is refused with the list of what was found. Invalid rings (the 2015 files
have some) are repaired with ``shapely.make_valid`` and reported, never dropped.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from quartiers.errors import QuartiersError

if TYPE_CHECKING:
    from quartiers.eligibility.coverage import Coverage

LAMBERT93 = "EPSG:2154"


@dataclass(frozen=True)
class Schema:
    """How one publisher names the fields of a perimeter file."""

    name: str
    code: str
    nom: str
    communes: str | None = None
    departement: str | None = None


SCHEMAS: tuple[Schema, ...] = (
    Schema("ANCT 2024 (clés courtes)", code="q", nom="n", communes="com", departement="d"),
    Schema(
        "ANCT 2024", code="code_qp", nom="lib_qp", communes="insee_com", departement="insee_dep"
    ),
    Schema("CGET 2015", code="code_qp", nom="nom_qp", communes="insee_com", departement="dep"),
    Schema("ANCT (majuscules)", code="CODE_QP", nom="NOM_QP", communes="COMMUNE_QP"),
    Schema("quartiers calculés", code="code", nom="nom", communes="communes"),
)


@dataclass
class PerimeterSet:
    """A set of QPV polygons with a vintage (``2015``, ``2024`` or ``calcul``).

    Geometries are in EPSG:2154. ``communes`` holds comma-separated INSEE codes.
    """

    codes: np.ndarray
    names: np.ndarray
    communes: np.ndarray
    departements: np.ndarray
    geometry: np.ndarray
    millesime: str
    source: str
    schema: str = ""
    repaired: list[str] = field(default_factory=list)
    #: The communes for which this set is the complete list (see eligibility.coverage);
    #: None only for sets built by hand in code, which then cover nothing.
    coverage: Coverage | None = None
    #: Features whose communes were not given and were taken from the commune outlines.
    communes_deduced: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.codes)

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(
            {"code": self.codes, "nom": self.names, "communes": self.communes,
             "departement": self.departements},
            geometry=list(self.geometry), crs=LAMBERT93,
        )


def _find_schema(columns: list[str], path: Path) -> tuple[Schema, dict[str, str]]:
    lower = {c.lower(): c for c in columns}
    for schema in SCHEMAS:
        if schema.code.lower() in lower and schema.nom.lower() in lower:
            return schema, lower
    raise QuartiersError(
        "schéma de périmètres inconnu : colonnes trouvées "
        f"{', '.join(c for c in columns if c != 'geometry')} ; schémas reconnus : "
        + " ; ".join(f"{s.name} ({s.code}, {s.nom})" for s in SCHEMAS),
        fichier=path,
    )


def _as_codes(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # None, NaN
        return ""
    if isinstance(value, (list, tuple, np.ndarray)):
        return ",".join(str(v) for v in value)
    text = str(value).strip()
    if text.startswith("["):
        return ",".join(t.strip(" '\"") for t in text.strip("[]").split(",") if t.strip())
    return text.replace(";", ",").replace(" ", "")


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep the polygonal part of each geometry (make_valid may add lines or points)."""
    parts = shapely.get_parts(geoms, return_index=True)
    pieces, index = parts
    is_poly = shapely.get_type_id(pieces) == 3  # Polygon
    is_multi = shapely.get_type_id(pieces) == 6
    keep = is_poly | is_multi
    out = np.empty(len(geoms), dtype=object)
    for i in range(len(geoms)):  # per polygon set, not per point
        own = pieces[(index == i) & keep]
        out[i] = shapely.union_all(own) if len(own) else shapely.Polygon()
    return out


def guess_millesime(codes: np.ndarray) -> str:
    """``2015`` for QP codes, ``2024`` for QN codes, ``calcul`` for computed ones."""
    first = str(codes[0]) if len(codes) else ""
    if first.startswith("QP"):
        return "2015"
    if first.startswith("QN"):
        return "2024"
    return "calcul"


def read_perimeters(path: str | Path, millesime: str | None = None,
                    coverage: str | None = None) -> PerimeterSet:
    """Read a perimeter file (GeoJSON, GeoPackage, Shapefile, GeoParquet).

    ``coverage``: ``national``, or a CSV of the communes the file is complete for; by
    default the ``couverture-communes.csv`` beside the file, else the communes its features
    name (see :mod:`quartiers.eligibility.coverage`)."""
    path = Path(path)
    if not path.exists():
        raise QuartiersError("fichier de périmètres introuvable", fichier=path)
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            gdf = gpd.read_parquet(path)
        else:
            gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as e:
        raise QuartiersError(
            f"ce n'est pas un fichier de périmètres lisible ({e})", fichier=path
        ) from None
    if not isinstance(gdf, gpd.GeoDataFrame) or "geometry" not in gdf:
        raise QuartiersError(
            "ce n'est pas un fichier de périmètres lisible (aucune géométrie)", fichier=path
        )
    if gdf.crs is None:
        raise QuartiersError("système de coordonnées absent", fichier=path)
    schema, lower = _find_schema(list(gdf.columns), path)
    codes = gdf[lower[schema.code.lower()]].astype(str).str.strip().to_numpy()
    if len(codes) == 0:
        raise QuartiersError("aucun périmètre dans le fichier", fichier=path)
    empty = np.flatnonzero((codes == "") | (codes == "None") | gdf.geometry.isna().to_numpy())
    if empty.size:
        raise QuartiersError(
            "périmètre sans code ou sans géométrie", fichier=path,
            ligne=int(empty[0]) + 1, champ=schema.code,
        )
    names = gdf[lower[schema.nom.lower()]].astype(str).to_numpy()
    if schema.communes and schema.communes.lower() in lower:
        values = gdf[lower[schema.communes.lower()]]
        communes = np.array([_as_codes(v) for v in values], dtype=object)
    else:
        communes = np.full(len(codes), "", dtype=object)
    if schema.departement and schema.departement.lower() in lower:
        deps = gdf[lower[schema.departement.lower()]].astype(str).to_numpy()
    else:
        deps = np.array([c.split(",")[0][:2] if c else "" for c in communes], dtype=object)
    geoms = gdf.to_crs(LAMBERT93).geometry.to_numpy()
    invalid = ~shapely.is_valid(geoms)
    repaired = [str(c) for c in codes[invalid]]
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = _polygonal(shapely.make_valid(geoms[invalid]))
    deduced = _deduce_communes(communes, np.asarray(geoms, dtype=object))
    deps = np.array([d if d and d.lower() not in ("nan", "none") else
                     (c.split(",")[0][:2] if c else "") for d, c in zip(deps, communes,
                                                                         strict=True)],
                    dtype=object)
    from quartiers.eligibility.coverage import coverage_for

    return PerimeterSet(
        codes=codes, names=names, communes=communes, departements=deps,
        geometry=np.asarray(geoms, dtype=object),
        millesime=millesime or guess_millesime(codes), source=str(path),
        schema=schema.name, repaired=repaired,
        coverage=coverage_for(path, coverage, communes), communes_deduced=deduced,
    )


def _deduce_communes(communes: np.ndarray, geoms: np.ndarray) -> list[str]:
    """Fill in place the communes of features that name none, from the commune outlines of
    the data directory (those covering at least 1 % of the perimeter); return which."""
    empty = np.flatnonzero(communes == "")
    if not empty.size:
        return []
    try:
        from quartiers.eligibility.territory import default_territory

        territory = default_territory()
    except QuartiersError:  # no outlines: the communes stay unknown
        return []
    tree = shapely.STRtree(territory.geometry)
    shapes, outlines = tree.query(geoms[empty], predicate="intersects")
    share = (shapely.area(shapely.intersection(geoms[empty][shapes],
                                               territory.geometry[outlines]))
             / np.maximum(shapely.area(geoms[empty][shapes]), 1e-9))
    keep = share >= 0.01
    for k, i in enumerate(empty):  # per perimeter without communes, not per point
        found = sorted(set(territory.codes[outlines[keep & (shapes == k)]]))
        communes[i] = ",".join(found)
    return [str(c) for c in communes[empty]]


def from_quartiers(quartiers: gpd.GeoDataFrame, source: str = "calcul") -> PerimeterSet:
    """A perimeter set from the engine's quartiers (EPSG:2154 GeoDataFrame)."""
    gdf = quartiers.to_crs(LAMBERT93)
    communes = gdf["communes"].astype(str).to_numpy() if "communes" in gdf else None
    n = len(gdf)
    return PerimeterSet(
        codes=gdf["code"].astype(str).to_numpy(),
        names=gdf["nom"].astype(str).to_numpy() if "nom" in gdf else gdf["code"].to_numpy(),
        communes=communes if communes is not None else np.full(n, "", dtype=object),
        departements=np.array([c[:2] for c in (communes if communes is not None else [""] * n)],
                              dtype=object),
        geometry=gdf.geometry.to_numpy(),
        millesime="calcul", source=source, schema="quartiers calculés",
    )


#: Vintages available in the data directory, by ``--perimetres`` name.
MILLESIMES: dict[str, str] = {"2024": "qpv_2024", "2015": "qpv_2015"}
#: The quartiers the engine computes on the data directory's grid under the 2024 rules.
CALCUL = "calcul"


@functools.cache
def computed_perimeters() -> PerimeterSet:
    """The ``calcul`` vintage: the engine's quartiers on the bundled grid, 2024 rules."""
    from quartiers.delimitation import delimit
    from quartiers.eligibility.coverage import coverage_of_grid
    from quartiers.inputs import default_inputs
    from quartiers.parameters import load_rules

    inp = default_inputs()
    result = delimit(inp.grid, inp.uus, load_rules("2024"), unknown_communes="ignorer",
                     commune_names=inp.uus.commune_names)
    pset = from_quartiers(result.quartiers.drop(columns=["zone"]),
                          source="quartiers calculés (règles 2024, carroyage du dossier de "
                                 "données)")
    # the engine speaks for the communes whose squares it read, and for no other
    pset.coverage = coverage_of_grid(inp.grid)
    return pset


def load_perimeters(spec: str | Path, coverage: str | None = None) -> PerimeterSet:
    """A perimeter set from a vintage name or a path.

    ``2024`` / ``2015`` name the official lists in the data directory, ``calcul`` the
    quartiers computed on its grid (:func:`computed_perimeters`); a file is read with
    :func:`read_perimeters`; a directory written by ``quartiers delimiter`` is read through
    its ``quartiers.gpkg`` (vintage ``calcul``).
    """
    from quartiers.config import dataset

    text = str(spec).strip()
    if text == CALCUL:
        return computed_perimeters()
    if text in MILLESIMES:
        return read_perimeters(dataset(MILLESIMES[text]), millesime=text, coverage=coverage)
    path = Path(text)
    if path.is_dir():
        for name in ("quartiers.gpkg", "quartiers.parquet", "quartiers.geojson"):
            if (path / name).exists():
                return read_perimeters(path / name, millesime="calcul", coverage=coverage)
        raise QuartiersError(
            "dossier sans quartiers calculés (quartiers.gpkg attendu, écrit par "
            "« quartiers delimiter »)", fichier=path,
        )
    if not path.exists() and not path.suffix:
        raise QuartiersError(
            f"périmètres « {text} » inconnus : donnez un fichier (GeoJSON, GPKG, SHP, "
            f"GeoParquet) ou un millésime ({', '.join(MILLESIMES)})", champ="--perimetres",
        )
    return read_perimeters(path, coverage=coverage)
