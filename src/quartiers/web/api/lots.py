"""API: batch files processed in the background (same jobs as the web page)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.responses import Status

from quartiers.web.api.auth import AUTH
from quartiers.web.api.schemas import Erreur
from quartiers.web.verification import services

router = Router()


class EtatLot(Schema):
    id: str
    statut: str
    statut_libelle: str
    total: int
    traitees: int
    pourcentage: int
    dans_qpv: int
    oui: int
    non: int
    inconnu: int
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


@router.post("/lots", auth=AUTH, response={201: EtatLot, 400: Erreur, 401: Erreur,
                                          413: Erreur},
             tags=["lots"], summary="Déposer un fichier CSV/XLSX/ODS à traiter en arrière-plan")
def creer_lot(request: HttpRequest, fichier: File[UploadedFile],
              millesime: Form[str] = "2024", tolerance: Form[float] = 0.0,
              adresse: Form[str] = "") -> Any:
    """Coordonnées (``lon``/``lat`` ou ``x``/``y``) ou adresses : ``adresse`` nomme les
    colonnes à géocoder, dans l'ordre (ex. ``adresse,code_postal,commune``) ; vide, les
    colonnes d'adresse sont reconnues à leur nom quand il n'y a pas de coordonnées."""
    try:
        lot = services.creer_lot(fichier, millesime, tolerance, request.user, adresse, request)
    except services.ErreurVerification as e:
        status = {"trop_volumineux": 413, "quota": 429}.get(e.code, 400)
        raise HttpError(status, e.message) from None
    return Status(201, _etat(lot))


def _mon_lot(request: HttpRequest, lot_id: str) -> Any:
    from quartiers.web.verification.models import LotVerification

    lot = get_object_or_404(LotVerification, pk=lot_id)
    if lot.proprietaire_id != request.user.pk and not request.user.is_superuser:  # type: ignore[union-attr]
        raise PermissionDenied("ce lot appartient à un autre utilisateur")
    return lot


@router.get("/lots/{uuid:lot_id}", auth=AUTH, response={200: EtatLot, 401: Erreur, 403: Erreur,
                                                     404: Erreur}, tags=["lots"])
def etat_lot(request: HttpRequest, lot_id: str) -> Any:
    return _etat(_mon_lot(request, lot_id))


@router.get("/lots/{uuid:lot_id}/{quoi}", auth=AUTH, tags=["lots"],
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


