"""GeoJSON of the perimeters (EPSG:4326, RFC 7946) and of the commune and département
outlines drawn under them, serialised once per filter."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from quartiers.config import dataset
from quartiers.perimeters import LAMBERT93
from quartiers.web.geodonnees.listes import ErreurPoint, entrees, millesime_valide, perimetres
from quartiers.web.libelles import code_lisible


@lru_cache(maxsize=1)
def _vers_wgs84() -> Transformer:
    return Transformer.from_crs(LAMBERT93, "EPSG:4326", always_xy=True)


def liste_communes(communes: object) -> list[str]:
    return [c for c in str(communes or "").split(",") if c]


# --- GeoJSON ---------------------------------------------------------------------------


def _round_coords(obj: Any, digits: int = 5) -> Any:
    if isinstance(obj, float):
        return round(obj, digits)
    if isinstance(obj, (list, tuple)):
        return [_round_coords(o, digits) for o in obj]
    return obj


def geometrie_wgs84(geom: Any, tolerance_m: float = 0.0) -> dict:
    if tolerance_m:
        geom = shapely.simplify(geom, tolerance_m, preserve_topology=True)
    coords = shapely.get_coordinates(geom)
    x, y = _vers_wgs84().transform(coords[:, 0], coords[:, 1])
    g = shapely.set_coordinates(geom, np.column_stack([x, y]))
    g = shapely.orient_polygons(g) if hasattr(shapely, "orient_polygons") else g
    mapping = shapely.geometry.mapping(g)
    return {"type": mapping["type"], "coordinates": _round_coords(mapping["coordinates"])}


def noms_communes() -> dict[str, str]:
    return dict(entrees().uus.commune_names or {})


def uu_de_communes(communes: list[str]) -> tuple[str, str]:
    """(code, name) of the urban unit of the first listed commune in one."""
    uus = entrees().uus
    for c in communes:
        i = int(uus.index_of_communes(np.array([c]))[0])
        if i >= 0 and uus.is_urban[i]:
            return str(uus.codes[i]), str(uus.names[i])
    return "", ""


@lru_cache(maxsize=64)
def quartiers_geojson(millesime: str, departement: str = "", uu: str = "") -> bytes:
    """Perimeters of a vintage as a GeoJSON FeatureCollection (filtered), serialised."""
    pset = perimetres(millesime_valide(millesime))
    features = []
    for i in range(len(pset)):
        communes = liste_communes(pset.communes[i])
        dep = str(pset.departements[i] or (communes[0][:2] if communes else ""))
        if departement and dep != departement:
            continue
        uu_code, uu_nom = uu_de_communes(communes)
        if uu and uu_code != uu:
            continue
        features.append({
            "type": "Feature",
            "id": i,
            "properties": {
                "code": str(pset.codes[i]), "libelle": code_lisible(str(pset.codes[i])),
                "nom": str(pset.names[i]), "millesime": millesime,
                "communes": communes, "departement": dep, "uu_code": uu_code, "uu_nom": uu_nom,
            },
            "geometry": geometrie_wgs84(pset.geometry[i]),
        })
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":")).encode()


def _fichiers_contours(kind: str, departement: str = "") -> list[Path]:
    pattern = f"{kind}-{departement}-*.geojson" if departement else f"{kind}-*.geojson"
    return sorted(dataset("communes").glob(pattern))


def departements_contours() -> list[str]:
    """Codes of the départements whose outlines the data directory holds."""
    return [p.name.split("-")[1] for p in _fichiers_contours("departement")]


@lru_cache(maxsize=64)
def contours_geojson(kind: str, departement: str = "") -> bytes:
    """Département outlines (``departement``) or the commune outlines (``communes``) of one
    département (all of them without ``departement``), merged into one collection."""
    if kind not in ("communes", "departement"):
        raise ErreurPoint("couche_inconnue", f"couche « {kind} » inconnue")
    if departement and departement not in departements_contours():
        raise ErreurPoint("departement_inconnu", f"département « {departement} » absent")
    props, geoms = [], []
    for path in _fichiers_contours(kind, departement):
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data.get("features", []) if data.get("type") == "FeatureCollection" else [data]
        for f in items:
            p = f.get("properties") or {}
            props.append({"code": p.get("code", ""), "nom": p.get("nom", "")})
            geoms.append(shapely.geometry.shape(f["geometry"]))
    # ~30 m simplification: outlines are a base layer, not a legal boundary; each outline
    # also carries a point inside it where the map writes the commune's name
    simplified = shapely.simplify(np.array(geoms, dtype=object), 0.0003,
                                  preserve_topology=True)
    labels = shapely.get_coordinates(shapely.point_on_surface(simplified)).round(5)
    features = []
    for prop, geom, label in zip(props, simplified, labels, strict=True):
        mapping = shapely.geometry.mapping(geom)
        features.append({
            "type": "Feature",
            "properties": {**prop, "etiquette": label.tolist()},
            "geometry": {"type": mapping["type"],
                         "coordinates": _round_coords(mapping["coordinates"], 4)},
        })
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":")).encode()


