"""Token authentication and the public lookup's rate limit."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from quartiers.web.api.models import JetonApi, empreinte

_CACHE_TTL = 60.0
_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def utilisateur_du_jeton(jeton: str) -> Any:
    """The active user of a bearer token, or None (cached for a minute per process)."""
    key = empreinte(jeton)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
        if hit and now - hit[0] < _CACHE_TTL:
            return hit[1]
    obj = JetonApi.objects.select_related("utilisateur").filter(empreinte=key, actif=True).first()
    user = obj.utilisateur if obj and obj.utilisateur.is_active else None
    with _cache_lock:
        _cache[key] = (now, user)
    return user


def vider_cache() -> None:
    with _cache_lock:
        _cache.clear()


class JetonAuth(HttpBearer):
    """``Authorization: Bearer <jeton>``."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = utilisateur_du_jeton(token)
        if user is not None:
            request.user = user
        return user


AUTH = [JetonAuth(), django_auth]


def client_authentifie(request: HttpRequest) -> bool:
    """A valid bearer token or a logged-in session (no rate limit for them)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = utilisateur_du_jeton(header[7:].strip())
        if user is not None:
            request.user = user
            return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class TropDeRequetes(Exception):
    def __init__(self, attente: int) -> None:
        super().__init__(attente)
        self.attente = attente


class Limiteur:
    """Fixed one-minute window per client address, in process memory."""

    def __init__(self) -> None:
        self._fenetres: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def verifier(self, request: HttpRequest, cout: int = 1) -> None:
        limite = getattr(settings, "LIMITE_VERIFICATION_PAR_MINUTE", 600)
        if limite <= 0 or client_authentifie(request):
            return
        ip = request.META.get("REMOTE_ADDR", "")
        now = time.time()
        fenetre = int(now // 60)
        with self._lock:
            f, n = self._fenetres.get(ip, (fenetre, 0))
            if f != fenetre:
                f, n = fenetre, 0
            n += cout
            self._fenetres[ip] = (f, n)
            if len(self._fenetres) > 100_000:
                self._fenetres = {k: v for k, v in self._fenetres.items() if v[0] == fenetre}
        if n > limite:
            raise TropDeRequetes(int(60 - now % 60) + 1)

    def reinitialiser(self) -> None:
        with self._lock:
            self._fenetres.clear()


limiteur = Limiteur()
