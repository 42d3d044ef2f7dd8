"""Quartier list and sheets."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from quartiers.web.carte.views import config_carte
from quartiers.web.fiches import indicateurs
from quartiers.web.fiches.registre import infos_registre, quartier_du_registre
from quartiers.web.geodonnees import geojson, listes
from quartiers.web.libelles import code_lisible


def liste(request: HttpRequest) -> HttpResponse:
    millesime = request.GET.get("millesime", "2024")
    if millesime not in listes.MILLESIMES:
        millesime = "2024"
    departement = request.GET.get("departement", "").strip()
    texte = request.GET.get("q", "").strip().lower()
    pset = listes.perimetres(millesime)
    noms = geojson.noms_communes()
    rows = []
    for i in range(len(pset)):
        dep = str(pset.departements[i])
        if departement and dep != departement:
            continue
        communes = [c for c in str(pset.communes[i]).split(",") if c]
        libelle_communes = ", ".join(noms.get(c, c) for c in communes)
        if texte and texte not in f"{pset.codes[i]} {pset.names[i]} {libelle_communes}".lower():
            continue
        rows.append({"code": str(pset.codes[i]), "nom": str(pset.names[i]),
                     "communes": libelle_communes, "departement": dep})
    rows.sort(key=lambda r: (r["departement"], r["code"]))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    deps = sorted({str(d) for d in pset.departements})
    return render(request, "fiches/liste.html", {
        "title": "Quartiers", "page": page, "nombre": len(rows), "millesime": millesime,
        "millesimes": listes.MILLESIMES, "departement": departement,
        "departements": deps, "q": request.GET.get("q", ""),
    })


def fiche(request: HttpRequest, code: str) -> HttpResponse:
    data = indicateurs.fiche(code) or quartier_du_registre(code)
    if data is None:
        raise Http404(f"quartier « {code} » inconnu")
    registre = infos_registre(code, [c["code"] for c in data["communes"]])
    geom = data.pop("geometrie")
    config = None
    if geom is not None:
        lon = [p[0] for ring in _rings(geom) for p in ring]
        lat = [p[1] for ring in _rings(geom) for p in ring]
        emprise = [[min(lon), min(lat)], [max(lon), max(lat)]] if lon else None
        config = config_carte((data["millesime"],), emprise=emprise)
    return render(request, "fiches/fiche.html", {
        "title": f"{data['nom']} ({code_lisible(code)})", "q": data, "registre": registre,
        "config": config,
    })


def _rings(geom: dict) -> list:
    if geom["type"] == "Polygon":
        return list(geom["coordinates"])
    if geom["type"] == "MultiPolygon":
        return [ring for poly in geom["coordinates"] for ring in poly]
    return []
