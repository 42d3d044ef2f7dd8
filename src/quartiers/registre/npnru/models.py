"""NPNRU projects and the CPER envelope of each région.

ANRU concours of a project = grants (subventions) + Action Logement subsidised loans
(prêts bonifiés), integer cents. Rule: the concours of a région's regional-interest projects
(PRIR) cannot exceed its CPER envelope; the message says by how much.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Sum
from simple_history.models import HistoricalRecords

from quartiers.registre.commun import ObjetDuRegistre, centimes_en_euros
from quartiers.registre.territoires.models import Epci, Quartier, Region


class EnveloppeCPER(models.Model):
    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="enveloppe_cper")
    intitule = models.CharField("intitulé", max_length=300)
    montant = models.BigIntegerField("montant des concours de l'État (centimes)")
    demonstration = models.BooleanField("données de démonstration", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "enveloppe CPER"
        verbose_name_plural = "enveloppes CPER"

    def __str__(self) -> str:
        return f"{self.intitule} ({centimes_en_euros(self.montant)})"

    def engage(self, sauf: int | None = None) -> int:
        """Concours of the région's regional-interest projects (cents)."""
        qs = ProjetNPNRU.objects.filter(region_id=self.region_id, interet=ProjetNPNRU.REGIONAL)
        if sauf is not None:
            qs = qs.exclude(pk=sauf)
        total = qs.aggregate(t=Sum(F("subventions") + F("prets")))["t"]
        return int(total or 0)

    def clean(self) -> None:
        if self.montant is not None and self.montant < 0:
            raise ValidationError({"montant": "Le montant ne peut pas être négatif."})
        if self.region_id and self.montant is not None:
            engage = self.engage()
            if engage > self.montant:
                raise ValidationError({"montant": (
                    f"Les concours déjà engagés sur les projets d'intérêt régional "
                    f"({centimes_en_euros(engage)}) dépassent ce montant de "
                    f"{centimes_en_euros(engage - self.montant)}.")})


class ProjetNPNRU(ObjetDuRegistre):
    NATIONAL, REGIONAL = "national", "regional"
    INTERETS = [(NATIONAL, "intérêt national (PRIN)"), (REGIONAL, "intérêt régional (PRIR)")]
    ETAPES = [
        ("protocole", "protocole de préfiguration"),
        ("convention", "convention pluriannuelle signée"),
        ("en_cours", "en cours"), ("acheve", "achevé"),
    ]

    libelle = "nom"
    nom = models.CharField("nom du projet", max_length=300)
    interet = models.CharField("intérêt", max_length=10, choices=INTERETS)
    etape = models.CharField("étape", max_length=12, choices=ETAPES, default="protocole")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="projets_npnru")
    epci = models.ForeignKey(Epci, on_delete=models.PROTECT, related_name="projets_npnru",
                             null=True, blank=True, verbose_name="EPCI")
    quartiers = models.ManyToManyField(Quartier, related_name="projets_npnru", blank=True)
    date_protocole = models.DateField("date du protocole de préfiguration", null=True,
                                      blank=True)
    date_convention = models.DateField("date de signature de la convention", null=True,
                                       blank=True)
    date_fin = models.DateField("date d'achèvement (prévue ou réelle)", null=True, blank=True)
    subventions = models.BigIntegerField("subventions ANRU (centimes)", default=0)
    prets = models.BigIntegerField("prêts bonifiés Action Logement (centimes)", default=0)
    history = HistoricalRecords(m2m_fields=[quartiers])

    class Meta(ObjetDuRegistre.Meta):
        verbose_name = "projet NPNRU"
        verbose_name_plural = "projets NPNRU"

    @property
    def concours(self) -> int:
        return int(self.subventions or 0) + int(self.prets or 0)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for f in ("subventions", "prets"):
            v = getattr(self, f)
            if v is not None and v < 0:
                errors.setdefault(f, []).append("Le montant ne peut pas être négatif.")
        dp, dc, df = self.date_protocole, self.date_convention, self.date_fin
        if dp and dc and dc < dp:
            errors.setdefault("date_convention", []).append(
                "La convention ne peut pas précéder le protocole de préfiguration.")
        if (dc or dp) and df and df < (dc or dp):
            errors.setdefault("date_fin", []).append(
                "L'achèvement ne peut pas précéder le protocole ou la convention.")
        if self.etape in ("convention", "en_cours", "acheve") and not dc:
            errors.setdefault("date_convention", []).append(
                "Une convention signée doit avoir sa date de signature.")
        if self.epci_id and self.region_id and self.epci.departement.region_id != self.region_id:
            errors.setdefault("epci", []).append("L'EPCI n'est pas dans la région du projet.")
        if not errors and self.interet == self.REGIONAL and self.region_id and self.concours:
            env = EnveloppeCPER.objects.filter(region_id=self.region_id).first()
            if env is None:
                errors.setdefault("subventions", []).append(
                    f"Aucune enveloppe CPER n'est définie pour la région {self.region} : "
                    "impossible d'engager des concours d'intérêt régional.")
            else:
                total = env.engage(sauf=self.pk) + self.concours
                if total > env.montant:
                    errors.setdefault("subventions", []).append(
                        f"Les concours d'intérêt régional ({centimes_en_euros(total)}) "
                        f"dépasseraient l'enveloppe CPER ({centimes_en_euros(env.montant)}) "
                        f"de {centimes_en_euros(total - env.montant)}.")
        if errors:
            raise ValidationError(errors)
