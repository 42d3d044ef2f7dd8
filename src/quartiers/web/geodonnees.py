"""Geographic data behind the web pages and the API, loaded once per process and cached.

- perimeter sets per vintage: the official ``2015`` and ``2024`` lists from the data
  directory and ``calcul``, the quartiers of the delimitation engine on the bundled grid
  under the 2024 rules (see :func:`perimetres`);
- a point index per vintage answering "is this point in a QPV?" (:func:`verifier_point`,
  :func:`verifier_points`): uses :func:`quartiers.lookup` when the eligibility package is
  installed, an equivalent STRtree index otherwise;
- GeoJSON of the perimeters (EPSG:4326, RFC 7946) and of the commune and département
  outlines, serialised once;
- grid indicators of a quartier and of its urban unit (:func:`fiche`).
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from quartiers.config import data_dir, dataset
from quartiers.errors import QuartiersError
from quartiers.perimeters import LAMBERT93, PerimeterSet, load_perimeters

MILLESIMES: dict[str, str] = {
    "2024": "Liste officielle 2024",
    "2015": "Liste officielle 2015",
    "calcul": "Quartiers calculés (règles 2024, carroyage intégré)",
}
# France métropolitaine (with Corsica), WGS84 bounds used to reject absurd points.
FRANCE_BBOX = (-5.5, 41.2, 10.0, 51.3)
_lock = threading.RLock()


class ErreurPoint(QuartiersError):
    """A point that cannot be checked, with a stable machine-readable code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def millesime_valide(millesime: str) -> str:
    if millesime not in MILLESIMES:
        raise ErreurPoint(
            "millesime_inconnu",
            f"millésime « {millesime} » inconnu (valeurs possibles : {', '.join(MILLESIMES)})",
        )
    return millesime


def entrees() -> Any:
    """Grid and urban units of the data directory (read once per process)."""
    from quartiers.inputs import default_inputs

    return default_inputs()


@lru_cache(maxsize=16)
def delimitation(jeu: str = "2024", parametres: tuple[tuple[str, str], ...] = ()) -> Any:
    """A delimitation run on the bundled data (cached by rule set and overrides)."""
    from quartiers.delimitation import delimit
    from quartiers.parameters import load_rules

    inp = entrees()
    rules = load_rules(jeu, dict(parametres) or None)
    return delimit(inp.grid, inp.uus, rules, unknown_communes="ignorer",
                   commune_names=inp.uus.commune_names)


@lru_cache(maxsize=4)
def perimetres(millesime: str) -> PerimeterSet:
    """The perimeter set of a vintage (``2015``, ``2024`` or ``calcul``)."""
    millesime_valide(millesime)
    with _lock:
        return load_perimeters(millesime)


@lru_cache(maxsize=1)
def _vers_l93() -> Transformer:
    return Transformer.from_crs("EPSG:4326", LAMBERT93, always_xy=True)


@lru_cache(maxsize=1)
def _vers_wgs84() -> Transformer:
    return Transformer.from_crs(LAMBERT93, "EPSG:4326", always_xy=True)


@dataclass
class Index:
    """STRtree over one perimeter set, with boundaries for distances."""

    pset: PerimeterSet
    tree: shapely.STRtree
    boundaries: np.ndarray

    @classmethod
    def build(cls, pset: PerimeterSet) -> Index:
        geoms = np.asarray(pset.geometry, dtype=object)
        shapely.prepare(geoms)
        boundaries = shapely.boundary(geoms)
        shapely.prepare(boundaries)
        return cls(pset, shapely.STRtree(geoms), boundaries)


@lru_cache(maxsize=4)
def index(millesime: str) -> Index:
    with _lock:
        return Index.build(perimetres(millesime))


