"""Reference territories of the register.

Régions, départements and communes come from the INSEE codes (UU2020 composition file);
EPCIs from a user-supplied CSV (or the demo dataset); quartiers from the official QPV
perimeter files (2015, 2024 lists), from the delimitation engine (``calcul``: computed, not
official) or, for the demo only, invented (``demo``).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    nom = models.CharField("nom", max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = "région"

    def __str__(self) -> str:
        return self.nom


class Departement(models.Model):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    nom = models.CharField("nom", max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")

    class Meta:
        ordering = ["code"]
        verbose_name = "département"

    def __str__(self) -> str:
        return f"{self.nom} ({self.code})"


def valider_siren(value: str) -> None:
    """A SIREN has 9 digits and a valid Luhn key."""
    if not re.fullmatch(r"\d{9}", value or ""):
        raise ValidationError("Le SIREN doit comporter exactement 9 chiffres.", code="siren")
    total = 0
    for i, ch in enumerate(reversed(value)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    if total % 10:
        raise ValidationError(f"Le SIREN « {value} » n'a pas une clé de contrôle valide.",
                              code="siren")


class Epci(models.Model):
    INCONNUE = ""
    NATURES = [
        ("ME", "Métropole"), ("CU", "Communauté urbaine"),
        ("CA", "Communauté d'agglomération"), ("CC", "Communauté de communes"),
        ("EPT", "Établissement public territorial"), (INCONNUE, "inconnue"),
    ]
    siren = models.CharField("SIREN", max_length=9, unique=True, validators=[valider_siren])
    nom = models.CharField("nom", max_length=200)
    nature = models.CharField("nature juridique", max_length=3, choices=NATURES, blank=True,
                              default=INCONNUE)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="epcis", null=True, blank=True,
        verbose_name="département du siège",
        help_text="Inconnu quand la source ne le dit pas (ou en donne plusieurs).",
    )
    source = models.CharField("source", max_length=200, blank=True)
    demonstration = models.BooleanField(
        "données de démonstration", default=False,
        help_text="Nom et SIREN inventés pour les données de démonstration.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["nom"]
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"

    def __str__(self) -> str:
        return self.nom

    @property
    def composition_connue(self) -> bool:
        """Whether the register knows this EPCI's communes (none are published with the
        contracts: they come from ``charger_territoires --epci``)."""
        return self.communes.exists()


class Commune(models.Model):
    code = models.CharField("code INSEE", max_length=5, unique=True)
    nom = models.CharField("nom", max_length=200)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT,
                                    related_name="communes")
    epci = models.ForeignKey(Epci, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="communes")
    uu_code = models.CharField("unité urbaine 2020", max_length=5, blank=True)
    uu_nom = models.CharField("nom de l'unité urbaine", max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "commune"

    def __str__(self) -> str:
        return f"{self.nom} ({self.code})"


class Quartier(models.Model):
    MILLESIMES = [
        ("2015", "liste officielle 2015"),
        ("2024", "liste officielle 2024"),
        ("calcul", "calculé par le moteur de délimitation (non officiel)"),
        ("demo", "inventé (données de démonstration)"),
    ]
    code = models.CharField("code", max_length=64)
    nom = models.CharField("nom", max_length=200)
    millesime = models.CharField("millésime de la liste", max_length=6, choices=MILLESIMES)
    communes = models.ManyToManyField(Commune, related_name="quartiers", blank=True)
    population = models.PositiveIntegerField("population", null=True, blank=True)
    source_population = models.CharField("source de la population", max_length=200,
                                         blank=True)
    source = models.CharField("source", max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "millesime"], name="quartier_code_millesime")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.nom}"

    @property
    def officiel(self) -> bool:
        return self.millesime in ("2015", "2024")
