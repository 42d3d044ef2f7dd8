"""API hardening (issue 9, point 7): revoked tokens, 401 instead of a CSRF error, CSRF kept
for session writes, the rate limit shared by processes, internal errors logged as JSON."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.django_db

HORS_FRANCE = {"lon": -40.0, "lat": 10.0}  # answered at once, far from any perimeter


def test_jeton_revoque_refuse_aussitot(client, django_user_model):
    from quartiers.web.api.models import JetonApi

    u = django_user_model.objects.create_user("eve", password="x-Secret-123")
    obj, jeton = JetonApi.creer(u, "test")
    entete = {"HTTP_AUTHORIZATION": f"Bearer {jeton}"}
    assert client.get("/api/v1/lots/00000000-0000-4000-8000-000000000000",
                      **entete).status_code == 404  # authenticated: the job is unknown
    JetonApi.objects.filter(pk=obj.pk).update(actif=False)  # as the admin does
    r = client.get("/api/v1/lots/00000000-0000-4000-8000-000000000000", **entete)
    assert r.status_code == 401 and r.json()["code"] == "authentification_requise"
    # a deactivated user's token stops too
    JetonApi.objects.filter(pk=obj.pk).update(actif=True)
    django_user_model.objects.filter(pk=u.pk).update(is_active=False)
    assert client.get("/api/v1/registre/contrats", **entete).status_code == 401


@pytest.mark.parametrize("methode,url", [
    ("post", "/api/v1/lots"),
    ("get", "/api/v1/registre/contrats"),
    ("patch", "/api/v1/registre/contrats/1"),
    ("get", "/api/v1/lots/00000000-0000-4000-8000-000000000000"),
])
def test_sans_jeton_ni_session_401(methode, url):
    c = Client(enforce_csrf_checks=True)
    if methode == "get":
        r = c.get(url)
    else:
        r = getattr(c, methode)(url, data="{}", content_type="application/json")
    assert r.status_code == 401, r.content
    assert r.json()["code"] == "authentification_requise"
    assert "CSRF" not in r.content.decode()


def test_ecriture_par_session_exige_le_jeton_csrf(django_user_model):
    django_user_model.objects.create_user("fred", password="x-Secret-123")
    c = Client(enforce_csrf_checks=True)
    assert c.login(username="fred", password="x-Secret-123")
    r = c.post("/api/v1/lots", data={})
    assert r.status_code == 403  # logged in, no CSRF token: refused
    c.get("/")  # the page sets the CSRF cookie
    token = c.cookies["csrftoken"].value
    r = c.post("/api/v1/lots", data={}, HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 422  # past authentication and CSRF: the file is missing


def _url_base() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    return (f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or 'localhost'}:"
            f"{s['PORT'] or 5432}/{s['NAME']}")


@pytest.mark.django_db(transaction=True)
def test_limite_partagee_entre_processus(settings, tmp_path):
    """Another process (another gunicorn worker) spends part of the same client's quota."""
    from quartiers.web.api.auth import FENETRE_S, limiteur

    settings.LIMITE_VERIFICATION_PAR_MINUTE = 5
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(REMOTE_ADDR='198.51.100.77')\n"
        "print([c.get('/api/v1/verification', {'lon': -40, 'lat': 10}).status_code "
        "for _ in range(4)])\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "quartiers.web.settings",
           "QUARTIERS_DATABASE_URL": _url_base(), "QUARTIERS_LIMITE_VERIFICATION": "5",
           "QUARTIERS_VAR": str(tmp_path)}
    c = Client(REMOTE_ADDR="198.51.100.77")
    for _ in range(3):  # the count is per fixed minute: start again if one ended meanwhile
        limiteur.reinitialiser()
        fenetre = int(time.time() // FENETRE_S)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        statuts = json.loads(out.stdout.strip().splitlines()[-1])
        assert len(statuts) == 4 and 429 not in statuts
        cinquieme = c.get("/api/v1/verification", HORS_FRANCE)
        r = c.get("/api/v1/verification", HORS_FRANCE)
        if int(time.time() // FENETRE_S) == fenetre:
            break
    else:
        pytest.fail("trois fenêtres d'une minute franchies pendant l'essai")
    assert cinquieme.status_code != 429
    assert r.status_code == 429 and r.json()["code"] == "trop_de_requetes"
    # another client is not affected
    assert Client(REMOTE_ADDR="198.51.100.78").get(
        "/api/v1/verification", HORS_FRANCE).status_code != 429


def test_limite_par_adresse_cliente_derriere_un_proxy(client, settings):
    settings.LIMITE_VERIFICATION_PAR_MINUTE = 2
    settings.PROXIES_DE_CONFIANCE = 1
    for ip in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):  # behind one proxy: distinct
        for _ in range(2):
            r = client.get("/api/v1/verification", HORS_FRANCE, REMOTE_ADDR="10.0.0.1",
                           HTTP_X_FORWARDED_FOR=ip)
            assert r.status_code != 429
    settings.PROXIES_DE_CONFIANCE = 0  # by default the header is ignored: one client
    for _ in range(2):
        client.get("/api/v1/verification", HORS_FRANCE, REMOTE_ADDR="10.0.0.9",
                   HTTP_X_FORWARDED_FOR="203.0.113.50")
    r = client.get("/api/v1/verification", HORS_FRANCE, REMOTE_ADDR="10.0.0.9",
                   HTTP_X_FORWARDED_FOR="203.0.113.51")
    assert r.status_code == 429


def test_erreur_interne_de_l_api_journalisee_en_json(rf, caplog):
    from quartiers.web.api import base

    exc = RuntimeError("panne simulée")
    handler = base.api._lookup_exception_handler(exc)
    assert handler is not None
    with caplog.at_level(logging.ERROR, logger="quartiers.web.api"):
        try:
            raise exc
        except RuntimeError:
            r = handler(rf.get("/api/v1/x"), exc)
    assert r.status_code == 500
    assert json.loads(r.content)["code"] == "erreur_interne"
    rec = [x for x in caplog.records if x.name == "quartiers.web.api.base"]
    assert rec and rec[0].exc_info and "panne simulée" in str(rec[0].exc_info[1])
