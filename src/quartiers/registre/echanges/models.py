"""Register import jobs: the uploaded file, the dry run's report, the application."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models


class ImportRegistre(models.Model):
    """An import of contracts, actions or credits, processed in the background (see
    :mod:`.travaux`): a dry run that reads the database without writing, then, once the
    user confirms, the application in one short transaction."""

    ATTENTE, ESSAI, PRET, ERREURS = "attente", "essai", "pret", "erreurs"
    APPLICATION, APPLIQUE, ECHEC = "application", "applique", "echec"
    STATUTS = [
        (ATTENTE, "en attente"), (ESSAI, "essai en cours"),
        (PRET, "essai réussi, à confirmer"), (ERREURS, "essai avec erreurs"),
        (APPLICATION, "application en cours"), (APPLIQUE, "appliqué"), (ECHEC, "échec"),
    ]
    EN_COURS = (ATTENTE, ESSAI, APPLICATION)
    #: Errors shown on the page; the full report is a download.
    APERCU = 200

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proprietaire = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="imports_registre")
    nom_fichier = models.CharField("fichier déposé", max_length=255)
    type_defaut = models.CharField("contenu (pour un CSV)", max_length=20)
    fichier = models.FileField(upload_to="registre/imports/")
    empreinte = models.CharField(max_length=64)
    statut = models.CharField(max_length=12, choices=STATUTS, default=ATTENTE)
    confirme = models.BooleanField("application demandée", default=False)
    total = models.PositiveIntegerField("lignes", default=0)
    traitees = models.PositiveIntegerField("lignes vérifiées", default=0)
    nb_erreurs = models.PositiveIntegerField("erreurs", default=0)
    erreurs_apercu = models.JSONField(default=list, blank=True)
    rapport = models.FileField(upload_to="registre/imports/", blank=True)
    crees = models.JSONField(default=dict, blank=True)
    modifies = models.JSONField(default=dict, blank=True)
    versions = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)
    maj_le = models.DateTimeField(auto_now=True)
    termine_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-cree_le"]
        verbose_name = "import du registre"
        verbose_name_plural = "imports du registre"

    def __str__(self) -> str:
        return f"{self.nom_fichier} ({self.get_statut_display()})"  # type: ignore[attr-defined]

    @property
    def en_cours(self) -> bool:
        return self.statut in self.EN_COURS

    @property
    def avancement(self) -> int:
        return min(99, 100 * self.traitees // self.total) if self.total else 0

    def etat(self) -> dict[str, Any]:
        return {"id": str(self.id), "statut": self.statut,
                "statut_libelle": self.get_statut_display(),  # type: ignore[attr-defined]
                "total": self.total, "traitees": self.traitees,
                "avancement": self.avancement, "nb_erreurs": self.nb_erreurs,
                "message": self.message}