def controler_coordonnees(lon: float, lat: float) -> None:
    """Raise :class:`ErreurPoint` for non-finite, swapped or out-of-France coordinates."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ErreurPoint("coordonnees_invalides", "coordonnées non numériques")
    w, s, e, n = FRANCE_BBOX
    if w <= lon <= e and s <= lat <= n:
        return
    if w <= lat <= e and s <= lon <= n:
        raise ErreurPoint(
            "coordonnees_inversees",
            "point hors de France : longitude et latitude probablement inversées",
        )
    raise ErreurPoint(
        "point_hors_france",
        f"point hors de France métropolitaine (longitude {lon}, latitude {lat})",
    )


@lru_cache(maxsize=4)
def _checker(millesime: str) -> Any:
    """The eligibility package's index (fast on arrays) for a vintage, None if absent."""
    try:
        from quartiers.eligibility import Checker
    except ImportError:
        return None
    with _lock:
        return Checker(perimetres(millesime))


def verifier_points(
    lon: np.ndarray, lat: np.ndarray, millesime: str = "2024", tolerance: float = 0.0
) -> dict[str, np.ndarray]:
    """Vectorised lookup of WGS84 points (already checked) in one vintage.

    Returns arrays ``dans_qpv``, ``qpv_code``, ``qpv_nom``, ``communes``, ``distance_m``
    (signed distance to the nearest boundary, negative inside), ``qpv_proche`` and
    ``distance_proche_m`` (the containing QPV at distance 0, else the nearest QPV within
    ``tolerance`` metres) — the columns of ``quartiers verifier``. A point on a boundary is
    inside. Uses :mod:`quartiers.eligibility` when installed, a shapely STRtree otherwise.
    """
    millesime_valide(millesime)
    x, y = _vers_l93().transform(np.asarray(lon, float), np.asarray(lat, float))
    checker = _checker(millesime)
    if checker is not None:
        cols = checker.columns(np.asarray(x, float), np.asarray(y, float), tolerance)
        res = dict(cols)
        for k in ("qpv_code", "qpv_nom", "communes", "qpv_proche"):
            res[k] = np.array(["" if v is None else v for v in cols[k]], dtype=object)
        res["distance_m"] = np.round(np.asarray(cols["distance_m"], float), 1)
        res["distance_proche_m"] = np.round(np.asarray(cols["distance_proche_m"], float), 1)
        return res
    idx = index(millesime)
    pts = shapely.points(np.asarray(x), np.asarray(y))
    n = len(pts)
    inside = np.full(n, -1, dtype=np.int64)
    pi, gi = idx.tree.query(pts, predicate="intersects")
    if len(pi):
        order = np.lexsort((gi, pi))
        pi, gi = pi[order], gi[order]
        first = np.r_[True, pi[1:] != pi[:-1]]
        inside[pi[first]] = gi[first]
    found = inside >= 0
    distance = np.zeros(n)
    if found.any():
        distance[found] = -shapely.distance(pts[found], idx.boundaries[inside[found]])
    nearest = np.full(n, -1, dtype=np.int64)
    out = np.flatnonzero(~found)
    if len(out) and len(idx.pset):
        qi, ti = idx.tree.query_nearest(pts[out], return_distance=False, all_matches=False)
        nearest[out[qi]] = ti
        distance[out[qi]] = shapely.distance(pts[out[qi]], idx.pset.geometry[ti])
    chosen = np.where(found, inside, -1)
    close = (~found) & (nearest >= 0) & (distance <= tolerance)
    pset = idx.pset

    def pick(values: np.ndarray, which: np.ndarray) -> np.ndarray:
        return np.where(which >= 0, values[np.maximum(which, 0)], "").astype(object)

    return {
        "dans_qpv": found,
        "qpv_code": pick(pset.codes, chosen),
        "qpv_nom": pick(pset.names, chosen),
        "communes": pick(pset.communes, chosen),
        "distance_m": np.round(distance, 1),
        "qpv_proche": pick(pset.codes, np.where(found, inside, np.where(close, nearest, -1))),
        "distance_proche_m": np.where(found, 0.0, np.where(close, np.round(distance, 1),
                                                             np.nan)),
    }


