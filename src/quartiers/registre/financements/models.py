"""Actions (project holder, pillar, quartiers, years), their funding lines by partner and
year, and the posts funded by the State's programme 147 (adultes-relais, FONJEP).

Amounts are integer cents (``BigIntegerField``), never floats. Rules: amounts are
non-negative; granted <= requested; paid <= granted; years inside the action's years, which
lie inside the contract's period (when known); an action's quartiers are quartiers of its
contract (:meth:`Action.erreurs_quartiers`, enforced by the guard of :mod:`.signals`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from quartiers.registre.commun import ObjetDuRegistre, centimes_en_euros, lie
from quartiers.registre.contrats.models import PILIERS, ContratDeVille
from quartiers.registre.territoires.models import Departement, Quartier, Region

PARTENAIRES = [
    ("etat_bop147", "État (BOP 147)"), ("epci", "EPCI"), ("commune", "Commune"),
    ("departement", "Département"), ("region", "Région"), ("caf", "CAF"),
    ("autre", "Autres"),
]
PARTENAIRE_LABELS = dict(PARTENAIRES)


class Action(ObjetDuRegistre):
    contrat = models.ForeignKey(ContratDeVille, on_delete=models.PROTECT,
                                related_name="actions")
    intitule = models.CharField("intitulé", max_length=300)
    porteur = models.CharField("porteur de projet", max_length=200)
    pilier = models.CharField("pilier", max_length=20, choices=PILIERS)
    quartiers = models.ManyToManyField(Quartier, related_name="actions", blank=True)
    annee_debut = models.PositiveIntegerField("première année")
    annee_fin = models.PositiveIntegerField("dernière année")
    history = HistoricalRecords(m2m_fields=[quartiers])

    def erreurs_quartiers(self, quartier_ids: set[int],
                          du_contrat: set[int] | None = None) -> list[str]:
        """Messages for each quartier that is not one of the contract's (``du_contrat``:
        the contract's quartiers when they are not saved yet, during an import)."""
        allowed = du_contrat if du_contrat is not None else set(
            self.contrat.quartiers.values_list("pk", flat=True))
        hors = Quartier.objects.filter(pk__in=set(quartier_ids) - allowed)
        return [f"Le quartier {q.code} n'est pas couvert par le contrat "
                f"{self.contrat.reference}." for q in hors]

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.annee_debut and self.annee_fin and self.annee_fin < self.annee_debut:
            errors.setdefault("annee_fin", []).append(
                "La dernière année ne peut pas précéder la première.")
        c = lie(self, "contrat")
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
    cpo = models.BooleanField(
        "convention pluriannuelle d'objectifs (CPO)", default=False,
        help_text="Crédit versé dans le cadre d'une convention pluriannuelle d'objectifs.")
    version = models.PositiveIntegerField("version", default=1, editable=False)
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
        act = lie(self, "action")
        if act is not None and self.annee and act.annee_debut and act.annee_fin and \
                not act.annee_debut <= self.annee <= act.annee_fin:
            errors.setdefault("annee", []).append(
                f"L'année {self.annee} est hors des années de l'action "
                f"({act.annee_debut}-{act.annee_fin}).")
        if errors:
            raise ValidationError(errors)


class PosteFinance(models.Model):
    """A post funded by the State's programme 147 one year (adulte-relais, FONJEP), as the
    source lists it: its employer, amount and contract. The contract, the département and
    the région stay empty when the source does not give them (never guessed)."""

    ADULTE_RELAIS, FONJEP = "adulte_relais", "fonjep"
    DISPOSITIFS = [(ADULTE_RELAIS, "adulte-relais"), (FONJEP, "FONJEP")]

    dispositif = models.CharField("dispositif", max_length=16, choices=DISPOSITIFS)
    programme = models.CharField("programme budgétaire", max_length=8)
    annee = models.PositiveIntegerField("année")
    identifiant = models.CharField("identifiant du poste", max_length=40)
    code_tiers = models.CharField("code du tiers (source)", max_length=300)
    beneficiaire_siret = models.CharField("SIRET de l'employeur", max_length=14, blank=True,
                                          help_text="Vide quand la source n'en donne pas.")
    beneficiaire_nom = models.CharField("employeur", max_length=300)
    montant = models.BigIntegerField("montant (centimes)")
    contrat = models.ForeignKey(ContratDeVille, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="postes")
    code_contrat_source = models.CharField("contrat (source)", max_length=40, blank=True)
    code_departement_source = models.CharField("département (source)", max_length=3,
                                               blank=True)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="postes")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="postes")
    source = models.CharField("fichier source", max_length=200)
    enregistrement = models.PositiveIntegerField("enregistrement dans la source")
    demonstration = models.BooleanField("données de démonstration", default=False)

    class Meta:
        ordering = ["dispositif", "annee", "identifiant", "code_tiers"]
        verbose_name = "poste financé"
        verbose_name_plural = "postes financés"
        constraints = [
            models.UniqueConstraint(fields=["dispositif", "annee", "identifiant", "code_tiers"],
                                    name="poste_unique"),
            models.CheckConstraint(condition=models.Q(montant__gte=0),
                                   name="poste_montant_positif"),
        ]

    def __str__(self) -> str:
        return f"{self.get_dispositif_display()} {self.identifiant} – {self.beneficiaire_nom}"  # type: ignore[attr-defined]
