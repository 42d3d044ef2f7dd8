"""API: perimeters as GeoJSON and quartier sheets."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from quartiers.web.api.schemas import Erreur
from quartiers.web.fiches import indicateurs
from quartiers.web.fiches.registre import infos_registre, quartier_du_registre
from quartiers.web.geodonnees import geojson

router = Router()


class QuartiersQuery(Schema):
    millesime: str = "2024"
    departement: str = ""
    uu: str = ""


@router.get("/quartiers", tags=["quartiers"], response={200: None, 400: Erreur},
         summary="Périmètres en GeoJSON (EPSG:4326), filtrés",
         url_name="quartiers_geojson")
def quartiers(request: HttpRequest, q: Query[QuartiersQuery]) -> HttpResponse:
    """FeatureCollection des périmètres d'un millésime (``2015``, ``2024`` ou ``calcul``),
    filtrée par département (``departement=06``) ou unité urbaine (``uu=06701``)."""
    body = geojson.quartiers_geojson(q.millesime, q.departement.strip(), q.uu.strip())
    resp = HttpResponse(body, content_type="application/geo+json")
    resp["Cache-Control"] = "public, max-age=3600"
    return resp


@router.get("/quartiers/{code}", tags=["quartiers"], response={200: dict, 404: Erreur},
         summary="Données de la fiche d'un quartier")
def fiche_quartier(request: HttpRequest, code: str) -> Any:
    data = indicateurs.fiche(code) or quartier_du_registre(code)
    if data is None:
        raise Http404(f"quartier « {code} » inconnu")
    data["registre"] = infos_registre(code, [c["code"] for c in data["communes"]])
    return data


