"""API authentication (bearer tokens, browser sessions) and the public lookup's rate limit.

A token is looked up in the database on every request (one indexed read, in SQL): a token switched
off in the admin stops working at once, in every worker. A request with neither a token nor
a logged-in session gets 401 ``authentification_requise``; the CSRF check applies only to
writes made with a logged-in session. The rate limit counts requests per client address and
minute in the database, so every gunicorn worker (and every server sharing the database)
sees the same count.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from ninja.security import HttpBearer, SessionAuth

from quartiers.web.api.models import CompteurDebit, JetonApi, empreinte
from quartiers.web.reseau import adresse_client

FENETRE_S = 60


@functools.cache
def _requete_jeton() -> str:
    jeton, compte = JetonApi._meta, get_user_model()._meta

    def col(meta: Any, name: str) -> str:
        return connection.ops.quote_name(meta.get_field(name).column)

    fk = col(jeton, "utilisateur")
    return (f"SELECT j.{fk} FROM {connection.ops.quote_name(jeton.db_table)} j "
            f"JOIN {connection.ops.quote_name(compte.db_table)} u "
            f"ON u.{connection.ops.quote_name(compte.pk.column)} = j.{fk} "
            f"WHERE j.{col(jeton, 'empreinte')} = %s AND j.{col(jeton, 'actif')} "
            f"AND u.{col(compte, 'is_active')}")


def id_du_jeton(jeton: str) -> int | None:
    """The user id of an active token of an active user, or None: one indexed read, in SQL
    because it runs on every API request (building the same query with the ORM cost 0.7 ms,
    more than the lookup itself)."""
    with connection.cursor() as cursor:
        cursor.execute(_requete_jeton(), [empreinte(jeton)])
        row = cursor.fetchone()
    return int(row[0]) if row else None


def utilisateur_du_jeton(jeton: str) -> Any:
    """The active user of an active bearer token, or None."""
    uid = id_du_jeton(jeton)
    return get_user_model().objects.get(pk=uid) if uid is not None else None


class JetonAuth(HttpBearer):
    """``Authorization: Bearer <jeton>``."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = utilisateur_du_jeton(token)
        if user is not None:
            request.user = user
        return user


class SessionConnectee(SessionAuth):
    """Django's session, CSRF-checked only when a user is logged in: an anonymous call is
    unauthenticated (401), not a CSRF failure (403)."""

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)


AUTH = [JetonAuth(), SessionConnectee()]


def client_authentifie(request: HttpRequest) -> bool:
    """A valid bearer token or a logged-in session (no rate limit for them)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        uid = id_du_jeton(header[7:].strip())
        if uid is not None:
            # the user record is read only if the view asks for it
            request.user = SimpleLazyObject(functools.partial(get_user_model().objects.get,
                                                              pk=uid))
            return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class TropDeRequetes(Exception):
    def __init__(self, attente: int) -> None:
        super().__init__(attente)
        self.attente = attente


def consommer(cle: str, cout: int, fenetre: int) -> int:
    """Add ``cout`` to the client's count in ``fenetre`` and return the new count (atomic
    across processes: an UPDATE ... SET compte = compte + n, or the first INSERT)."""
    rows = CompteurDebit.objects.filter(cle=cle, fenetre=fenetre)
    with transaction.atomic():
        if rows.update(compte=F("compte") + cout) == 0:
            try:
                with transaction.atomic():
                    CompteurDebit.objects.create(cle=cle, fenetre=fenetre, compte=cout)
            except IntegrityError:  # another worker created it in between
                rows.update(compte=F("compte") + cout)
            else:
                # a new window for this client: drop the finished ones (keeps the table small)
                CompteurDebit.objects.filter(fenetre__lt=fenetre - 1).delete()
        return int(rows.values_list("compte", flat=True).get())


class Limiteur:
    """Fixed one-minute window per client address, counted in the database."""

    def verifier(self, request: HttpRequest, cout: int = 1) -> None:
        limite = getattr(settings, "LIMITE_VERIFICATION_PAR_MINUTE", 600)
        if limite <= 0 or client_authentifie(request):
            return
        now = time.time()
        n = consommer(adresse_client(request)[:80], cout, int(now // FENETRE_S))
        if n > limite:
            raise TropDeRequetes(int(FENETRE_S - now % FENETRE_S) + 1)

    def reinitialiser(self) -> None:
        CompteurDebit.objects.all().delete()


limiteur = Limiteur()
