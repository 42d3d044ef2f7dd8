"""Home page, the legal pages of the footer (accessibility statement, legal notice, personal
data, site map) and the French error pages."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)

#: The home page's tiles: the page each one links to (URL name), its title and its detail.
TUILES = [
    ("carte:carte", "Carte des quartiers", "Listes officielles 2015 et 2024, quartiers calculés"),
    ("verification:point", "Vérifier une adresse", "Un point ou un fichier de milliers d'adresses"),
    ("fiches:liste", "Fiches quartiers", "Population, niveau de vie, contrat de ville, NPNRU"),
    ("geographie:geographie", "Géographie prioritaire",
     "Délimiter les quartiers selon le décret et comparer"),
    ("api-1:openapi-view", "API (documentation OpenAPI)",
     "Pour les logiciels : vérification, quartiers en GeoJSON, registre"),
]


def accueil(request: HttpRequest) -> HttpResponse:
    tuiles = [{"vue": v, "titre": t, "detail": d} for v, t, d in TUILES]
    return render(request, "accueil/accueil.html", {"title": "Accueil", "tuiles": tuiles})


#: The footer's plain pages: route, URL name (and template ``accueil/<name>.html``), title.
PAGES_DU_PIED = [
    ("accessibilite/", "accessibilite", "Déclaration d'accessibilité"),
    ("mentions-legales/", "mentions", "Mentions légales"),
    ("donnees-personnelles/", "donnees", "Données personnelles et cookies"),
    ("plan-du-site/", "plan", "Plan du site"),
]


def page_du_pied(request: HttpRequest, nom: str, titre: str) -> HttpResponse:
    return render(request, f"accueil/{nom}.html", {"title": titre})


def erreur_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {"title": "Page non trouvée"}, status=404)


def erreur_500(request: HttpRequest) -> HttpResponse:
    """The DSFR error page; without the request context if rendering it fails too (the
    cause may be the database the context processors read)."""
    try:
        return render(request, "500.html", {"title": "Erreur inattendue"}, status=500)
    except Exception:
        logger.exception("page d'erreur 500 rendue sans contexte")
        return HttpResponseServerError(loader.get_template("500.html").render(
            {"title": "Erreur inattendue"}))
