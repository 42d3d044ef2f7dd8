from __future__ import annotations

from typing import Any

from django import forms

from quartiers.registre.formulaires import DateInput, DsfrMixin, MontantField, appliquer_au_modele
from quartiers.registre.npnru.models import EnveloppeCPER, ProjetNPNRU


class ProjetForm(DsfrMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    subventions = MontantField(label="Subventions ANRU (€)", required=False)
    prets = MontantField(label="Prêts bonifiés Action Logement (€)", required=False)

    class Meta:
        model = ProjetNPNRU
        fields = ["reference", "nom", "interet", "etape", "region", "epci", "quartiers",
                  "date_protocole", "date_convention", "date_fin", "subventions", "prets"]
        widgets = {"date_protocole": DateInput(), "date_convention": DateInput(),
                   "date_fin": DateInput(), "quartiers": forms.SelectMultiple(attrs={"size": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    def _post_clean(self) -> None:
        appliquer_au_modele(self)


class EnveloppeForm(DsfrMixin, forms.ModelForm):
    montant = MontantField(label="Montant des concours de l'État (€)")

    class Meta:
        model = EnveloppeCPER
        fields = ["intitule", "montant"]

    def _post_clean(self) -> None:
        appliquer_au_modele(self)
