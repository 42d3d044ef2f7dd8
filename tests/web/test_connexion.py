"""Login throttling: the two lockout probes of issue 9 replayed, the backoff, the client
address behind trusted reverse proxies (and never from a header by default)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

MDP = "Un mot de passe de test assez long 2024"


@pytest.fixture
def comptes(django_user_model):  # type: ignore[no-untyped-def]
    return [django_user_model.objects.create_user(f"agent{i}", password=MDP)
            for i in (0, 1, 2, 3, 4, 21)]


def _essai(adresse: str, username: str, password: str, **extra: str) -> bool:
    c = Client(REMOTE_ADDR=adresse, **extra)
    r = c.post("/connexion/", {"username": username, "password": password})
    return r.status_code == 302 and "_auth_user_id" in c.session


def _vieillir(secondes: float) -> None:
    from quartiers.registre.comptes.models import TentativeConnexion

    for t in TentativeConnexion.objects.all():
        TentativeConnexion.objects.filter(pk=t.pk).update(
            date=t.date - dt.timedelta(seconds=secondes))


def test_echecs_sur_un_identifiant_ne_bloquent_pas_son_titulaire(comptes):
    """Probe 1: wrong passwords from an attacker used to lock the account for everyone."""
    for _ in range(10):
        assert not _essai("203.0.113.66", "agent0", "mauvais")
    assert not _essai("203.0.113.66", "agent0", MDP)  # the attacker's pair waits...
    assert _essai("198.51.100.7", "agent0", MDP)  # ...the real user, elsewhere, does not


def test_connexion_du_titulaire_ne_libere_pas_l_attaquant(comptes):
    """The real user's login elsewhere clears their own pair only: the attacker keeps
    waiting."""
    from quartiers.registre.comptes.throttling import attente

    for _ in range(6):
        assert not _essai("203.0.113.66", "agent0", "mauvais")
    assert _essai("198.51.100.7", "agent0", MDP)
    assert attente("agent0", "203.0.113.66") > dt.timedelta(0)
    assert not _essai("203.0.113.66", "agent0", MDP)


def test_echecs_depuis_une_adresse_ne_bloquent_pas_les_autres_comptes(comptes):
    """Probe 2: 20 failures from one address used to lock every account from it (behind a
    reverse proxy: everyone)."""
    for i in range(20):
        assert not _essai("192.0.2.10", f"agent{i}", "mauvais")
    assert _essai("192.0.2.10", "agent21", MDP)
    # the accounts that failed once from there are fine too (one failure: no wait)
    assert _essai("192.0.2.10", "agent3", MDP)


def test_attente_croissante_par_couple(comptes):
    from quartiers.registre.comptes.throttling import DELAI_MAX, ECHECS_LIBRES, attente, delai

    for _ in range(ECHECS_LIBRES):
        assert not _essai("192.0.2.20", "agent1", "mauvais")
    assert attente("agent1", "192.0.2.20") > dt.timedelta(0)
    assert not _essai("192.0.2.20", "agent1", MDP)  # refused during the wait
    _vieillir(delai(ECHECS_LIBRES).total_seconds() + 1)
    assert not _essai("192.0.2.20", "agent1", "mauvais")  # a 4th real failure
    assert attente("agent1", "192.0.2.20") > delai(ECHECS_LIBRES)  # doubled
    # refused attempts do not lengthen the wait
    from quartiers.registre.comptes.models import TentativeConnexion

    n = TentativeConnexion.objects.count()
    assert not _essai("192.0.2.20", "agent1", "mauvais")
    assert TentativeConnexion.objects.count() == n
    assert delai(100) == DELAI_MAX
    _vieillir(DELAI_MAX.total_seconds() + 1)
    assert _essai("192.0.2.20", "agent1", MDP)
    assert not TentativeConnexion.objects.filter(identifiant="agent1").exists()


def test_x_forwarded_for_ignore_par_defaut(comptes, settings):
    settings.PROXIES_DE_CONFIANCE = 0
    for i in range(5):  # an attacker cannot escape the wait by inventing addresses
        assert not _essai("192.0.2.30", "agent2", "mauvais", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    assert not _essai("192.0.2.30", "agent2", MDP, HTTP_X_FORWARDED_FOR="10.9.9.9")


def test_adresse_derriere_des_proxies_de_confiance(settings):
    from django.test import RequestFactory

    from quartiers.web.reseau import adresse_client

    rf = RequestFactory()
    req = rf.get("/", REMOTE_ADDR="10.0.0.2",
                 HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9, 10.0.0.1")
    settings.PROXIES_DE_CONFIANCE = 0
    assert adresse_client(req) == "10.0.0.2"
    settings.PROXIES_DE_CONFIANCE = 1
    assert adresse_client(req) == "10.0.0.1"
    settings.PROXIES_DE_CONFIANCE = 2  # the client's own left part (6.6.6.6) is never used
    assert adresse_client(req) == "198.51.100.9"
    req6 = rf.get("/", REMOTE_ADDR="2001:db8:1:2:3:4:5:6")
    settings.PROXIES_DE_CONFIANCE = 0
    assert adresse_client(req6) == "2001:db8:1:2::/64"
    assert adresse_client(rf.get("/", REMOTE_ADDR="::ffff:192.0.2.1")) == "192.0.2.1"


def test_derriere_un_proxy_les_clients_sont_distincts(comptes, settings):
    settings.PROXIES_DE_CONFIANCE = 1
    for _ in range(6):
        assert not _essai("10.0.0.1", "agent4", "mauvais", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert _essai("10.0.0.1", "agent4", MDP, HTTP_X_FORWARDED_FOR="198.51.100.20")
