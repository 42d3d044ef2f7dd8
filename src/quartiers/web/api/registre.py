"""API: the register of contrats de ville and NPNRU projects (token or session). Every
parameter is read by a schema; every rule is the register's (permissions, services)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from quartiers.registre.commun import Conflit
from quartiers.registre.comptes.permissions import exiger, peut_lire, projets_npnru_visibles
from quartiers.registre.contrats.models import ContratDeVille
from quartiers.registre.contrats.services import enregistrer_contrat
from quartiers.registre.npnru.models import ProjetNPNRU
from quartiers.web.api.auth import AUTH
from quartiers.web.api.schemas import Erreur

router = Router()
LECTURE = "lecture du registre réservée aux comptes du registre"


def _contrat_json(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk, "reference": c.reference, "intitule": c.intitule,
        "epci": {"siren": c.epci.siren, "nom": c.epci.nom} if c.epci_id else None,
        "commune_porteuse": c.commune_porteuse or None,
        "departements": c.codes_departements,
        "generation": c.generation, "statut": c.statut,
        "date_debut": c.date_debut.isoformat() if c.date_debut else None,
        "date_fin": c.date_fin.isoformat() if c.date_fin else None,
        "population_qpv": c.population_qpv,
        "archive": c.archive, "version": c.version, "demonstration": c.demonstration,
        "quartiers": [q.code for q in c.quartiers.all()],
    }


class ContratsQuery(Schema):
    epci: str = Field("", max_length=9, description="SIREN de l'EPCI porteur")
    departement: str = Field("", max_length=3, description="code du département")
    generation: str = Field("", max_length=4, description="2015 ou 2024")
    demonstration: bool | None = Field(None, description="false : données réelles seules")


@router.get("/registre/contrats", auth=AUTH, tags=["registre"],
            response={200: list[dict], 401: Erreur, 403: Erreur, 422: Erreur})
def contrats(request: HttpRequest, q: Query[ContratsQuery]) -> Any:
    exiger(peut_lire(request.user), LECTURE)
    qs = ContratDeVille.objects.visibles_par(request.user).select_related("epci")\
        .prefetch_related("quartiers", "territoires")
    if q.epci:
        qs = qs.filter(epci__siren=q.epci)
    if q.departement:
        from quartiers.registre.territoires.models import Departement

        dep = Departement.objects.filter(code=q.departement).first()
        qs = qs.dans(dep) if dep else qs.none()
    if q.generation:
        qs = qs.filter(generation=q.generation)
    if q.demonstration is not None:
        qs = qs.filter(demonstration=q.demonstration)
    return [_contrat_json(c) for c in qs]


@router.get("/registre/contrats/{int:pk}", auth=AUTH, tags=["registre"],
            response={200: dict, 401: Erreur, 403: Erreur, 404: Erreur})
def contrat(request: HttpRequest, pk: int) -> Any:
    exiger(peut_lire(request.user), LECTURE)
    return _contrat_json(get_object_or_404(
        ContratDeVille.objects.visibles_par(request.user).select_related("epci"), pk=pk))


class ContratModification(Schema):
    version: int = Field(..., ge=1, le=2**31 - 1,
                         description="version lue (verrou optimiste : obligatoire)")
    # the model's limits: a longer text is a 422, not a database error
    intitule: str | None = Field(None, min_length=1, max_length=300)
    statut: str | None = Field(None, max_length=40)


@router.patch("/registre/contrats/{int:pk}", auth=AUTH, tags=["registre"],
              response={200: dict, 400: Erreur, 401: Erreur, 403: Erreur, 404: Erreur,
                        409: Erreur, 422: Erreur})
def modifier_contrat(request: HttpRequest, pk: int, data: ContratModification) -> Any:
    """Modifier l'intitulé ou le statut ; ``version`` est celle lue (verrou optimiste :
    obligatoire, 409 ``conflit`` si quelqu'un a enregistré entre-temps)."""
    c = get_object_or_404(ContratDeVille.objects.select_related("epci"), pk=pk)
    if data.intitule is not None:
        c.intitule = data.intitule
    if data.statut is not None:
        if data.statut not in dict(ContratDeVille.STATUTS):
            raise HttpError(400, f"statut « {data.statut} » inconnu (valeurs : "
                                 f"{', '.join(dict(ContratDeVille.STATUTS))})")
        c.statut = data.statut
    try:
        enregistrer_contrat(request.user, c, c.quartiers.all(), version_lue=data.version,
                            origine="API")
    except Conflit as e:
        raise HttpError(409, str(e)) from None
    c.refresh_from_db()
    return _contrat_json(c)


class ProjetsQuery(Schema):
    interet: str = Field("", max_length=10, description="national ou regional")


@router.get("/registre/npnru", auth=AUTH, tags=["registre"],
            response={200: list[dict], 401: Erreur, 403: Erreur, 422: Erreur})
def projets_npnru(request: HttpRequest, q: Query[ProjetsQuery]) -> Any:
    exiger(peut_lire(request.user), LECTURE)
    qs = projets_npnru_visibles(request.user, ProjetNPNRU.objects.prefetch_related(
        "quartiers").select_related("region"))
    if q.interet:
        qs = qs.filter(interet=q.interet)
    return [{"id": p.pk, "reference": p.reference, "nom": p.nom, "interet": p.interet,
             "etape": p.etape, "region": p.region.code, "demonstration": p.demonstration,
             "quartiers": [q.code for q in p.quartiers.all()]} for p in qs]
