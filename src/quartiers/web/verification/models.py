"""Batch lookup jobs: the uploaded file, the progress, the result and errors files."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class LotVerification(models.Model):
    """A batch lookup job, processed in the background (see verification.lots)."""

    ATTENTE, EN_COURS, TERMINE, ECHEC = "attente", "en_cours", "termine", "echec"
    STATUTS = ((ATTENTE, "en attente"), (EN_COURS, "en cours"), (TERMINE, "terminé"),
               (ECHEC, "échec"))

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proprietaire = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="lots_verification")
    nom_fichier = models.CharField("fichier déposé", max_length=255)
    client = models.CharField("client (empreinte)", max_length=32, blank=True, db_index=True,
                              help_text="empreinte de l'adresse du déposant anonyme, pour "
                                        "les quotas (l'adresse elle-même n'est pas gardée)")
    taille = models.PositiveBigIntegerField("taille (octets)", default=0)
    fichier = models.FileField(upload_to="lots/entrees/")
    millesime = models.CharField("millésime", max_length=6, default="2024")
    tolerance = models.FloatField("tolérance (m)", default=0)
    colonnes_adresse = models.CharField(
        "colonnes d'adresse", max_length=255, blank=True,
        help_text="colonnes à géocoder, séparées par des virgules ; vide : les coordonnées, "
                  "sinon les colonnes d'adresse reconnues à leur nom")
    statut = models.CharField(max_length=10, choices=STATUTS, default=ATTENTE)
    total = models.PositiveIntegerField("lignes", default=0)
    traitees = models.PositiveIntegerField("lignes traitées", default=0)
    dans_qpv = models.PositiveIntegerField("points dans un QPV", default=0)
    oui = models.PositiveIntegerField("réponses oui", default=0)
    non = models.PositiveIntegerField("réponses non", default=0)
    inconnu = models.PositiveIntegerField("réponses inconnu", default=0)
    rejetees = models.PositiveIntegerField("lignes rejetées", default=0)
    avancement = models.PositiveSmallIntegerField("avancement (%)", default=0)
    tentatives = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    resultat = models.FileField(upload_to="lots/resultats/", blank=True)
    erreurs = models.FileField(upload_to="lots/resultats/", blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)
    maj_le = models.DateTimeField(auto_now=True)
    termine_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-cree_le"]  # noqa: RUF012
        verbose_name = "lot de vérification"
        verbose_name_plural = "lots de vérification"

    def __str__(self) -> str:
        return f"{self.nom_fichier} ({self.get_statut_display()})"

    @property
    def pourcentage(self) -> int:
        return 100 if self.statut == self.TERMINE else self.avancement

    def etat(self) -> dict:
        return {
            "id": str(self.id), "statut": self.statut, "statut_libelle": self.get_statut_display(),
            "total": self.total, "traitees": self.traitees, "pourcentage": self.pourcentage,
            "dans_qpv": self.dans_qpv, "rejetees": self.rejetees, "message": self.message,
            "oui": self.oui, "non": self.non, "inconnu": self.inconnu,
            "millesime": self.millesime, "nom_fichier": self.nom_fichier,
        }
