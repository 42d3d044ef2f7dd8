"""Dashboards by région, département and EPCI, and the register's home page."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from quartiers.registre import vues
from quartiers.registre.territoires.models import Departement, Epci, Region
from quartiers.registre.territoires.tableaux import indicateurs


@vues.lecture_requise
def accueil(request: HttpRequest) -> HttpResponse:
    regions = Region.objects.annotate(n=Count("departements__epcis__contrats")).filter(n__gt=0)
    return render(request, "territoires/accueil.html", {
        "title": "Registre des contrats de ville", "regions": regions})


@vues.lecture_requise
def tableau_region(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code)
    deps = Departement.objects.filter(region=region).annotate(
        n=Count("epcis__contrats")).filter(n__gt=0)
    return render(request, "territoires/tableau.html", {
        "title": f"Tableau de bord – {region.nom}", "niveau": "région",
        "ind": indicateurs(region), "enfants": [(d, d.n, "departement", d.code) for d in deps]})


@vues.lecture_requise
def tableau_departement(request: HttpRequest, code: str) -> HttpResponse:
    dep = get_object_or_404(Departement, code=code)
    epcis = Epci.objects.filter(departement=dep).annotate(n=Count("contrats")).filter(n__gt=0)
    return render(request, "territoires/tableau.html", {
        "title": f"Tableau de bord – {dep}", "niveau": "département",
        "ind": indicateurs(dep), "parent": ("region", dep.region.code, dep.region.nom),
        "enfants": [(e, e.n, "epci", e.siren) for e in epcis]})


@vues.lecture_requise
def tableau_epci(request: HttpRequest, siren: str) -> HttpResponse:
    epci = get_object_or_404(Epci, siren=siren)
    return render(request, "territoires/tableau.html", {
        "title": f"Tableau de bord – {epci.nom}", "niveau": "EPCI", "ind": indicateurs(epci),
        "parent": ("departement", epci.departement.code, str(epci.departement)),
        "contrats": epci.contrats.all(), "enfants": []})
