"""REST API v1 (django-ninja): OpenAPI document at ``/api/v1/openapi.json``, docs at
``/api/v1/docs``.

Every error is JSON ``{"code": "...", "message": "..."}`` with a stable code and a French
message. Machine clients authenticate with ``Authorization: Bearer <jeton>`` (tokens made by
``python -m quartiers.web creer_jeton``); browser sessions work too (with CSRF). The public
point lookup is rate limited per client address unless authenticated.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.files import UploadedFile
from ninja.renderers import JSONRenderer
from ninja.responses import Status

from quartiers.errors import QuartiersError
from quartiers.web import geodonnees
from quartiers.web.api.auth import AUTH, TropDeRequetes, limiteur
from quartiers.web.fiches.registre import (
    infos_registre,
    quartier_du_registre,
    registre_installe,
)


class RenduJSON(JSONRenderer):
    """JSON with readable French (no \\u escapes)."""

    json_dumps_params = {"ensure_ascii": False}  # noqa: RUF012


api = NinjaAPI(
    renderer=RenduJSON(),
    title="API Quartiers prioritaires",
    version="1",
    description=(
        "Vérification d'adresses dans les quartiers prioritaires de la politique de la ville "
        "(QPV), périmètres en GeoJSON, fiches des quartiers, registre des contrats de ville. "
        "Les erreurs sont des objets JSON `{code, message}` (message en français, code "
        "stable). Authentification des clients machines : `Authorization: Bearer <jeton>`."
    ),
    urls_namespace="api-1",
)

MAX_POINTS_SYNCHRONES = 100_000


class Erreur(Schema):
    code: str
    message: str


def _erreur(request: HttpRequest, status: int, code: str, message: str,
            **headers: str) -> HttpResponse:
    resp = api.create_response(request, {"code": code, "message": message}, status=status)
    for k, v in headers.items():
        resp[k] = v
    return resp


@api.exception_handler(NinjaValidationError)
def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    parts = []
    for e in exc.errors:
        loc = ".".join(str(x) for x in e.get("loc", [])[1:]) or "requête"
        kind = e.get("type", "")
        what = {"missing": "paramètre obligatoire absent", "float_parsing": "nombre attendu",
                "int_parsing": "entier attendu", "json_invalid": "JSON invalide"}.get(
            kind, e.get("msg", "valeur invalide"))
        parts.append(f"{loc} : {what}")
    return _erreur(request, 422, "requete_invalide", "requête invalide — " + " ; ".join(parts))


@api.exception_handler(geodonnees.ErreurPoint)
def _point(request: HttpRequest, exc: geodonnees.ErreurPoint) -> HttpResponse:
    return _erreur(request, 400, exc.code, exc.message)


@api.exception_handler(QuartiersError)
def _quartiers(request: HttpRequest, exc: QuartiersError) -> HttpResponse:
    return _erreur(request, 400, "parametre_invalide", exc.message_complet())


@api.exception_handler(TropDeRequetes)
def _trop(request: HttpRequest, exc: TropDeRequetes) -> HttpResponse:
    return _erreur(request, 429, "trop_de_requetes",
                   "trop de requêtes depuis cette adresse : réessayez dans "
                   f"{exc.attente} s ou utilisez un jeton d'API",
                   **{"Retry-After": str(exc.attente)})


@api.exception_handler(AuthenticationError)
def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _erreur(request, 401, "authentification_requise",
                   "authentification requise : jeton d'API (Authorization: Bearer) ou session")


@api.exception_handler(PermissionDenied)
def _refus(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _erreur(request, 403, "acces_refuse", str(exc) or "accès refusé")


@api.exception_handler(Http404)
def _introuvable(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _erreur(request, 404, "introuvable", str(exc) or "ressource introuvable")


@api.exception_handler(HttpError)
def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "requete_invalide", 401: "authentification_requise", 403: "acces_refuse",
            404: "introuvable", 405: "methode_non_autorisee", 409: "conflit",
            413: "trop_volumineux"}.get(exc.status_code, "erreur")
    return _erreur(request, exc.status_code, code, str(exc))


@api.exception_handler(ValidationError)
def _regle(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    msgs = exc.messages if hasattr(exc, "messages") else [str(exc)]
    return _erreur(request, 400, "regle_non_respectee", " ; ".join(msgs))


# --- lookup -------------------------------------------------------------------------


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


@api.get("/verification", response={200: Resultat, 400: Erreur, 422: Erreur, 429: Erreur},
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


@api.post("/verification/lot", response={200: LotSortie, 400: Erreur, 413: Erreur,
                                          422: Erreur, 429: Erreur},
          tags=["vérification"], summary="Plusieurs points (JSON), réponse immédiate")
def verification_lot(request: HttpRequest, lot: LotEntree) -> Any:
    """Jusqu'à 100 000 points ; les points invalides sont listés dans ``rejets`` avec leur
    index et un code. Pour un fichier, voir ``/verification/csv`` ou ``/lots``."""
    return _lot(request, [p.id for p in lot.points], [p.lon for p in lot.points],
                [p.lat for p in lot.points], lot.millesime, lot.tolerance)


@api.post("/verification/csv", response={200: LotSortie, 400: Erreur, 413: Erreur,
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


# --- batch jobs ---------------------------------------------------------------------


class EtatLot(Schema):
    id: str
    statut: str
    statut_libelle: str
    total: int
    traitees: int
    pourcentage: int
    dans_qpv: int
    rejetees: int
    message: str
    millesime: str
    nom_fichier: str
    resultat_url: str | None = None
    erreurs_url: str | None = None


def _etat(lot: Any) -> dict[str, Any]:
    e = lot.etat()
    if lot.statut == lot.TERMINE:
        e["resultat_url"] = f"/api/v1/lots/{lot.id}/resultat"
        e["erreurs_url"] = f"/api/v1/lots/{lot.id}/erreurs"
    return e


@api.post("/lots", auth=AUTH, response={201: EtatLot, 400: Erreur, 401: Erreur},
          tags=["lots"], summary="Déposer un fichier CSV/XLSX à traiter en arrière-plan")
def creer_lot(request: HttpRequest, fichier: File[UploadedFile],
              millesime: Form[str] = "2024", tolerance: Form[float] = 0.0) -> Any:
    from django.conf import settings

    from quartiers.web.verification import jobs
    from quartiers.web.verification.models import LotVerification
    from quartiers.web.verification.views import _suffixe

    geodonnees.millesime_valide(millesime)
    if fichier.size and fichier.size > settings.LOTS_TAILLE_MAX:
        raise HttpError(413, "fichier trop volumineux")
    lot = LotVerification(nom_fichier=(fichier.name or "fichier.csv")[:255], millesime=millesime,
                          tolerance=tolerance, proprietaire=request.user)
    lot.fichier.save(f"{lot.id}{_suffixe(fichier.name or '')}", fichier, save=False)
    lot.save()
    jobs.assurer_travailleur()
    return Status(201, _etat(lot))


def _mon_lot(request: HttpRequest, lot_id: str) -> Any:
    from quartiers.web.verification.models import LotVerification

    lot = get_object_or_404(LotVerification, pk=lot_id)
    if lot.proprietaire_id != request.user.pk and not request.user.is_superuser:  # type: ignore[union-attr]
        raise PermissionDenied("ce lot appartient à un autre utilisateur")
    return lot


@api.get("/lots/{uuid:lot_id}", auth=AUTH, response={200: EtatLot, 401: Erreur, 403: Erreur,
                                                     404: Erreur}, tags=["lots"])
def etat_lot(request: HttpRequest, lot_id: str) -> Any:
    return _etat(_mon_lot(request, lot_id))


@api.get("/lots/{uuid:lot_id}/{quoi}", auth=AUTH, tags=["lots"],
         response={200: None, 401: Erreur, 403: Erreur, 404: Erreur, 409: Erreur})
def fichier_lot(request: HttpRequest, lot_id: str, quoi: str) -> Any:
    lot = _mon_lot(request, lot_id)
    if quoi not in ("resultat", "erreurs"):
        raise Http404("fichier inconnu (resultat ou erreurs)")
    if lot.statut != lot.TERMINE:
        raise HttpError(409, f"traitement non terminé ({lot.get_statut_display()})")
    field = lot.resultat if quoi == "resultat" else lot.erreurs
    return FileResponse(field.open("rb"), as_attachment=True, filename=f"{quoi}.csv",
                        content_type="text/csv; charset=utf-8")


# --- quartiers ----------------------------------------------------------------------


class QuartiersQuery(Schema):
    millesime: str = "2024"
    departement: str = ""
    uu: str = ""


@api.get("/quartiers", tags=["quartiers"], response={200: None, 400: Erreur},
         summary="Périmètres en GeoJSON (EPSG:4326), filtrés",
         url_name="quartiers_geojson")
def quartiers(request: HttpRequest, q: Query[QuartiersQuery]) -> HttpResponse:
    """FeatureCollection des périmètres d'un millésime (``2015``, ``2024`` ou ``calcul``),
    filtrée par département (``departement=06``) ou unité urbaine (``uu=06701``)."""
    body = geodonnees.quartiers_geojson(q.millesime, q.departement.strip(), q.uu.strip())
    resp = HttpResponse(body, content_type="application/geo+json")
    resp["Cache-Control"] = "public, max-age=3600"
    return resp


@api.get("/quartiers/{code}", tags=["quartiers"], response={200: dict, 404: Erreur},
         summary="Données de la fiche d'un quartier")
def fiche_quartier(request: HttpRequest, code: str) -> Any:
    data = geodonnees.fiche(code) or quartier_du_registre(code)
    if data is None:
        raise Http404(f"quartier « {code} » inconnu")
    data["registre"] = infos_registre(code, [c["code"] for c in data["communes"]])
    return data


# --- register -----------------------------------------------------------------------


def _exiger_registre() -> None:
    if not registre_installe():
        raise Http404("registre non installé")


def _contrat_json(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk, "reference": c.reference, "intitule": c.intitule,
        "epci": {"siren": c.epci.siren, "nom": c.epci.nom},
        "generation": c.generation, "statut": c.statut, "date_debut": c.date_debut.isoformat(),
        "date_fin": c.date_fin.isoformat() if c.date_fin else None,
        "archive": c.archive, "version": c.version, "demonstration": c.demonstration,
        "quartiers": [q.code for q in c.quartiers.all()],
    }


@api.get("/registre/contrats", auth=AUTH, tags=["registre"],
         response={200: list[dict], 401: Erreur, 403: Erreur})
def contrats(request: HttpRequest, epci: str = "", departement: str = "") -> Any:
    _exiger_registre()
    from quartiers.registre.comptes.permissions import exiger, peut_lire
    from quartiers.registre.contrats.models import ContratDeVille

    exiger(peut_lire(request.user), "lecture du registre réservée aux comptes du registre")
    qs = ContratDeVille.objects.select_related("epci").prefetch_related("quartiers")
    if epci:
        qs = qs.filter(epci__siren=epci)
    if departement:
        qs = qs.filter(epci__departement__code=departement)
    return [_contrat_json(c) for c in qs]


@api.get("/registre/contrats/{int:pk}", auth=AUTH, tags=["registre"],
         response={200: dict, 401: Erreur, 403: Erreur, 404: Erreur})
def contrat(request: HttpRequest, pk: int) -> Any:
    _exiger_registre()
    from quartiers.registre.comptes.permissions import exiger, peut_lire
    from quartiers.registre.contrats.models import ContratDeVille

    exiger(peut_lire(request.user), "lecture du registre réservée aux comptes du registre")
    return _contrat_json(get_object_or_404(ContratDeVille.objects.select_related("epci"), pk=pk))


class ContratModification(Schema):
    version: int
    intitule: str | None = None
    statut: str | None = None


@api.patch("/registre/contrats/{int:pk}", auth=AUTH, tags=["registre"],
           response={200: dict, 400: Erreur, 401: Erreur, 403: Erreur, 404: Erreur,
                     409: Erreur})
def modifier_contrat(request: HttpRequest, pk: int, data: ContratModification) -> Any:
    """Modifier l'intitulé ou le statut ; ``version`` est celle lue (verrou optimiste :
    409 ``conflit`` si quelqu'un a enregistré entre-temps)."""
    _exiger_registre()
    from quartiers.registre.commun import Conflit
    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.contrats.services import enregistrer_contrat

    c = get_object_or_404(ContratDeVille.objects.select_related("epci"), pk=pk)
    if data.intitule is not None:
        c.intitule = data.intitule
    if data.statut is not None:
        if data.statut not in dict(ContratDeVille.STATUTS):
            raise HttpError(400, f"statut « {data.statut} » inconnu (valeurs : "
                                 f"{', '.join(dict(ContratDeVille.STATUTS))})")
        c.statut = data.statut
    try:
        enregistrer_contrat(request.user, c, c.quartiers.all(), version_lue=data.version)
    except Conflit as e:
        raise HttpError(409, str(e)) from None
    c.refresh_from_db()
    return _contrat_json(c)


@api.get("/registre/npnru", auth=AUTH, tags=["registre"],
         response={200: list[dict], 401: Erreur, 403: Erreur})
def projets_npnru(request: HttpRequest, interet: str = "") -> Any:
    _exiger_registre()
    from quartiers.registre.comptes.permissions import exiger, peut_lire
    from quartiers.registre.npnru.models import ProjetNPNRU

    exiger(peut_lire(request.user), "lecture du registre réservée aux comptes du registre")
    qs = ProjetNPNRU.objects.prefetch_related("quartiers").select_related("region")
    if interet:
        qs = qs.filter(interet=interet)
    return [{"id": p.pk, "reference": p.reference, "nom": p.nom, "interet": p.interet,
             "etape": p.etape, "region": p.region.code,
             "quartiers": [q.code for q in p.quartiers.all()]} for p in qs]