def verifier_point(
    lon: float, lat: float, millesime: str = "2024", tolerance: float = 0.0
) -> dict[str, Any]:
    """One WGS84 point in one vintage (see :func:`verifier_points`), on the STRtree index
    (lowest latency for a single point)."""
    controler_coordonnees(lon, lat)
    if not 0 <= tolerance <= 5000:
        raise ErreurPoint("tolerance_invalide", "la tolérance doit être comprise entre 0 et 5000 m")
    idx = index(millesime_valide(millesime))
    x, y = _vers_l93().transform(lon, lat)
    pt = shapely.Point(x, y)
    hits = idx.tree.query(pt, predicate="intersects")
    pset = idx.pset
    result: dict[str, Any] = {
        "millesime": millesime, "lon": lon, "lat": lat, "dans_qpv": False,
        "qpv_code": None, "qpv_nom": None, "communes": [], "distance_m": None,
        "qpv_proche": None, "distance_proche_m": None,
    }
    if len(hits):
        i = int(np.min(hits))
        result.update(
            dans_qpv=True, qpv_code=str(pset.codes[i]), qpv_nom=str(pset.names[i]),
            communes=_liste(pset.communes[i]),
            distance_m=-round(float(shapely.distance(pt, idx.boundaries[i])), 1),
            qpv_proche=str(pset.codes[i]), distance_proche_m=0.0,
        )
        return result
    if len(pset):
        j = int(idx.tree.query_nearest(pt, all_matches=False)[0])
        d = round(float(shapely.distance(pt, pset.geometry[j])), 1)
        result["distance_m"] = d
        if d <= tolerance:
            result.update(qpv_proche=str(pset.codes[j]), distance_proche_m=d)
    return result


def _liste(communes: object) -> list[str]:
    return [c for c in str(communes or "").split(",") if c]


# --- GeoJSON ---------------------------------------------------------------------------


def _round_coords(obj: Any, digits: int = 5) -> Any:
    if isinstance(obj, float):
        return round(obj, digits)
    if isinstance(obj, (list, tuple)):
        return [_round_coords(o, digits) for o in obj]
    return obj


def _geometrie_wgs84(geom: Any, tolerance_m: float = 0.0) -> dict:
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
        communes = _liste(pset.communes[i])
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
                "code": str(pset.codes[i]), "nom": str(pset.names[i]), "millesime": millesime,
                "communes": communes, "departement": dep, "uu_code": uu_code, "uu_nom": uu_nom,
            },
            "geometry": _geometrie_wgs84(pset.geometry[i]),
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
    features = []
    for path in _fichiers_contours(kind, departement):
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data.get("features", []) if data.get("type") == "FeatureCollection" else [data]
        for f in items:
            props = f.get("properties") or {}
            geom = shapely.geometry.shape(f["geometry"])
            # ~30 m simplification: outlines are a base layer, not a legal boundary
            geom = shapely.simplify(geom, 0.0003, preserve_topology=True)
            mapping = shapely.geometry.mapping(geom)
            features.append({
                "type": "Feature",
                "properties": {"code": props.get("code", ""), "nom": props.get("nom", "")},
                "geometry": {"type": mapping["type"],
                             "coordinates": _round_coords(mapping["coordinates"], 4)},
            })
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":")).encode()


def donnees_disponibles() -> bool:
    try:
        data_dir()
        return True
    except QuartiersError:
        return False


# --- quartier sheet ------------------------------------------------------------------


@lru_cache(maxsize=1)
def _centres_carreaux() -> np.ndarray:
    from quartiers.comparison.compare import square_centres_l93

    return square_centres_l93(entrees().grid)


@lru_cache(maxsize=1)
def _uu_carreaux() -> np.ndarray:
    from quartiers.delimitation.squares import assign_urban_units

    inp = entrees()
    return assign_urban_units(inp.grid, inp.uus, unknown="ignorer")


