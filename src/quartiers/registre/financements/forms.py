from __future__ import annotations

from typing import Any

from django import forms

from quartiers.registre.comptes.permissions import epcis_modifiables
from quartiers.registre.contrats.models import ContratDeVille
from quartiers.registre.financements.models import Action, LigneFinancement
from quartiers.registre.forms import DsfrMixin, MontantField, VersionMixin, appliquer_au_modele
from quartiers.registre.territoires.models import Quartier


class ActionForm(VersionMixin, DsfrMixin, forms.ModelForm):

    class Meta:
        model = Action
        fields = ["reference", "contrat", "intitule", "porteur", "pilier", "quartiers",
                  "annee_debut", "annee_fin"]
        widgets = {"quartiers": forms.SelectMultiple(attrs={"size": 6})}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contrats = ContratDeVille.objects.filter(epci__in=epcis_modifiables(user),
                                                 archive=False)
        if self.instance.pk:
            contrats = contrats | ContratDeVille.objects.filter(pk=self.instance.contrat_id)
        self.fields["contrat"].queryset = contrats.distinct()
        self.fields["quartiers"].queryset = Quartier.objects.filter(
            contrats__in=contrats).distinct().order_by("code")
        self.fields["quartiers"].help_text = "Parmi les quartiers du contrat."

    def _post_clean(self) -> None:
        appliquer_au_modele(self)


class LigneFinancementForm(VersionMixin, DsfrMixin, forms.ModelForm):
    montant_demande = MontantField(label="Montant demandé (€)", required=False)
    montant_accorde = MontantField(label="Montant accordé (€)", required=False)
    montant_verse = MontantField(label="Montant versé (€)", required=False)

    class Meta:
        model = LigneFinancement
        fields = ["partenaire", "annee", "montant_demande", "montant_accorde", "montant_verse",
                  "cpo"]

    def _post_clean(self) -> None:
        appliquer_au_modele(self)
