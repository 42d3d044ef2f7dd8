"""Secrets, the messages cookie, the server log of every 500, the deploy check and the
Content-Security-Policy header (issue 9, points 2 and 6)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.test import Client

ENV_PROD = {"QUARTIERS_DEBUG": "0", "QUARTIERS_HTTPS": "1",
            "QUARTIERS_ALLOWED_HOSTS": "quartiers.exemple.gouv.fr"}


def _python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "quartiers.web.settings",
            "QUARTIERS_VAR": str(tmp_path), **env}
    full.pop("QUARTIERS_SECRET_KEY", None)
    full.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by conftest for Playwright only
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True,
                          text=True, timeout=180)


def test_cle_secrete_generee_une_fois_privee_et_partagee(tmp_path):
    from quartiers.web.secret import NOM_FICHIER, cle_secrete

    cles: list[str] = []
    threads = [threading.Thread(target=lambda: cles.append(cle_secrete(tmp_path, {})))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(cles)) == 1 and len(cles[0]) >= 50
    path = tmp_path / NOM_FICHIER
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [NOM_FICHIER]  # no temporary left
    # the key of the environment wins; a short one is refused
    assert cle_secrete(tmp_path, {"QUARTIERS_SECRET_KEY": "k" * 10 + "abcdef" * 10}) != cles[0]
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="trop courte"):
        cle_secrete(tmp_path, {"QUARTIERS_SECRET_KEY": "secret"})
    path.chmod(0o644)
    with pytest.raises(ImproperlyConfigured, match="chmod 600"):
        cle_secrete(tmp_path, {})


def test_aucune_cle_publiee_en_production(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    a = _python(code, tmp_path, **ENV_PROD)
    b = _python(code, tmp_path, **ENV_PROD)
    assert a.returncode == 0, a.stderr
    key = a.stdout.strip()
    assert key == b.stdout.strip()  # every process of the deployment signs alike
    assert key == (tmp_path / "cle-secrete").read_text().strip()
    source = Path(__file__).parents[2] / "src" / "quartiers" / "web" / "settings.py"
    assert key not in source.read_text()


def test_check_deploy_passe_avec_les_reglages_de_production(tmp_path):
    r = _python("import django; django.setup(); from django.core.management import call_command; "
                "call_command('check', deploy=True, fail_level='WARNING')",
                tmp_path, **ENV_PROD)
    assert r.returncode == 0, r.stderr
    assert "no issues" in r.stdout + r.stderr


def test_chaque_erreur_500_est_journalisee_avec_sa_trace(tmp_path):
    """DEBUG off, as in production: the traceback reaches stderr (gunicorn's log)."""
    code = (
        "import sys, types, django\n"
        "django.setup()\n"
        "from django.urls import include, path\n"
        "def panne(request):\n"
        "    raise ZeroDivisionError('panne de démonstration')\n"
        "m = types.ModuleType('urls_panne')\n"
        "m.urlpatterns = [path('panne/', panne), path('', include('quartiers.web.urls'))]\n"
        "m.handler500 = 'quartiers.web.accueil.views.erreur_500'\n"
        "sys.modules['urls_panne'] = m\n"
        "from django.test import Client, override_settings\n"
        "with override_settings(ROOT_URLCONF='urls_panne', ALLOWED_HOSTS=['testserver']):\n"
        "    r = Client(raise_request_exception=False).get('/panne/')\n"
        "print(r.status_code)\n"
        "print('Erreur inattendue' in r.content.decode(), '<html lang=\"fr\"' in "
        "r.content.decode())\n")
    r = _python(code, tmp_path, QUARTIERS_DEBUG="0")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["500", "True", "True"]
    assert "Traceback" in r.stderr and "ZeroDivisionError: panne de démonstration" in r.stderr
    assert "/panne/" in r.stderr


@pytest.mark.django_db
def test_cookie_messages_forge_jamais_rendu_en_html(client, settings):
    """A messages cookie forged and correctly signed (a leaked key, say) that claims its
    text is safe HTML: never shown as HTML (messages live in the session, and the template
    escapes them whatever they claim)."""
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory
    from django.utils.safestring import mark_safe

    charge = '<img src=x onerror="alert(1)"><b id="injecte">piège</b>'
    forge = CookieStorage(RequestFactory().get("/"))
    valeur = forge._encode([Message(constants.ERROR, mark_safe(charge))])
    client.cookies["messages"] = valeur
    html = client.get("/").content.decode()
    assert 'id="injecte"' not in html and "<img src=x" not in html
    # and with the cookie storage itself, the template still escapes a "safe" message
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
    c = Client()
    c.cookies["messages"] = valeur
    html = c.get("/").content.decode()
    assert 'id="injecte"' not in html and "<img src=x" not in html
    assert "&lt;b id=&quot;injecte&quot;&gt;piège&lt;/b&gt;" in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/carte/", "/accessibilite/", "/introuvable/",
                                 "/api/v1/docs", "/api/v1/openapi.json", "/connexion/"])
def test_politique_de_securite_du_contenu(client, url):
    r = client.get(url)
    csp = r["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "http" not in directives["connect-src"]  # no base map configured: nothing else


@pytest.mark.django_db
def test_csp_autorise_le_fond_de_carte_configure(client, settings):
    settings.FOND_CARTE_URL = "https://data.geopf.fr/wmts?LAYER=X&TILEMATRIX={z}"
    csp = client.get("/carte/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert "https://data.geopf.fr" in directives["img-src"]
    assert "https://data.geopf.fr" in directives["connect-src"]
    assert "https://data.geopf.fr" not in directives["script-src"]


@pytest.mark.django_db
def test_caractere_nul_refuse_avant_la_base(client):
    """PostgreSQL refuses NUL in text: a NUL anywhere in the input is a 400, never a 500."""
    assert client.get("/quartiers/%00/").status_code == 400
    r = client.get("/api/v1/quartiers", {"departement": "\x00"})
    assert r.status_code == 400 and r.json()["code"] == "requete_invalide"
    r = client.patch("/api/v1/registre/contrats/1", data='{"version": 1, "intitule": "a\\u0000"}',
                     content_type="application/json")
    assert r.status_code == 400 and "caractère nul" in r.json()["message"]
    r = client.post("/connexion/", "username=a%00b&password=x",
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400
    assert client.get("/quartiers/", {"q": "nul"}).status_code == 200
