"""Contrats de ville and their parts.

Two generations: the 2015 contracts (three pillars, 2015-2020 extended to 2023, loaded from
ANCT's list) and the 2024-2030 « Engagements Quartiers 2030 » (local priorities set with the
residents, projets de quartier, wider signatories, a mandatory participation citoyenne
section, an optional investment section, yearly reviews and the mid-term review). Dates and
durations are dated parameters (``parameters/contrats.yaml``).

Where each rule lives (one place per rule):

- field and date rules: the models' ``clean`` (called by the service functions);
- the contract -> quartier link (quartiers inside the carrier's communes, or recorded as
  unverifiable when the EPCI's composition is unknown): :meth:`ContratDeVille.
  verifier_quartiers`, enforced by the ``m2m_changed`` guard of :mod:`.signals` whatever the
  code path;
- deletion (signed or archived contracts are never deleted): the ``pre_delete`` guard;
- who may do what: :mod:`quartiers.registre.comptes.permissions`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from quartiers.registre.commun import ObjetDuRegistre, date_parametre, parametre
from quartiers.registre.territoires.models import Departement, Epci, Quartier, Region

PILIERS = [
    ("cohesion_sociale", "Cohésion sociale"),
    ("cadre_de_vie", "Cadre de vie et renouvellement urbain"),
    ("emploi", "Développement économique et emploi"),
    ("transversal", "Axes transversaux"),
]
PILIER_LABELS = dict(PILIERS)


def _partie(ordre: str = "id", unique: str = "", **options: Any) -> type:
    """The ``Meta`` of a record of a contract, listed by contract then ``ordre``; with
    ``unique`` (a constraint's name), one per contract and ``ordre``."""
    contraintes = [models.UniqueConstraint(fields=["contrat", ordre], name=unique)] \
        if unique else []
    return type("Meta", (), {"ordering": ["contrat", ordre], "constraints": contraintes,
                             **options})


def fin_par_defaut(debut: dt.date, generation: str) -> dt.date:
    """« Engagements Quartiers 2030 » contracts end on their generation's legal date; others
    after the legal duration."""
    if generation == ContratDeVille.GENERATION_2024:
        return date_parametre("contrats.fin_generation_2024")
    annees = int(parametre("contrats.duree").valeur)
    try:
        return debut.replace(year=debut.year + annees) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        return dt.date(debut.year + annees, 2, 28)


class ContratQuerySet(models.QuerySet):
    """Contracts filtered by who looks (rules in ``comptes.permissions``) and by territory."""

    def visibles_par(self, user: Any) -> ContratQuerySet:
        from quartiers.registre.comptes.permissions import contrats_visibles

        return contrats_visibles(user, self)

    def modifiables_par(self, user: Any) -> ContratQuerySet:
        from quartiers.registre.comptes.permissions import contrats_modifiables

        return contrats_modifiables(user, self)

    def dans(self, perimetre: Region | Departement | Epci) -> ContratQuerySet:
        """Contracts covering a région, a département (through the départements of their
        ANCT records, else their EPCI's) or carried by an EPCI."""
        if isinstance(perimetre, Epci):
            return self.filter(epci=perimetre)
        champ = "departement__region" if isinstance(perimetre, Region) else "departement"
        return self.par_territoire(Q(**{champ: perimetre}), Q(**{f"epci__{champ}": perimetre}))

    def par_territoire(self, territoire: Q, epci: Q) -> ContratQuerySet:
        """Contracts with a territory matching ``territoire`` or, for those with none (entered
        in the register), whose EPCI matches ``epci``. Two plain subqueries: an OR across
        outer joins is planned very badly by PostgreSQL."""
        par_territoire = TerritoireContrat.objects.filter(territoire).values("contrat_id")
        par_epci = ContratDeVille.objects.filter(epci).exclude(
            pk__in=TerritoireContrat.objects.values("contrat_id")).values("pk")
        return self.filter(Q(pk__in=par_territoire) | Q(pk__in=par_epci))

    def reels(self) -> ContratQuerySet:
        return self.filter(demonstration=False)


class LienQuartier(models.Model):
    """A contract covers a quartier: who asserted it, when, and whether the register could
    check it against the carrier's communes."""

    VERIFIE, NON_VERIFIABLE = "verifie", "non_verifiable"
    VERIFICATIONS = [
        (VERIFIE, "vérifié : le quartier est dans les communes du porteur"),
        (NON_VERIFIABLE, "non vérifiable : communes du porteur ou du quartier inconnues"),
    ]
    contrat = models.ForeignKey("ContratDeVille", on_delete=models.CASCADE,
                                related_name="liens")
    quartier = models.ForeignKey(Quartier, on_delete=models.CASCADE,
                                 related_name="liens_contrats")
    affirme_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name="affirmé par")
    affirme_le = models.DateTimeField("affirmé le", default=timezone.now)
    verification = models.CharField("vérification", max_length=16, choices=VERIFICATIONS,
                                    default=NON_VERIFIABLE)
    origine = models.CharField("origine", max_length=200, blank=True)

    Meta = _partie("quartier", unique="lien_quartier_unique")

    def __str__(self) -> str:
        return f"{self.contrat.reference} → {self.quartier.code}"


