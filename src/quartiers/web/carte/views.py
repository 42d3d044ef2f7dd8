"""The map page and the outline layers it draws under the perimeters."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.gzip import gzip_page

from quartiers.web.geodonnees import geojson, listes

COULEURS = {"2024": "#000091", "2015": "#ce0500", "calcul": "#18753c"}


def _couverture(millesime: str) -> str:
    """Where a list speaks (outside, a point's answer is "inconnu")."""
    cov = listes.perimetres(millesime).coverage
    return cov.describe if cov is not None else "aucune couverture déclarée"


def config_carte(
    visibles: tuple[str, ...] = ("2024",), sur_clic: str = "fiche", **extra: Any
) -> dict[str, Any]:
    """Configuration read by static/quartiers/carte.js."""
    couches = [
        {
            "id": m, "libelle": libelle, "couleur": COULEURS[m], "visible": m in visibles,
            "nombre": len(listes.perimetres(m)),
            "couverture": _couverture(m),
            "url": reverse("api-1:quartiers_geojson") + f"?millesime={m}",
        }
        for m, libelle in listes.MILLESIMES.items()
    ]
    config: dict[str, Any] = {
        "couches": couches,
        "contours": {
            "communes": reverse("carte:communes", args=["DEP"]),
            "departements": reverse("carte:departements"),
        },
        "fond": {"url": settings.FOND_CARTE_URL, "attribution": settings.FOND_CARTE_ATTRIBUTION,
                 "zoomMax": settings.FOND_CARTE_ZOOM_MAX},
        "workerUrl": static("vendor/maplibre-gl/maplibre-gl-csp-worker.js"),
        "ficheUrl": reverse("fiches:fiche", args=["CODE"]),
        "surClic": sur_clic,
    }
    config.update(extra)
    return config


def carte(request: HttpRequest) -> HttpResponse:
    visibles = tuple(m for m in request.GET.getlist("millesime") if m in listes.MILLESIMES)
    config = config_carte(visibles or ("2024", "2015"))
    return render(request, "carte/carte.html", {
        "title": "Carte des quartiers prioritaires", "config": config,
        "couches": config["couches"],
    })


@gzip_page
@cache_control(max_age=3600, public=True)
def departements(request: HttpRequest) -> HttpResponse:
    return HttpResponse(geojson.contours_geojson("departement"),
                        content_type="application/geo+json")


@gzip_page
@cache_control(max_age=3600, public=True)
def communes(request: HttpRequest, departement: str) -> HttpResponse:
    try:
        body = geojson.contours_geojson("communes", departement)
    except listes.ErreurPoint:
        raise Http404("département absent des contours") from None
    return HttpResponse(body, content_type="application/geo+json")
