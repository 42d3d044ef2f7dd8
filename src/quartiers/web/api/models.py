"""API tokens for machine clients (only a hash of the token is stored)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


def empreinte(jeton: str) -> str:
    return hashlib.sha256(jeton.encode()).hexdigest()


class JetonApi(models.Model):
    """A bearer token (``Authorization: Bearer <jeton>``) acting as its user."""

    utilisateur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                    related_name="jetons_api")
    nom = models.CharField("usage", max_length=100)
    prefixe = models.CharField(max_length=8, editable=False)
    empreinte = models.CharField(max_length=64, unique=True, editable=False)
    cree_le = models.DateTimeField(auto_now_add=True)
    actif = models.BooleanField(default=True)

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"

    def __str__(self) -> str:
        return f"{self.prefixe}… ({self.nom}, {self.utilisateur})"

    @classmethod
    def creer(cls, utilisateur: object, nom: str) -> tuple[JetonApi, str]:
        """Create a token; the clear value is returned once and never stored."""
        jeton = "qp_" + secrets.token_urlsafe(32)
        obj = cls.objects.create(utilisateur=utilisateur, nom=nom, prefixe=jeton[:8],
                                 empreinte=empreinte(jeton))
        return obj, jeton


class CompteurDebit(models.Model):
    """Requests of one client (``cle``) in one one-minute window, shared by every worker."""

    cle = models.CharField(max_length=80)
    fenetre = models.BigIntegerField(db_index=True)
    compte = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "compteur de la limite de débit"
        constraints = (models.UniqueConstraint(fields=["cle", "fenetre"],
                                               name="compteur_unique_par_fenetre"),)
