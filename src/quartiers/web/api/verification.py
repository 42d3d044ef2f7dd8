"""API: is a point in a QPV? One point, a JSON list, a CSV body."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from quartiers.web import geodonnees
from quartiers.web.api.auth import limiteur
from quartiers.web.api.schemas import Erreur

router = Router()
MAX_POINTS_SYNCHRONES = 100_000


class Resultat(Schema):
    millesime: str
    lon: float
    lat: float
    dans_qpv: bool
    qpv_code: str | None = None
    qpv_nom: str | None = None
    communes: list[str] = Field(default_factory=list)
    distance_m: float | None = None
    qpv_proche: str | None = None
    distance_proche_m: float | None = None


class PointQuery(Schema):
    lon: float
    lat: float
    millesime: str = "2024"
    tolerance: float = 0.0


@router.get("/verification", response={200: Resultat, 400: Erreur, 422: Erreur, 429: Erreur},
         tags=["vérification"], summary="Un point est-il dans un QPV ?")
def verification(request: HttpRequest, q: Query[PointQuery]) -> Any:
    """Point WGS84 (``lon``, ``lat``) -> dans/hors QPV, quartier, distance signée à la
    limite (négative dedans). ``tolerance`` (m) signale le QPV le plus proche."""
    limiteur.verifier(request)
    result = geodonnees.verifier_point(q.lon, q.lat, q.millesime, q.tolerance)
    # hot path: the result already has the documented shape, serialise it directly
    return HttpResponse(json.dumps(result, ensure_ascii=False),
                        content_type="application/json; charset=utf-8")


class PointEntree(Schema):
    id: str | int | None = None
    lon: float | None = None
    lat: float | None = None


class LotEntree(Schema):
    points: list[PointEntree]
    millesime: str = "2024"
    tolerance: float = 0.0


class LigneRejetee(Schema):
    index: int
    id: str | int | None = None
    code: str
    message: str


class LotSortie(Schema):
    millesime: str
    resultats: list[dict[str, Any]]
    rejets: list[LigneRejetee]


def _lot(request: HttpRequest, ids: list[Any], lon: list[Any], lat: list[Any],
         millesime: str, tolerance: float) -> dict[str, Any]:
    geodonnees.millesime_valide(millesime)
    if len(ids) > MAX_POINTS_SYNCHRONES:
        raise HttpError(413, f"au plus {MAX_POINTS_SYNCHRONES} points par requête : au-delà, "
                             "déposez un fichier (POST /api/v1/lots)")
    limiteur.verifier(request, cout=max(1, len(ids) // 1000))
    ok_idx, rejets = [], []
    lons, lats = [], []
    for i, (pid, x, y) in enumerate(zip(ids, lon, lat, strict=True)):
        try:
            fx, fy = float(x), float(y)
        except (TypeError, ValueError):
            rejets.append({"index": i, "id": pid, "code": "coordonnees_invalides",
                           "message": "coordonnées absentes ou non numériques"})
            continue
        try:
            geodonnees.controler_coordonnees(fx, fy)
        except geodonnees.ErreurPoint as e:
            rejets.append({"index": i, "id": pid, "code": e.code, "message": e.message})
            continue
        ok_idx.append(i)
        lons.append(fx)
        lats.append(fy)
    resultats = []
    if ok_idx:
        r = geodonnees.verifier_points(np.array(lons), np.array(lats), millesime, tolerance)
        for k, i in enumerate(ok_idx):
            d = r["distance_proche_m"][k]
            resultats.append({
                "index": i, "id": ids[i], "lon": lons[k], "lat": lats[k],
                "dans_qpv": bool(r["dans_qpv"][k]), "qpv_code": r["qpv_code"][k] or None,
                "qpv_nom": r["qpv_nom"][k] or None,
                "communes": [c for c in str(r["communes"][k]).split(",") if c],
                "distance_m": float(r["distance_m"][k]),
                "qpv_proche": r["qpv_proche"][k] or None,
                "distance_proche_m": None if np.isnan(d) else float(d),
            })
    return {"millesime": millesime, "resultats": resultats, "rejets": rejets}


@router.post("/verification/lot", response={200: LotSortie, 400: Erreur, 413: Erreur,
                                          422: Erreur, 429: Erreur},
          tags=["vérification"], summary="Plusieurs points (JSON), réponse immédiate")
def verification_lot(request: HttpRequest, lot: LotEntree) -> Any:
    """Jusqu'à 100 000 points ; les points invalides sont listés dans ``rejets`` avec leur
    index et un code. Pour un fichier, voir ``/verification/csv`` ou ``/lots``."""
    return _lot(request, [p.id for p in lot.points], [p.lon for p in lot.points],
                [p.lat for p in lot.points], lot.millesime, lot.tolerance)


@router.post("/verification/csv", response={200: LotSortie, 400: Erreur, 413: Erreur,
                                          429: Erreur},
          tags=["vérification"], summary="Plusieurs points (corps CSV), réponse immédiate",
          openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}})
def verification_csv(request: HttpRequest, millesime: str = "2024",
                     tolerance: float = 0.0) -> Any:
    """Corps ``text/csv`` (UTF-8) avec des colonnes ``lon``/``lat`` (et ``id`` facultatif)."""
    try:
        text = request.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = request.body.decode("latin-1")
    if not text.strip():
        raise HttpError(400, "corps CSV vide")
    sample = text[:4096]
    try:
        sep = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        sep = ","
    reader = csv.DictReader(io.StringIO(text), delimiter=sep)
    cols = {c.strip().lower(): c for c in reader.fieldnames or []}
    lon_c = next((cols[c] for c in ("lon", "longitude", "lng") if c in cols), None)
    lat_c = next((cols[c] for c in ("lat", "latitude") if c in cols), None)
    if not lon_c or not lat_c:
        raise HttpError(400, "colonnes lon et lat introuvables dans le CSV (colonnes : "
                             f"{', '.join(reader.fieldnames or [])})")
    ids, lon, lat = [], [], []
    for n, row in enumerate(reader):
        ids.append(row.get(cols.get("id", ""), n + 2) if "id" in cols else n + 2)
        lon.append((row.get(lon_c) or "").replace(",", ".") or None)
        lat.append((row.get(lat_c) or "").replace(",", ".") or None)
    return _lot(request, ids, lon, lat, millesime, tolerance)


