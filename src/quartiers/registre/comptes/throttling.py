"""Login throttling: after too many failures for one username (or one address), logins
are refused for a while, on every login path (register login page and Django admin),
because the check is in the authentication backend."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from quartiers.registre.comptes.models import TentativeConnexion

MAX_ECHECS_IDENTIFIANT = 5
MAX_ECHECS_ADRESSE = 20
DUREE_BLOCAGE = dt.timedelta(minutes=15)

MESSAGE_BLOCAGE = ("Trop de tentatives de connexion échouées : ce compte est temporairement "
                   "bloqué. Réessayez dans 15 minutes.")


def adresse(request: Any) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))


def est_bloque(identifiant: str, ip: str) -> bool:
    depuis = timezone.now() - DUREE_BLOCAGE
    recent = TentativeConnexion.objects.filter(date__gte=depuis)
    if identifiant and recent.filter(identifiant=identifiant.lower()).count() \
            >= MAX_ECHECS_IDENTIFIANT:
        return True
    return bool(ip) and recent.filter(adresse_ip=ip).count() >= MAX_ECHECS_ADRESSE


def noter_echec(identifiant: str, ip: str) -> None:
    # old failures are useless: keep the table small
    TentativeConnexion.objects.filter(date__lt=timezone.now() - dt.timedelta(days=1)).delete()
    TentativeConnexion.objects.create(identifiant=(identifiant or "").lower()[:150],
                                      adresse_ip=ip[:64])


def effacer_echecs(identifiant: str) -> None:
    TentativeConnexion.objects.filter(identifiant=(identifiant or "").lower()).delete()


class ThrottledModelBackend(ModelBackend):
    """Django's backend, refusing any attempt while the username or address is blocked."""

    def authenticate(self, request: Any, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> Any:
        if est_bloque(username or "", adresse(request)):
            raise PermissionDenied(MESSAGE_BLOCAGE)
        return super().authenticate(request, username=username, password=password, **kwargs)
