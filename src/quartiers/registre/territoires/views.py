"""The register's home (each user lands on their territory) and the dashboards of a région,
a département, an EPCI and a contract."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from quartiers.registre import views as base
from quartiers.registre.comptes import permissions as perms
from quartiers.registre.contrats.models import ContratDeVille
from quartiers.registre.contrats.suivi import manques
from quartiers.registre.financements.models import PosteFinance
from quartiers.registre.territoires.models import Departement, Epci, Region
from quartiers.registre.territoires.tableaux import (
    contrats_sans_epci,
    departements_de,
    indicateurs,
    porteurs_de,
)


def url_de(territoire: Any) -> str:
    """The dashboard of a région, a département, an EPCI or a contract."""
    nom, _, cle, _, _ = next(t for t in TABLEAUX if isinstance(territoire, t[4]))
    return reverse(f"territoires:{nom}", args=[getattr(territoire, cle)])


@base.lecture_requise
def accueil(request: HttpRequest) -> HttpResponse:
    """Chef de projet -> its EPCI, agent -> its département, DREETS -> its région."""
    cible = perms.territoire_d_accueil(request.user)
    if cible is not None:
        return redirect(url_de(cible))
    return regions(request)


@base.lecture_requise
def regions(request: HttpRequest) -> HttpResponse:
    lignes = []
    for r in Region.objects.order_by("code"):
        contrats = ContratDeVille.objects.dans(r)
        n, demo = contrats.reels().count(), contrats.filter(demonstration=True).count()
        postes = PosteFinance.objects.filter(region=r, demonstration=False).count()
        if n or demo or postes:
            lignes.append({"region": r, "contrats": n, "demonstration": demo,
                           "postes": postes})
    return render(request, "territoires/accueil.html", {
        "title": "Registre des contrats de ville", "lignes": lignes,
        "hors_region": ContratDeVille.objects.reels().filter(
            territoires__departement=None).distinct().count(),
        "postes_hors_region": PosteFinance.objects.filter(region=None).count(),
        "accueil": perms.territoire_d_accueil(request.user)})


def _tableau(request: HttpRequest, perimetre: Any, niveau: str, **extra: Any) -> HttpResponse:
    return render(request, "territoires/tableau.html", {
        "title": f"Tableau de bord – {perimetre}", "niveau": niveau,
        "ind": indicateurs(perimetre), **extra})


@base.lecture_requise
def tableau_region(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code)
    return _tableau(request, region, "région", enfants=departements_de(region),
                    genre_enfants="departement", filtre_postes=f"region={region.nom}")


@base.lecture_requise
def tableau_departement(request: HttpRequest, code: str) -> HttpResponse:
    dep = get_object_or_404(Departement.objects.select_related("region"), code=code)
    return _tableau(request, dep, "département", parent=dep.region,
                    enfants=porteurs_de(dep), genre_enfants="epci",
                    communes_porteuses=contrats_sans_epci(dep),
                    filtre_postes=f"departement={dep.code}")


@base.lecture_requise
def tableau_epci(request: HttpRequest, siren: str) -> HttpResponse:
    epci = get_object_or_404(Epci.objects.select_related("departement__region"), siren=siren)
    contrats = ContratDeVille.objects.filter(epci=epci).prefetch_related("territoires")
    return _tableau(request, epci, "EPCI", parent=epci.departement, epci=epci,
                    contrats=[(c, manques(c)) for c in contrats],
                    filtre_postes=f"porteur={epci.nom}",
                    composition_connue=epci.composition_connue)


@base.lecture_requise
def tableau_contrat(request: HttpRequest, pk: int) -> HttpResponse:
    contrat = get_object_or_404(ContratDeVille.objects.select_related("epci__departement"),
                                pk=pk)
    return _tableau(request, contrat, "contrat", parent=contrat.epci,
                    contrats=[(contrat, manques(contrat))],
                    filtre_postes=f"contrat={contrat.reference}")


#: The dashboards, one per level: URL name and path segment, the key in the URL (converter,
#: the record's field), the view, the model. The URLconf and :func:`url_de` read it.
TABLEAUX: list[tuple[str, str, str, Any, type]] = [
    ("region", "str", "code", tableau_region, Region),
    ("departement", "str", "code", tableau_departement, Departement),
    ("epci", "str", "siren", tableau_epci, Epci),
    ("contrat", "int", "pk", tableau_contrat, ContratDeVille),
]
