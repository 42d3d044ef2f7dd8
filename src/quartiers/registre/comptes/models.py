"""A user's role in the register (one profile per user) and failed login attempts."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from quartiers.registre.territoires.models import Departement, Epci, Region


class Role(models.TextChoices):
    ADMINISTRATEUR = "administrateur", "Administrateur DREETS"
    AGENT_DEPARTEMENTAL = "agent_departemental", "Agent de l'État départemental"
    CHEF_PROJET_EPCI = "chef_projet_epci", "Chef de projet EPCI"
    LECTEUR = "lecteur", "Lecteur"


class Profil(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="profil_registre")
    role = models.CharField("rôle", max_length=24, choices=Role.choices, default=Role.LECTEUR)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, null=True,
                                    blank=True, help_text="Pour un agent départemental.")
    epci = models.ForeignKey(Epci, on_delete=models.PROTECT, null=True, blank=True,
                             verbose_name="EPCI", help_text="Pour un chef de projet EPCI.")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               verbose_name="région",
                               help_text="Région d'accueil (DREETS) d'un administrateur.")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "profil"

    def __str__(self) -> str:
        return f"{self.user} : {self.get_role_display()}"  # type: ignore[attr-defined]

    def clean(self) -> None:
        if self.role == Role.AGENT_DEPARTEMENTAL and not self.departement_id:
            raise ValidationError({"departement": "Un agent départemental a un département."})
        if self.role == Role.CHEF_PROJET_EPCI and not self.epci_id:
            raise ValidationError({"epci": "Un chef de projet EPCI a un EPCI."})


class TentativeConnexion(models.Model):
    """A failed login (username and client address), for throttling."""

    identifiant = models.CharField(max_length=150, db_index=True)
    adresse_ip = models.CharField(max_length=64, blank=True, db_index=True)
    date = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-date"]
