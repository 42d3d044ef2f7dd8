"""Record failed logins (throttling), clear them on success."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from quartiers.registre.comptes.throttling import adresse, effacer_echecs, noter_echec


@receiver(user_login_failed)
def echec(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    noter_echec(str(credentials.get("username", "")), adresse(request))


@receiver(user_logged_in)
def succes(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    effacer_echecs(user.get_username(), adresse(request))
