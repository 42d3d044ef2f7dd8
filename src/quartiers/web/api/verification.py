"""API: is a point or an address in a QPV? One point or address, a JSON list, a CSV body,
and address suggestions. Every answer carries ``statut`` (``oui``, ``non``, ``inconnu``) and
its ``motif``, with the list and the territory it rests on."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from quartiers.eligibility import coords
from quartiers.eligibility.batch import numbers
from quartiers.errors import QuartiersError
from quartiers.io.limits import ReadLimits
from quartiers.io.readers import open_table
from quartiers.web.api.auth import limiteur
from quartiers.web.api.schemas import Erreur
from quartiers.web.verification import services

router = Router()
MAX_POINTS_SYNCHRONES = 100_000


class Commune(Schema):
    code: str
    nom: str


class Liste(Schema):
    millesime: str
    libelle: str
    source: str
    couverture: str


class Adresse(Schema):
    saisie: str
    libelle: str | None = None
    score: float | None = None
    type: str | None = Field(None, description="numero, rue, lieudit ou commune")
    lat: float | None = None
    lon: float | None = None


class Resultat(Schema):
    millesime: str
    statut: str = Field(description="oui, non ou inconnu")
    motif: str | None = Field(None, description="pourquoi « inconnu » (en français)")
    lon: float | None = None
    lat: float | None = None
    dans_qpv: bool | None = Field(None, description="vide quand le statut est inconnu")
    qpv_code: str | None = None
    qpv_nom: str | None = None
    communes: list[str] = Field(default_factory=list)
    distance_m: float | None = None
    qpv_proche: str | None = None
    distance_proche_m: float | None = None
    bande_300m: bool | None = Field(None, description="taux réduit de TVA : dans un QPV ou à "
                                    "moins de 300 m (CGI art. 278 sexies) ; vide si inconnu")
    bande_500m: bool | None = Field(None, description="à moins de 500 m d'un QPV sous "
                                    "convention NPNRU ; vide si inconnu")
    commune: Commune | None = None
    liste: Liste
    territoire: str | None = None
    adresse: Adresse | None = None


class VerificationQuery(Schema):
    adresse: str | None = Field(None, max_length=500,
                                description="adresse saisie (ou coordonnées collées)")
    lon: float | None = None
    lat: float | None = None
    millesime: str = "2024"
    tolerance: float = 0.0


def _json(data: Any) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False),
                        content_type="application/json; charset=utf-8")


@router.get("/verification", response={200: Resultat, 400: Erreur, 422: Erreur, 429: Erreur},
            tags=["vérification"], summary="Une adresse ou un point est-il dans un QPV ?")
def verification(request: HttpRequest, q: Query[VerificationQuery]) -> Any:
    """``adresse`` (texte libre, géocodé) ou ``lon``/``lat`` (WGS84) -> ``statut`` oui, non
    ou inconnu avec son motif, le quartier, la distance signée à la limite (négative
    dedans), les bandes de TVA, la commune, et la liste et sa couverture. ``tolerance`` (m)
    signale le QPV le plus proche."""
    limiteur.verifier(request)
    if q.adresse and q.adresse.strip():
        return _json(services.verifier_adresse(q.adresse, q.millesime, q.tolerance))
    if q.lon is None or q.lat is None:
        raise HttpError(400, "donnez une adresse (adresse=...) ou un point (lon=... et lat=...)")
    return _json(services.verifier_point(q.lon, q.lat, q.millesime, q.tolerance))


# an address the geocoder proposes, read from its result under the geocoder's names
class Suggestion(Schema):
    libelle: str = Field(validation_alias="label")
    lat: float
    lon: float
    score: float
    type: str
    code_commune: str | None = Field(None, validation_alias="citycode")
    code_postal: str | None = Field(None, validation_alias="postcode")
    commune: str | None = Field(None, validation_alias="city")


class AdressesQuery(Schema):
    q: str = Field(..., max_length=200, description="début de l'adresse saisie")
    limite: int = Field(5, ge=1, le=20)


@router.get("/adresses", response={200: list[Suggestion], 422: Erreur, 429: Erreur},
            url_name="adresses",
            tags=["vérification"], summary="Adresses correspondant à un début de saisie")
def adresses(request: HttpRequest, p: Query[AdressesQuery]) -> Any:
    """Suggestions pour la saisie d'une adresse (au moins trois caractères), meilleure
    d'abord, avec le score du géocodeur (0 à 1)."""
    limiteur.verifier(request)
    return _json([Suggestion.model_validate(s).model_dump()
                  for s in services.suggestions(p.q, p.limite)])


class PointEntree(Schema):
    id: str | int | None = None
    lon: float | None = None
    lat: float | None = None


class LotEntree(Schema):
    points: list[PointEntree]
    millesime: str = "2024"
    tolerance: float = 0.0


class ResultatLot(Resultat):
    index: int
    id: str | int | None = None


