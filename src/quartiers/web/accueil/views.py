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


def accessibilite(request: HttpRequest) -> HttpResponse:
    return render(request, "accueil/accessibilite.html",
                  {"title": "Déclaration d'accessibilité"})


def mentions(request: HttpRequest) -> HttpResponse:
    return render(request, "accueil/mentions.html", {"title": "Mentions légales"})


def donnees(request: HttpRequest) -> HttpResponse:
    return render(request, "accueil/donnees.html",
                  {"title": "Données personnelles et cookies"})


def plan(request: HttpRequest) -> HttpResponse:
    return render(request, "accueil/plan.html", {"title": "Plan du site"})


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
