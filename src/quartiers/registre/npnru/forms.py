from __future__ import annotations

from django import forms

from quartiers.registre.forms import (
    DateInput,
    DsfrMixin,
    MontantField,
    VersionMixin,
    appliquer_au_modele,
)
from quartiers.registre.npnru.models import EnveloppeCPER, ProjetNPNRU


class ProjetForm(VersionMixin, DsfrMixin, forms.ModelForm):
    subventions = MontantField(label="Subventions ANRU (€)", required=False)
    prets = MontantField(label="Prêts bonifiés Action Logement (€)", required=False)

    class Meta:
        model = ProjetNPNRU
        fields = ["reference", "nom", "interet", "etape", "region", "epci", "quartiers",
                  "date_protocole", "date_convention", "date_fin", "subventions", "prets"]
        widgets = {"date_protocole": DateInput(), "date_convention": DateInput(),
                   "date_fin": DateInput(), "quartiers": forms.SelectMultiple(attrs={"size": 6})}

    def _post_clean(self) -> None:
        appliquer_au_modele(self)


class EnveloppeForm(DsfrMixin, forms.ModelForm):
    montant = MontantField(label="Montant des concours de l'État (€)")

    class Meta:
        model = EnveloppeCPER
        fields = ["intitule", "montant"]

    def _post_clean(self) -> None:
        appliquer_au_modele(self)