class ContratDeVille(ObjetDuRegistre):
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
                                 help_text="Identifiant stable, utilisé par l'import "
                                           "(code ANCT « CVnnn » pour les contrats 2015).")
    intitule = models.CharField("intitulé", max_length=300)
    epci = models.ForeignKey(Epci, on_delete=models.PROTECT, related_name="contrats",
                             verbose_name="EPCI", null=True, blank=True,
                             help_text="EPCI porteur (vide pour un contrat porté par une "
                                       "commune).")
    commune_porteuse = models.CharField(
        "commune porteuse (code INSEE)", max_length=5, blank=True,
        help_text="Pour un contrat porté par une commune et non par un EPCI.")
    generation = models.CharField("génération", max_length=4, choices=GENERATIONS,
                                  default=GENERATION_2024)
    date_debut = models.DateField("date de début", null=True, blank=True,
                                  help_text="Inconnue pour les contrats de la liste ANCT "
                                            "(dates de signature non publiées).")
    date_fin = models.DateField("date de fin", null=True, blank=True,
                                help_text="Par défaut : la durée légale après le début "
                                          "(31/12/2030 pour Engagements Quartiers 2030).")
    statut = models.CharField("statut", max_length=12, choices=STATUTS, default=PREPARATION)
    quartiers = models.ManyToManyField(Quartier, related_name="contrats", blank=True,
                                       through=LienQuartier)
    population_qpv = models.PositiveIntegerField(
        "population des quartiers (source)", null=True, blank=True,
        help_text="Population des QPV couverts selon la source (ANCT).")
    source = models.CharField("source", max_length=200, blank=True)
    contrat_precedent = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True,
        related_name="contrat_suivant", verbose_name="contrat renouvelé")
    participation_citoyenne = models.TextField(
        "volet participation citoyenne", blank=True,
        help_text="Obligatoire pour signer un contrat Engagements Quartiers 2030 : conseils "
                  "citoyens, concertation des habitants.")
    conseils_citoyens = models.TextField("conseils citoyens", blank=True)
    volet_investissement = models.TextField("volet investissement (facultatif)", blank=True)
    archive = models.BooleanField("archivé", default=False)
    history = HistoricalRecords(m2m_fields=[quartiers])

    objects = ContratQuerySet.as_manager()

    class Meta(ObjetDuRegistre.Meta):
        verbose_name = "contrat de ville"
        verbose_name_plural = "contrats de ville"

    @property
    def signe(self) -> bool:
        if self.statut != self.PREPARATION:
            return True
        return self.pk is not None and self.signataires.exclude(date_signature=None).exists()

    @property
    def engagements_quartiers_2030(self) -> bool:
        return self.generation == self.GENERATION_2024

    def departements_couverts(self) -> set[int]:
        """Ids of the départements the contract covers: those of its source records, else
        (a contract entered in the register) its EPCI's."""
        territoires = list(self.territoires.all()) if self.pk is not None else []
        if territoires:
            return {t.departement_id for t in territoires if t.departement_id}
        if self.epci_id and self.epci.departement_id:
            return {self.epci.departement_id}
        return set()

    @property
    def codes_departements(self) -> list[str]:
        """Codes of the départements covered (as the source writes them)."""
        codes = [t.code_departement for t in self.territoires.all() if t.code_departement]
        if self.pk is not None and not codes and not self.territoires.all() and \
                self.epci_id and self.epci.departement_id:
            codes = [self.epci.departement.code]
        return sorted(codes)

    def communes_du_porteur(self) -> set[str] | None:
        """INSEE codes of the carrier's communes, ``None`` when the register does not know
        them (no EPCI composition is published with the contracts). Kept on the instance
        for its carrier: one save checks its quartiers several times."""
        cle = (self.epci_id, self.commune_porteuse)
        memo = getattr(self, "_communes_porteur", None)
        if memo is not None and memo[0] == cle:
            return memo[1]
        codes: set[str] | None = None
        if self.commune_porteuse:
            codes = {self.commune_porteuse}
        elif self.epci_id is not None:
            codes = set(self.epci.communes.values_list("code", flat=True)) or None
        self._communes_porteur = (cle, codes)
        return codes

    def verifier_quartiers(self, quartiers: Iterable[Quartier]
                           ) -> tuple[list[str], dict[int, str]]:
        """(errors, verification of each quartier) for linking ``quartiers``: errors name each
        quartier lying outside the carrier's communes; a link is ``verifie`` or, when the
        carrier's communes or the quartier's are unknown, ``non_verifiable`` (the link is
        then recorded as asserted by its author)."""
        communes = self.communes_du_porteur()
        erreurs: list[str] = []
        etats: dict[int, str] = {}
        porteur = self.epci.nom if self.epci_id else f"commune {self.commune_porteuse}"
        for q in quartiers:
            codes = {c.code for c in q.communes.all()}
            etats[q.pk] = LienQuartier.VERIFIE if communes is not None and codes \
                else LienQuartier.NON_VERIFIABLE
            if codes and communes is not None and not codes <= communes:
                hors = ", ".join(sorted(codes - communes))
                erreurs.append(f"Le quartier {q.code} ({q.nom}) n'est pas dans les communes de "
                               f"{'l’EPCI ' if self.epci_id else 'la '}{porteur} "
                               f"(commune(s) {hors} hors du territoire).")
        return erreurs, etats

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.date_debut and not self.date_fin:
            self.date_fin = fin_par_defaut(self.date_debut, self.generation)
        if self.date_debut and self.date_fin and self.date_fin <= self.date_debut:
            errors.setdefault("date_fin", []).append(
                "La date de fin doit être postérieure à la date de début.")
        if self.generation == self.GENERATION_2024 and self.date_debut:
            debut_min = date_parametre("contrats.debut_generation_2024")
            if self.date_debut < debut_min:
                errors.setdefault("date_debut", []).append(
                    f"Un contrat Engagements Quartiers 2030 commence en {debut_min.year} au "
                    "plus tôt.")
        if not self.epci_id and not self.commune_porteuse:
            errors.setdefault("epci", []).append(
                "Un contrat est porté par un EPCI (ou, à défaut, par une commune).")
        if self.generation == self.GENERATION_2024 and self.statut != self.PREPARATION and \
                not self.participation_citoyenne.strip():
            errors.setdefault("participation_citoyenne", []).append(
                "Le volet participation citoyenne est obligatoire pour un contrat Engagements "
                "Quartiers 2030 signé.")
        if self.contrat_precedent_id and self.contrat_precedent_id == self.pk:
            errors.setdefault("contrat_precedent", []).append(
                "Un contrat ne peut pas se renouveler lui-même.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.date_debut and not self.date_fin:
            self.date_fin = fin_par_defaut(self.date_debut, self.generation)
        super().save(*args, **kwargs)


class TerritoireContrat(models.Model):
    """One record of the source for a contract: its département and the population of its
    quartiers there (ANCT lists a contract once per département it covers)."""

    contrat = models.ForeignKey(ContratDeVille, on_delete=models.CASCADE,
                                related_name="territoires")
    code_departement = models.CharField("code du département (source)", max_length=3,
                                        blank=True)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="territoires_contrats")
    population_qpv = models.PositiveIntegerField("population des quartiers", null=True,
                                                 blank=True)
    intitule_source = models.CharField("libellé (source)", max_length=300, blank=True)

    Meta = _partie("code_departement", unique="territoire_contrat_unique")

    def __str__(self) -> str:
        return f"{self.contrat.reference} – {self.code_departement or 'département inconnu'}"


