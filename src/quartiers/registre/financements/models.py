"""Actions (project holder, pillar, quartiers, years) and funding lines by partner and year.

Amounts are integer cents (``BigIntegerField``), never floats. Rules: amounts are
non-negative; granted <= requested; paid <= granted; years inside the action's years, which
lie inside the contract's period; an action's quartiers are quartiers of its contract.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from quartiers.registre.commun import centimes_en_euros
from quartiers.registre.contrats.models import PILIERS, ContratDeVille
from quartiers.registre.territoires.models import Quartier

PARTENAIRES = [
    ("etat_bop147", "État (BOP 147)"), ("epci", "EPCI"), ("commune", "Commune"),
    ("departement", "Département"), ("region", "Région"), ("caf", "CAF"),
    ("autre", "Autres"),
]
PARTENAIRE_LABELS = dict(PARTENAIRES)


class Action(models.Model):
    reference = models.CharField("référence", max_length=40, unique=True)
    contrat = models.ForeignKey(ContratDeVille, on_delete=models.PROTECT,
                                related_name="actions")
    intitule = models.CharField("intitulé", max_length=300)
    porteur = models.CharField("porteur de projet", max_length=200)
    pilier = models.CharField("pilier", max_length=20, choices=PILIERS)
    quartiers = models.ManyToManyField(Quartier, related_name="actions", blank=True)
    annee_debut = models.PositiveIntegerField("première année")
    annee_fin = models.PositiveIntegerField("dernière année")
    version = models.PositiveIntegerField("version", default=1, editable=False)
    demonstration = models.BooleanField("données de démonstration", default=False)
    history = HistoricalRecords(m2m_fields=[quartiers])

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} – {self.intitule}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.annee_debut and self.annee_fin and self.annee_fin < self.annee_debut:
            errors.setdefault("annee_fin", []).append(
                "La dernière année ne peut pas précéder la première.")
        c = self.contrat if self.contrat_id else None
        if c is not None and self.annee_debut and self.annee_fin and c.date_debut and \
                c.date_fin and (self.annee_debut < c.date_debut.year
                                or self.annee_fin > c.date_fin.year):
            errors.setdefault("annee_debut", []).append(
                f"Les années de l'action ({self.annee_debut}-{self.annee_fin}) doivent être "
                f"dans la période du contrat ({c.date_debut.year}-{c.date_fin.year}).")
        if c is not None and c.archive:
            errors.setdefault("contrat", []).append(
                "Le contrat est archivé : on ne peut plus y ajouter ou modifier d'action.")
        if errors:
            raise ValidationError(errors)


class LigneFinancement(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="financements")
    partenaire = models.CharField("partenaire", max_length=20, choices=PARTENAIRES)
    annee = models.PositiveIntegerField("année")
    montant_demande = models.BigIntegerField("montant demandé (centimes)", default=0)
    montant_accorde = models.BigIntegerField("montant accordé (centimes)", default=0)
    montant_verse = models.BigIntegerField("montant versé (centimes)", default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "annee", "partenaire"]
        constraints = [
            models.UniqueConstraint(fields=["action", "partenaire", "annee"],
                                    name="financement_unique"),
            models.CheckConstraint(
                condition=models.Q(montant_demande__gte=0, montant_accorde__gte=0,
                                   montant_verse__gte=0),
                name="financement_montants_positifs"),
            models.CheckConstraint(
                condition=models.Q(montant_accorde__lte=models.F("montant_demande")),
                name="financement_accorde_inferieur_demande"),
        ]

    def __str__(self) -> str:
        return f"{self.get_partenaire_display()} {self.annee}"  # type: ignore[attr-defined]

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for f in ("montant_demande", "montant_accorde", "montant_verse"):
            v = getattr(self, f)
            if v is not None and v < 0:
                errors.setdefault(f, []).append("Le montant ne peut pas être négatif.")
        d, a, v = self.montant_demande, self.montant_accorde, self.montant_verse
        if d is not None and a is not None and a > d >= 0:
            errors.setdefault("montant_accorde", []).append(
                f"Le montant accordé ({centimes_en_euros(a)}) dépasse le montant demandé "
                f"({centimes_en_euros(d)}) de {centimes_en_euros(a - d)}.")
        if a is not None and v is not None and v > a >= 0:
            errors.setdefault("montant_verse", []).append(
                f"Le montant versé ({centimes_en_euros(v)}) dépasse le montant accordé "
                f"({centimes_en_euros(a)}) de {centimes_en_euros(v - a)}.")
        act = self.action if self.action_id else None
        if act is not None and self.annee and act.annee_debut and act.annee_fin and \
                not act.annee_debut <= self.annee <= act.annee_fin:
            errors.setdefault("annee", []).append(
                f"L'année {self.annee} est hors des années de l'action "
                f"({act.annee_debut}-{act.annee_fin}).")
        if errors:
            raise ValidationError(errors)
