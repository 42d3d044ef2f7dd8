"""API: the register of contrats de ville and NPNRU projects (token or session)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from quartiers.web.api.auth import AUTH
from quartiers.web.api.schemas import Erreur
from quartiers.web.fiches.registre import registre_installe

router = Router()


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


@router.get("/registre/contrats", auth=AUTH, tags=["registre"],
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


@router.get("/registre/contrats/{int:pk}", auth=AUTH, tags=["registre"],
         response={200: dict, 401: Erreur, 403: Erreur, 404: Erreur})
def contrat(request: HttpRequest, pk: int) -> Any:
    _exiger_registre()
    from quartiers.registre.comptes.permissions import exiger, peut_lire
    from quartiers.registre.contrats.models import ContratDeVille

    exiger(peut_lire(request.user), "lecture du registre réservée aux comptes du registre")
    return _contrat_json(get_object_or_404(ContratDeVille.objects.select_related("epci"), pk=pk))


class ContratModification(Schema):
    version: int
    # the model's limits: a longer text is a 422, not a database error
    intitule: str | None = Field(None, min_length=1, max_length=300)
    statut: str | None = Field(None, max_length=40)


@router.patch("/registre/contrats/{int:pk}", auth=AUTH, tags=["registre"],
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


@router.get("/registre/npnru", auth=AUTH, tags=["registre"],
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
