"""Geographic data behind the web pages and the API, loaded once per process and cached.

- perimeter sets per vintage: the official ``2015`` and ``2024`` lists from the data
  directory and ``calcul``, the quartiers of the delimitation engine on the bundled grid
  under the 2024 rules (see :func:`perimetres`);
- (every point answer comes from :mod:`quartiers.eligibility`, through
  :mod:`quartiers.web.verification.services`);
- GeoJSON of the perimeters (EPSG:4326, RFC 7946) and of the commune and département
  outlines, serialised once;
- grid indicators of a quartier and of its urban unit (:func:`fiche`).
"""

from __future__ import annotations

import json
import math
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from quartiers.config import dataset
from quartiers.errors import QuartiersError
from quartiers.perimeters import LAMBERT93, PerimeterSet, load_perimeters
from quartiers.web.libelles import code_lisible

MILLESIMES: dict[str, str] = {
    "2024": "Liste officielle 2024",
    "2015": "Liste officielle 2015",
    "calcul": "Quartiers calculés (règles 2024, carroyage intégré)",
}
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
def _vers_wgs84() -> Transformer:
    return Transformer.from_crs(LAMBERT93, "EPSG:4326", always_xy=True)


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
                "code": str(pset.codes[i]), "libelle": code_lisible(str(pset.codes[i])),
                "nom": str(pset.names[i]), "millesime": millesime,
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


# --- quartier sheet ------------------------------------------------------------------


@lru_cache(maxsize=1)
def _uu_carreaux() -> np.ndarray:
    from quartiers.delimitation.squares import assign_urban_units

    inp = entrees()
    return assign_urban_units(inp.grid, inp.uus, unknown="ignorer")


@lru_cache(maxsize=4)
def _carreaux_par_quartier(millesime: str) -> np.ndarray:
    """Index of the quartier holding each square's centre (-1 when none): the one rule of
    :func:`quartiers.eligibility.squares.square_owner`."""
    from quartiers.eligibility.squares import square_owner

    return square_owner(entrees().grid, perimetres(millesime))


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
        "methode": "niveau de vie moyen des habitants = somme de leurs niveaux de vie "
                   "(variable ind_snv de Filosofi) divisée par leur nombre (variable ind), sur "
                   "les carreaux de 200 m dont le centre est dans le périmètre (Filosofi 2019, "
                   "INSEE) ; l'INSEE ne publie pas la médiane par carreau",
        "unite_urbaine": uu_info,
        "mediane_nationale": round(inp.uus.national_median),
        "geometrie": _geometrie_wgs84(geom),
    }


def prechauffer() -> None:
    """Load everything the pages need (server start: before forking the workers)."""
    from quartiers.web.verification.services import geocodeur, liste

    for m in MILLESIMES:
        liste(m)
        quartiers_geojson(m)
    geocodeur()
    contours_geojson("departement")
    for dep in departements_contours():
        contours_geojson("communes", dep)
    _carreaux_par_quartier("2024")
    _uu_carreaux()
