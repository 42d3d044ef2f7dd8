"""Hostile probe of every register page (issue 9, point 6): odd values in every path
segment, query parameter and form field answer a French 4xx, never a 500. The routes come
from the URLconf (a new register page joins the probe by being routed); the parameters from
the register's forms."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.routes import toutes_les_routes

# NUL characters are refused for the whole site by the web layer's middleware.
HOSTILES = ["abc", "1e999999999", "²⁰²⁴", "-1", "nan", "inf", "", "0x1F", "١٢٣",
            "<script>alert(1)</script>", "' OR 1=1 --", "9" * 400, "x" * 131_073]


def routes_du_registre() -> list[str]:
    return [route for route, p in toutes_les_routes()
            if getattr(p.callback, "__module__", "").startswith("quartiers.registre.")]


def _champs() -> list[str]:
    """Every field name the register's forms read (pages, filters, import)."""
    from quartiers.registre.contrats import forms as cf
    from quartiers.registre.contrats.views import colonnes
    from quartiers.registre.financements import forms as ff
    from quartiers.registre.financements.views import colonnes_actions, colonnes_postes
    from quartiers.registre.listes import formulaire
    from quartiers.registre.npnru import forms as nf

    noms = {"version", "contrat", "q", "confirmer", "empreinte", "type"}
    for module in (cf, ff, nf):
        for objet in vars(module).values():
            if isinstance(objet, type) and hasattr(objet, "base_fields"):
                noms |= set(objet.base_fields)
                noms |= set(getattr(getattr(objet, "Meta", None), "fields", []) or [])
    for cols in (colonnes(), colonnes_actions(), colonnes_postes()):
        noms |= set(formulaire(cols).base_fields)
    return sorted(noms)


def test_la_sonde_couvre_toutes_les_pages_du_registre() -> None:
    routes = routes_du_registre()
    for attendu in ("registre/contrats/<int:pk>/archiver/", "registre/contrats/",
                    "registre/actions/postes/", "registre/tableaux/region/<str:code>/",
                    "registre/echanges/imports/<str:pk>/",
                    "registre/contrats/<int:pk>/renouveler/"):
        assert attendu in routes, routes
    assert "version" in _champs() and "population_min" in _champs()


def _lots(champs: list[str], v: str) -> list[dict[str, str]]:
    """Every field set to ``v``; a very long value a few fields at a time (the whole form
    at once would only meet Django's request size limit)."""
    taille = 10 if len(v) > 10_000 else len(champs)
    return [{k: v for k in champs[i:i + taille]} for i in range(0, len(champs), taille)]


@pytest.mark.realdata
def test_aucune_erreur_500_sur_le_registre(monde: Any, client_de: Any, settings: Any,
                                          tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.REGISTRE_IMPORTS_INTEGRES = False
    pks = {"pk": monde.contrat_a.pk, "action_pk": monde.action_a.pk}
    champs = _champs()
    client = client_de("admin")

    def url(route: str, v: str) -> str:
        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: str(
            pks.get(m.group(2), 999_999)) if m.group(1) == "int" else (v[:300] or "x"), route)

    for route in routes_du_registre():
        for v in HOSTILES:
            if "<str:" in route:
                r = client.get(url(route, v))
                assert r.status_code < 500, f"GET {url(route, v)[:120]}"
            cible = url(route, "84")
            for data in _lots(champs, v):
                for methode in ("get", "post"):
                    r = getattr(client, methode)(cible, data)
                    assert r.status_code < 500, f"{methode.upper()} {cible} {v[:20]!r}"
    client.logout()
    assert client_de(None).get("/registre/contrats/", {"tri": "x" * 131_073}).status_code \
        < 500
