"""Contrats de ville and their parts.

Rules (French messages, checked in :meth:`clean` and by :mod:`.services`, also guarded by
signals so that no code path can bypass them):

- a contract's quartiers lie in its EPCI's communes (:func:`erreurs_quartiers`);
- dates are coherent (start before end; signatures and avenants inside the period);
- a signed contract (status other than "en préparation", or any signature) is archived,
  never deleted;
- an archived contract can no longer be modified.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from quartiers.registre.territoires.models import Epci, Quartier

PILIERS = [
    ("cohesion_sociale", "Cohésion sociale"),
    ("cadre_de_vie", "Cadre de vie et renouvellement urbain"),
    ("emploi", "Développement économique et emploi"),
    ("transversal", "Axes transversaux"),
]
PILIER_LABELS = dict(PILIERS)

DUREE_ANNEES = 6


def fin_par_defaut(debut: dt.date, generation: str) -> dt.date:
    """Six years by default; "Engagements Quartiers 2030" contracts end on 31/12/2030."""
    if generation == ContratDeVille.GENERATION_2024:
        return dt.date(2030, 12, 31)
    try:
        return debut.replace(year=debut.year + DUREE_ANNEES) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        return dt.date(debut.year + DUREE_ANNEES, 2, 28)


def erreurs_quartiers(epci: Epci | None, quartiers: Iterable[Quartier]) -> list[str]:
    """Messages for each quartier not lying in the EPCI's communes (empty when all do)."""
    if epci is None:
        return []
    communes_epci = set(epci.communes.values_list("code", flat=True))
    erreurs = []
    for q in quartiers:
        codes = set(q.communes.values_list("code", flat=True))
        if not codes:
            erreurs.append(f"Le quartier {q.code} n'a aucune commune connue : impossible de "
                           f"vérifier qu'il est dans l'EPCI {epci.nom}.")
        elif not codes <= communes_epci:
            hors = ", ".join(sorted(codes - communes_epci))
            erreurs.append(f"Le quartier {q.code} ({q.nom}) n'est pas dans les communes de "
                           f"l'EPCI {epci.nom} (commune(s) {hors} hors EPCI).")
    return erreurs


class ContratDeVille(models.Model):
    PREPARATION, SIGNE, REVISION, CLOS = "preparation", "signe", "revision", "clos"
    STATUTS = [
        (PREPARATION, "en préparation"), (SIGNE, "signé"),
        (REVISION, "en révision"), (CLOS, "clos"),
    ]
    GENERATION_2015, GENERATION_2024 = "2015", "2024"
    GENERATIONS = [
        (GENERATION_2015, "Contrat de ville 2015-2020 (prorogé jusqu'en 2023)"),
        (GENERATION_2024, "Engagements Quartiers 2030 (2024-2030)"),
    ]

    reference = models.CharField("référence", max_length=40, unique=True,
                                 help_text="Identifiant stable, utilisé par l'import.")
    intitule = models.CharField("intitulé", max_length=300)
    epci = models.ForeignKey(Epci, on_delete=models.PROTECT, related_name="contrats",
                             verbose_name="EPCI")
    generation = models.CharField("génération", max_length=4, choices=GENERATIONS,
                                  default=GENERATION_2024)
    date_debut = models.DateField("date de début")
    date_fin = models.DateField("date de fin", blank=True,
                                help_text="Par défaut : six ans après le début "
                                          "(31/12/2030 pour Engagements Quartiers 2030).")
    statut = models.CharField("statut", max_length=12, choices=STATUTS, default=PREPARATION)
    quartiers = models.ManyToManyField(Quartier, related_name="contrats", blank=True)
    archive = models.BooleanField("archivé", default=False)
    version = models.PositiveIntegerField("version", default=1, editable=False)
    demonstration = models.BooleanField("données de démonstration", default=False)
    history = HistoricalRecords(m2m_fields=[quartiers])

    class Meta:
        ordering = ["reference"]
        verbose_name = "contrat de ville"
        verbose_name_plural = "contrats de ville"

    def __str__(self) -> str:
        return f"{self.reference} – {self.intitule}"

    @property
    def signe(self) -> bool:
        if self.statut != self.PREPARATION:
            return True
        return self.pk is not None and self.signataires.exclude(date_signature=None).exists()

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.date_debut and not self.date_fin:
            self.date_fin = fin_par_defaut(self.date_debut, self.generation)
        if self.date_debut and self.date_fin and self.date_fin <= self.date_debut:
            errors.setdefault("date_fin", []).append(
                "La date de fin doit être postérieure à la date de début.")
        if self.date_debut and self.generation == self.GENERATION_2024 and \
                self.date_debut.year < 2024:
            errors.setdefault("date_debut", []).append(
                "Un contrat Engagements Quartiers 2030 commence en 2024 au plus tôt.")
        if self.pk and self.epci_id and not getattr(self, "_quartiers_verifies", False):
            errs = erreurs_quartiers(self.epci, self.quartiers.all())
            if errs:
                errors.setdefault("epci", []).extend(errs)
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.date_debut and not self.date_fin:
            self.date_fin = fin_par_defaut(self.date_debut, self.generation)
        super().save(*args, **kwargs)


class Signataire(models.Model):
    ROLES = [
        ("prefet", "Préfet (État)"), ("president_epci", "Président de l'EPCI"),
        ("maire", "Maire"), ("departement", "Président du conseil départemental"),
        ("region", "Président du conseil régional"), ("partenaire", "Autre partenaire"),
    ]
    contrat = models.ForeignKey(ContratDeVille, on_delete=models.CASCADE,
                                related_name="signataires")
    organisation = models.CharField("organisation", max_length=200)
    role = models.CharField("rôle", max_length=20, choices=ROLES)
    date_signature = models.DateField("date de signature", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["contrat", "date_signature", "id"]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"  # type: ignore[attr-defined]

    def clean(self) -> None:
        c = self.contrat if self.contrat_id else None
        if c and self.date_signature and c.date_fin and self.date_signature > c.date_fin:
            raise ValidationError({"date_signature": (
                "La date de signature ne peut pas être postérieure à la fin du contrat "
                f"({c.date_fin:%d/%m/%Y}).")})


class Avenant(models.Model):
    contrat = models.ForeignKey(ContratDeVille, on_delete=models.CASCADE,
                                related_name="avenants")
    numero = models.PositiveIntegerField("numéro")
    date = models.DateField("date")
    objet = models.TextField("objet")
    history = HistoricalRecords()

    class Meta:
        ordering = ["contrat", "numero"]
        constraints = [models.UniqueConstraint(fields=["contrat", "numero"],
                                               name="avenant_numero_unique")]

    def __str__(self) -> str:
        return f"Avenant n° {self.numero}"

    def clean(self) -> None:
        c = self.contrat if self.contrat_id else None
        if c and self.date and c.date_debut and self.date < c.date_debut:
            raise ValidationError({"date": (
                "Un avenant ne peut pas précéder le début du contrat "
                f"({c.date_debut:%d/%m/%Y}).")})


class Engagement(models.Model):
    contrat = models.ForeignKey(ContratDeVille, on_delete=models.CASCADE,
                                related_name="engagements")
    pilier = models.CharField("pilier", max_length=20, choices=PILIERS)
    intitule = models.CharField("engagement", max_length=300)
    description = models.TextField("description", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["contrat", "pilier", "id"]

    def __str__(self) -> str:
        return self.intitule
