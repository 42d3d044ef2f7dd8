"""Home page and accessibility statement."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def accueil(request: HttpRequest) -> HttpResponse:
    return render(request, "accueil/accueil.html", {"title": "Accueil"})


def accessibilite(request: HttpRequest) -> HttpResponse:
    return render(request, "accueil/accessibilite.html", {"title": "Accessibilité"})
