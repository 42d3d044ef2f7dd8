"""Login throttling that slows an attacker without locking the real user out.

Failures are counted per (username, client address) pair: after ``ECHECS_LIBRES`` failures
of a pair, each new attempt of that pair must wait twice as long as the previous one
(``DELAI_INITIAL``, doubled, up to ``DELAI_MAX``) after the last failure. Nothing else is
blocked: the same username from an address that did not fail, or another username from the
failing address, logs in as usual — so nobody can lock an account, or everybody behind one
address, by failing on purpose. The client address is the one seen through the trusted
reverse proxies (:func:`quartiers.web.reseau.adresse_client`, setting ``QUARTIERS_PROXIES``).
Attempts refused during a wait are not counted (they do not lengthen it). A successful login
clears the failures of its own pair only. The check is in the authentication backend, so it covers
every login path (register login page and Django admin).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from quartiers.registre.comptes.models import TentativeConnexion
from quartiers.web.reseau import adresse_client

ECHECS_LIBRES = 3
DELAI_INITIAL = dt.timedelta(seconds=2)
DELAI_MAX = dt.timedelta(minutes=15)
CONSERVATION = dt.timedelta(days=1)

MESSAGE_BLOCAGE = ("Trop de tentatives de connexion échouées pour cet identifiant depuis votre "
                   "adresse : patientez quelques minutes avant de réessayer. Les autres "
                   "connexions ne sont pas touchées.")


def adresse(request: Any) -> str:
    return adresse_client(request)


def delai(echecs: int) -> dt.timedelta:
    """Wait imposed after ``echecs`` failures of one pair."""
    if echecs < ECHECS_LIBRES:
        return dt.timedelta(0)
    exposant = min(echecs - ECHECS_LIBRES, 20)
    return min(DELAI_INITIAL * (2 ** exposant), DELAI_MAX)


def attente(identifiant: str, ip: str) -> dt.timedelta:
    """How long the pair must still wait before its next attempt (0 when it may try)."""
    now = timezone.now()
    echecs = TentativeConnexion.objects.filter(
        identifiant=(identifiant or "").lower()[:150], adresse_ip=ip[:64],
        date__gte=now - CONSERVATION)
    n = echecs.count()
    if n < ECHECS_LIBRES:
        return dt.timedelta(0)
    derniere = echecs.order_by("-date").values_list("date", flat=True).first()
    if derniere is None:
        return dt.timedelta(0)
    return max(derniere + delai(n) - now, dt.timedelta(0))


def est_bloque(identifiant: str, ip: str) -> bool:
    return attente(identifiant, ip) > dt.timedelta(0)


def noter_echec(identifiant: str, ip: str) -> None:
    if est_bloque(identifiant, ip):
        return  # refused without a password check: not a new failure
    # old failures are useless: keep the table small
    TentativeConnexion.objects.filter(date__lt=timezone.now() - CONSERVATION).delete()
    TentativeConnexion.objects.create(identifiant=(identifiant or "").lower()[:150],
                                      adresse_ip=ip[:64])


def effacer_echecs(identifiant: str, ip: str) -> None:
    """Clear the failures of the pair that just logged in, and only of it: an attacker's
    pair, elsewhere, keeps its wait when the real user logs in."""
    TentativeConnexion.objects.filter(identifiant=(identifiant or "").lower()[:150],
                                      adresse_ip=ip[:64]).delete()


class ThrottledModelBackend(ModelBackend):
    """Django's backend, refusing the attempts of a (username, address) pair that must wait."""

    def authenticate(self, request: Any, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> Any:
        if est_bloque(username or "", adresse(request)):
            raise PermissionDenied(MESSAGE_BLOCAGE)
        return super().authenticate(request, username=username, password=password, **kwargs)