class LigneRejetee(Schema):
    index: int
    id: str | int | None = None
    code: str
    message: str


class LotSortie(Schema):
    millesime: str
    resultats: list[ResultatLot]
    rejets: list[LigneRejetee] = Field(
        default_factory=list, description="les points dont les coordonnées sont inutilisables "
        "(ils ont aussi leur réponse « inconnu » dans resultats)")


def _lot(request: HttpRequest, ids: list[Any], lon: np.ndarray, lat: np.ndarray,
         millesime: str, tolerance: float) -> dict[str, Any]:
    if len(ids) > MAX_POINTS_SYNCHRONES:
        raise HttpError(413, f"au plus {MAX_POINTS_SYNCHRONES} points par requête : au-delà, "
                             "déposez un fichier (POST /api/v1/lots)")
    limiteur.verifier(request, cout=max(1, len(ids) // 1000))
    answers = services.verifier_points(lon, lat, millesime, tolerance)
    for i, (pid, a) in enumerate(zip(ids, answers, strict=True)):
        a["index"], a["id"] = i, pid
    code = coords.validate(lon, lat, coords.INPUT_WGS84)
    rejets = [{"index": int(i), "id": ids[i], "code": _CODES[int(code[i])],
               "message": answers[i]["motif"]} for i in np.flatnonzero(code != coords.OK)]
    return {"millesime": millesime, "resultats": answers, "rejets": rejets}


_CODES = {coords.MISSING: "coordonnees_invalides", coords.SWAPPED: "coordonnees_inversees",
          coords.OUTSIDE: "point_hors_france"}


@router.post("/verification/lot", response={200: LotSortie, 400: Erreur, 413: Erreur,
                                            422: Erreur, 429: Erreur},
             tags=["vérification"], summary="Plusieurs points (JSON), réponse immédiate")
def verification_lot(request: HttpRequest, lot: LotEntree) -> Any:
    """Jusqu'à 100 000 points ; chacun reçoit une réponse (``inconnu`` avec son motif pour
    des coordonnées absentes ou inutilisables). Pour un fichier, voir ``/lots``."""
    lon = np.array([np.nan if p.lon is None else p.lon for p in lot.points], dtype=float)
    lat = np.array([np.nan if p.lat is None else p.lat for p in lot.points], dtype=float)
    return _json(_lot(request, [p.id for p in lot.points], lon, lat, lot.millesime,
                      lot.tolerance))


@router.post("/verification/csv", response={200: LotSortie, 400: Erreur, 413: Erreur,
                                            429: Erreur},
             tags=["vérification"], summary="Plusieurs points (corps CSV), réponse immédiate",
             openapi_extra={"requestBody": {"content": {"text/csv": {
                 "schema": {"type": "string"}}}}})
def verification_csv(request: HttpRequest, millesime: str = "2024",
                     tolerance: float = 0.0) -> Any:
    """Corps ``text/csv`` (UTF-8 ou Windows-1252, tout séparateur) avec des colonnes
    ``lon``/``lat`` (et ``id`` facultatif), lu comme un fichier déposé : une ligne
    illisible est signalée dans ``lignes_illisibles``, les autres reçoivent une réponse."""
    if not request.body.strip():
        raise HttpError(400, "corps CSV vide")
    limits = ReadLimits.for_upload(max_bytes=len(request.body) + 1,
                                   max_rows=MAX_POINTS_SYNCHRONES, max_seconds=60)
    with tempfile.TemporaryDirectory(prefix="quartiers-api-") as tmp:
        path = Path(tmp) / "corps.csv"
        path.write_bytes(request.body)
        try:
            source = open_table(path, limits=limits, name="corps de la requête")
            names = {c.strip().lower(): c for c in source.columns}
            lon_c = next((names[c] for c in ("lon", "longitude", "lng") if c in names), None)
            lat_c = next((names[c] for c in ("lat", "latitude") if c in names), None)
            if not lon_c or not lat_c:
                raise HttpError(400, "colonnes lon et lat introuvables dans le CSV (colonnes : "
                                     f"{', '.join(source.columns)})")
            ids: list[Any] = []
            lons: list[np.ndarray] = []
            lats: list[np.ndarray] = []
            unreadable: list[dict[str, Any]] = []
            for chunk in source:
                lines = chunk.lines.tolist()
                id_c = names.get("id")
                ids += chunk.table.column(id_c).to_pylist() if id_c else lines
                lons.append(numbers(chunk.table.column(lon_c))[0])
                lats.append(numbers(chunk.table.column(lat_c))[0])
                unreadable += [{"ligne": n, "motif": m} for n, m, _ in chunk.unreadable]
        except QuartiersError as e:
            raise HttpError(400, e.message_complet()) from None
    out = _lot(request, ids, np.concatenate(lons) if lons else np.zeros(0),
               np.concatenate(lats) if lats else np.zeros(0), millesime, tolerance)
    out["lignes_illisibles"] = unreadable
    return _json(out)
