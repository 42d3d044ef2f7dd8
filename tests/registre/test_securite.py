"""Argon2, login throttling, CSRF on forms, secure cookies over HTTPS."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from typing import Any

from django.test import Client
from django.utils import timezone

MOT_DE_PASSE = "mot-de-passe-de-test-2024"  # as in conftest.py


def test_mots_de_passe_hashes_argon2(db: Any) -> None:
    from django.contrib.auth import get_user_model

    u = get_user_model().objects.create_user("argon", password="Un mot de passe long 42")
    assert u.password.startswith("argon2$")
    assert u.check_password("Un mot de passe long 42")
    assert Client().login(username="argon", password="Un mot de passe long 42")


def test_limitation_des_tentatives_de_connexion(monde: Any) -> None:
    """Backoff per (username, address) pair: the failing pair waits, nobody else does
    (the lockout probes themselves are in tests/web/test_connexion.py)."""
    from quartiers.registre.comptes.models import TentativeConnexion

    c = Client()
    for _ in range(3):
        resp = c.post("/connexion/", {"username": "chef_a", "password": "faux"})
        assert resp.status_code == 200
        assert "Identifiant ou mot de passe incorrect" in resp.content.decode()
    resp = c.post("/connexion/", {"username": "chef_a", "password": MOT_DE_PASSE})
    assert resp.status_code == 200
    assert "Trop de tentatives de connexion" in resp.content.decode()
    assert "_auth_user_id" not in c.session
    # the Django admin login path is throttled too (check in the authentication backend)
    resp = Client().post("/admin/login/", {"username": "chef_a", "password": MOT_DE_PASSE})
    assert resp.status_code == 200 and "_auth_user_id" not in Client().session
    # other accounts are not blocked
    assert Client().post("/connexion/", {"username": "lecteur",
                                         "password": MOT_DE_PASSE}).status_code == 302
    # once the wait is over the account is usable again, and a success clears the failures
    TentativeConnexion.objects.update(date=timezone.now() - dt.timedelta(minutes=16))
    resp = c.post("/connexion/", {"username": "chef_a", "password": MOT_DE_PASSE})
    assert resp.status_code == 302
    assert not TentativeConnexion.objects.filter(identifiant="chef_a").exists()


def test_csrf_sur_les_formulaires(monde: Any) -> None:
    c = Client(enforce_csrf_checks=True)
    page = c.get("/connexion/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert c.post("/connexion/", {"username": "chef_a", "password": MOT_DE_PASSE}) \
        .status_code == 403
    assert c.post("/connexion/", {"username": "chef_a", "password": MOT_DE_PASSE,
                                  "csrfmiddlewaretoken": token}).status_code == 302
    ca = monde.contrat_a
    url = f"/registre/contrats/{ca.pk}/archiver/"
    assert c.post(url, {"version": ca.version}).status_code == 403
    ca.refresh_from_db()
    assert not ca.archive
    page = c.get(f"/registre/contrats/{ca.pk}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert c.post(url, {"version": ca.version, "csrfmiddlewaretoken": token}).status_code == 302
    ca.refresh_from_db()
    assert ca.archive


def test_cookies_securises_en_https() -> None:
    code = ("from quartiers.web import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
            "s.SECURE_HSTS_SECONDS > 0)")
    env = {**os.environ, "QUARTIERS_HTTPS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "True", "True", "True"]
    env["QUARTIERS_HTTPS"] = "0"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[:2] == ["False", "False"]


def test_deconnexion_par_post(monde: Any, client_de: Any) -> None:
    c = client_de("lecteur")
    assert c.get("/registre/contrats/").status_code == 200
    assert c.post("/deconnexion/").status_code == 302
    assert c.get("/registre/contrats/").status_code == 302