def _dans_le_contrat(partie: Any, champ: str, borne: str, message: str) -> None:
    """A part's date ``champ`` may not lie before the contract's start (``borne`` is
    ``date_debut``) or after its end (``date_fin``); ``message`` says which, the contract's
    date follows."""
    date = getattr(partie, champ)
    limite = getattr(partie.contrat, borne) if partie.contrat_id else None
    if date and limite and (date < limite if borne == "date_debut" else date > limite):
        raise ValidationError({champ: f"{message} ({limite:%d/%m/%Y})."})


class Signataire(models.Model):
    ROLES = [
        ("prefet", "État (préfet)"), ("president_epci", "Président de l'EPCI"),
        ("maire", "Maire"), ("departement", "Président du conseil départemental"),
        ("region", "Président du conseil régional"), ("caf", "Caisse d'allocations familiales"),
        ("bailleur", "Bailleur social"), ("partenaire", "Autre partenaire"),
    ]
    contrat = models.ForeignKey(ContratDeVille, on_delete=models.CASCADE,
                                related_name="signataires")
    organisation = models.CharField("organisation", max_length=200)
    role = models.CharField("rôle", max_length=20, choices=ROLES)
    date_signature = models.DateField("date de signature", null=True, blank=True)
    a_confirmer = models.BooleanField(
        "à confirmer", default=False,
        help_text="Repris du contrat précédent lors du renouvellement : à confirmer.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["contrat", "date_signature", "id"]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"  # type: ignore[attr-defined]

    def clean(self) -> None:
        _dans_le_contrat(self, "date_signature", "date_fin", "La date de signature ne peut "
                         "pas être postérieure à la fin du contrat")


class Avenant(models.Model):
    contrat = models.ForeignKey(ContratDeVille, on_delete=models.CASCADE,
                                related_name="avenants")
    numero = models.PositiveIntegerField("numéro")
    date = models.DateField("date")
    objet = models.TextField("objet")
    history = HistoricalRecords()

    Meta = _partie("numero", unique="avenant_numero_unique")

    def __str__(self) -> str:
        return f"Avenant n° {self.numero}"

    def clean(self) -> None:
        _dans_le_contrat(self, "date", "date_debut",
                         "Un avenant ne peut pas précéder le début du contrat")


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


class Priorite(models.Model):
    """A local priority of an « Engagements Quartiers 2030 » contract (they replace the
    national pillars), set with the residents."""

    contrat = models.ForeignKey(ContratDeVille, on_delete=models.CASCADE,
                                related_name="priorites")
    intitule = models.CharField("priorité", max_length=300)
    description = models.TextField("description", blank=True)
    concertation = models.TextField(
        "concertation des habitants", blank=True,
        help_text="Comment la priorité a été fixée avec les habitants.")
    history = HistoricalRecords()

    Meta = _partie(verbose_name="priorité locale")

    def __str__(self) -> str:
        return self.intitule


class ProjetQuartier(models.Model):
    """A projet de quartier: what the contract does for one of its quartiers."""

    contrat = models.ForeignKey(ContratDeVille, on_delete=models.CASCADE,
                                related_name="projets_quartier")
    quartier = models.ForeignKey(Quartier, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="projets_quartier")
    intitule = models.CharField("projet de quartier", max_length=300)
    description = models.TextField("description", blank=True)
    history = HistoricalRecords()

    Meta = _partie(verbose_name="projet de quartier")

    def __str__(self) -> str:
        return self.intitule

    def clean(self) -> None:
        if self.quartier_id and self.contrat_id and not self.contrat.quartiers.filter(
                pk=self.quartier_id).exists():
            raise ValidationError({"quartier": "Ce quartier n'est pas couvert par le contrat."})


class RevueAnnuelle(models.Model):
    """The yearly review of a contract with its signatories, with simple indicators; the
    review of the mid-term year (parameter ``contrats.revue_mi_parcours``) is the mid-term
    review."""

    contrat = models.ForeignKey(ContratDeVille, on_delete=models.CASCADE,
                                related_name="revues")
    annee = models.PositiveIntegerField("année")
    date_reunion = models.DateField("date de la réunion", null=True, blank=True)
    bilan = models.TextField("bilan", blank=True)
    indicateurs = models.TextField(
        "indicateurs", blank=True,
        help_text="Un indicateur par ligne : « libellé ; valeur ; cible » (cible facultative).")
    history = HistoricalRecords()

    Meta = _partie("annee", unique="revue_annee_unique", verbose_name="revue annuelle")

    def __str__(self) -> str:
        return f"Revue {self.annee}{' (mi-parcours)' if self.mi_parcours else ''}"

    @property
    def mi_parcours(self) -> bool:
        return self.annee == date_parametre("contrats.revue_mi_parcours").year

    def lignes_indicateurs(self) -> list[tuple[str, str, str]]:
        """(label, value, target) of each indicator line."""
        out = []
        for ligne in self.indicateurs.splitlines():
            parts = [p.strip() for p in ligne.split(";")]
            if parts and parts[0]:
                out.append((parts[0], parts[1] if len(parts) > 1 else "",
                            parts[2] if len(parts) > 2 else ""))
        return out

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        c = self.contrat if self.contrat_id else None
        if c is not None and self.annee and c.date_debut and c.date_fin and \
                not c.date_debut.year <= self.annee <= c.date_fin.year:
            errors.setdefault("annee", []).append(
                f"L'année {self.annee} est hors de la période du contrat "
                f"({c.date_debut.year}-{c.date_fin.year}).")
        if self.date_reunion and self.annee and self.date_reunion.year != self.annee:
            errors.setdefault("date_reunion", []).append(
                "La réunion a lieu dans l'année de la revue.")
        for no, ligne in enumerate(self.indicateurs.splitlines(), start=1):
            parts = [p.strip() for p in ligne.split(";")]
            if ligne.strip() and (len(parts) < 2 or not parts[0] or not parts[1]):
                errors.setdefault("indicateurs", []).append(
                    f"Ligne {no} : « libellé ; valeur » attendu (cible facultative).")
        if errors:
            raise ValidationError(errors)


#: The parts of a contract: entered on its page, each with its own history.
PARTIES_DU_CONTRAT = (Signataire, Avenant, Engagement, Priorite, ProjetQuartier, RevueAnnuelle)