@lru_cache(maxsize=4)
def _carreaux_par_quartier(millesime: str) -> np.ndarray:
    """Index of the quartier holding each square centre (-1 when none)."""
    idx = index(millesime)
    out = np.full(len(_centres_carreaux()), -1, dtype=np.int64)
    pi, gi = idx.tree.query(_centres_carreaux(), predicate="intersects")
    out[pi] = gi
    return out


def _indicateurs(mask: np.ndarray) -> dict[str, Any]:
    grid = entrees().grid
    pop = float(grid.ind[mask].sum())
    snv = float(grid.snv[mask].sum())
    out: dict[str, Any] = {
        "nb_carreaux": int(mask.sum()),
        "population": round(pop),
        "niveau_de_vie_moyen": round(snv / pop) if pop > 0 else None,
        "menages": None, "menages_pauvres": None, "part_menages_pauvres": None,
    }
    if grid.men is not None and grid.men_pauv is not None:
        men = float(np.nansum(grid.men[mask]))
        pauv = float(np.nansum(grid.men_pauv[mask]))
        out.update(menages=round(men), menages_pauvres=round(pauv),
                   part_menages_pauvres=round(pauv / men, 3) if men > 0 else None)
    return out


def trouver(code: str) -> tuple[str, int] | None:
    """(vintage, position) of a quartier code, official lists first."""
    for m in ("2024", "2015", "calcul"):
        pset = perimetres(m)
        hits = np.flatnonzero(pset.codes == code)
        if hits.size:
            return m, int(hits[0])
    return None


def fiche(code: str) -> dict[str, Any] | None:
    """Everything the quartier sheet shows, or None for an unknown code."""
    found = trouver(code)
    if found is None:
        return None
    millesime, i = found
    pset = perimetres(millesime)
    communes = _liste(pset.communes[i])
    names = noms_communes()
    mask = _carreaux_par_quartier(millesime) == i
    uu_idx = _uu_carreaux()
    inp = entrees()
    uu_code, uu_nom = "", ""
    if mask.any():
        vals = uu_idx[mask & (uu_idx >= 0)]
        if vals.size:
            j = int(np.bincount(vals).argmax())
            uu_code, uu_nom = str(inp.uus.codes[j]), str(inp.uus.names[j])
    if not uu_code:
        uu_code, uu_nom = uu_de_communes(communes)
    uu_info: dict[str, Any] | None = None
    if uu_code:
        j = inp.uus.index_of(uu_code)
        med = float(inp.uus.median[j])
        uu_info = {
            "code": uu_code, "nom": uu_nom,
            "tranche_population": int(inp.uus.population[j]),
            "mediane_niveau_de_vie": None if math.isnan(med) else round(med),
            "source_mediane": inp.uus.median_source,
            "carroyage": _indicateurs(uu_idx == j),
        }
    others = [m for m in MILLESIMES if m != millesime and code in set(perimetres(m).codes)]
    geom = pset.geometry[i]
    return {
        "code": code,
        "nom": str(pset.names[i]),
        "millesime": millesime,
        "millesime_libelle": MILLESIMES[millesime],
        "autres_millesimes": others,
        "communes": [{"code": c, "nom": names.get(c, "")} for c in communes],
        "departement": str(pset.departements[i]),
        "surface_ha": round(float(shapely.area(geom)) / 10_000, 1),
        "indicateurs": _indicateurs(mask),
        "methode": "niveau de vie moyen = somme ind_snv / somme ind des carreaux de 200 m dont "
                   "le centre est dans le périmètre (Filosofi 2019, INSEE)",
        "unite_urbaine": uu_info,
        "mediane_nationale": round(inp.uus.national_median),
        "geometrie": _geometrie_wgs84(geom),
    }


def prechauffer() -> None:
    """Load everything the pages need (server start: before forking the workers)."""
    for m in MILLESIMES:
        index(m)
        _checker(m)
        quartiers_geojson(m)
    contours_geojson("departement")
    for dep in departements_contours():
        contours_geojson("communes", dep)
    _carreaux_par_quartier("2024")
    _uu_carreaux()
