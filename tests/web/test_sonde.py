"""Hostile probe (issue 9, point 6): odd values in every query parameter, path segment and
body field of the pages and API endpoints of the web layer; none may answer 500.

The pages' URL patterns are listed from the URLconf itself (a new page joins the probe by
being routed), the API's operations from its OpenAPI document.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.web.routes import toutes_les_routes

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]

HOSTILES = ["abc", "1e999999999", "²⁰²⁴", "-1", "nan", "inf", "", "0x1F", "١٢٣",
            "<script>alert(1)</script>", "\x00", "' OR 1=1 --", "9" * 400, "x" * 131_073]
APPS_PAGES = ("accueil", "carte", "fiches", "geographie")


def _pages() -> list[str]:
    """Every page route of the web apps, each path converter filled with a placeholder."""
    import re

    urls = []
    for route, p in toutes_les_routes():
        module = getattr(p.callback, "__module__", "")
        if not any(module.startswith(f"quartiers.web.{a}.") for a in APPS_PAGES):
            continue
        urls.append(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.lstrip("^").rstrip("$")))
    return urls


def _sans_500(client: Client, method: str, url: str, **kw: Any) -> None:
    r = getattr(client, method)(url, **kw)
    assert r.status_code < 500, f"{method.upper()} {url[:200]} -> {r.status_code}"


def test_la_sonde_couvre_toutes_les_pages():
    pages = _pages()
    for attendu in ("", "accessibilite/", "carte/", "carte/contours/communes/{departement}.geojson",
                    "quartiers/{code}/", "geographie/", "geographie/resultats.zip"):
        assert attendu in pages, pages


def test_pages_sans_erreur_500(client):
    from quartiers.parameters import load_rules

    params = ["millesime", "departement", "q", "page", "jeu"]
    params += ["p_" + d["parametre"] for d in load_rules("2024").describe()]
    for route in _pages():
        for v in HOSTILES:
            url = "/" + route.replace("{departement}", v[:300] or "x").replace(
                "{code}", v[:300] or "x")
            _sans_500(client, "get", url)
            if "{" in route or (route.endswith((".zip", ".csv", ".geojson")) and v != "abc"):
                continue  # path segments probed above; downloads: one run is enough
            _sans_500(client, "get", "/" + route, data={k: v for k in params[:5]})
            if route.startswith("geographie/"):
                for k in params[5:]:
                    _sans_500(client, "get", "/" + route, data={k: v})


def _valeur_hostile(schema: dict[str, Any], v: str) -> Any:
    return {"number": 1e308 * 10 if v == "inf" else v, "integer": v}.get(
        schema.get("type", ""), v)


def test_api_sans_erreur_500(client, django_user_model, media):
    from quartiers.web.api.models import JetonApi

    admin = django_user_model.objects.create_superuser("sonde", password="x-Secret-12345")
    _, jeton = JetonApi.creer(admin, "sonde")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {jeton}"}
    doc = json.loads(client.get("/api/v1/openapi.json").content)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            params = op.get("parameters", [])
            for v in HOSTILES:
                url = path
                for p in params:
                    if p["in"] == "path":
                        url = url.replace("{" + p["name"] + "}", v[:300] or "x")
                query = {p["name"]: v for p in params if p["in"] == "query"}
                for headers in ({}, auth):
                    if method == "get":
                        _sans_500(client, "get", url, data=query, **headers)
                        continue
                    qs = "&".join(f"{k}={v[:2000]}" for k in query)
                    target = url + (f"?{qs}" if qs else "")
                    body = op.get("requestBody", {}).get("content", {})
                    if "multipart/form-data" in body:
                        _sans_500(client, method, target, data={"millesime": v, "tolerance": v},
                                  **headers)
                    if "text/csv" in body:
                        _sans_500(client, method, target, data=f"lon,lat\n{v},{v}\n",
                                  content_type="text/csv", **headers)
                    if "application/json" in body:
                        for payload in ({"points": [{"id": v, "lon": v, "lat": v}],
                                         "millesime": v, "tolerance": v},
                                        {"version": v, "intitule": v, "statut": v},
                                        {"points": v}, [v], v):
                            _sans_500(client, method, target, data=json.dumps(payload),
                                      content_type="application/json", **headers)
                        _sans_500(client, method, target, data=v,
                                  content_type="application/json", **headers)
