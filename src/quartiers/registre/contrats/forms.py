from __future__ import annotations

from typing import Any

from django import forms

from quartiers.registre.comptes.permissions import epcis_modifiables
from quartiers.registre.contrats.models import Avenant, ContratDeVille, Engagement, Signataire
from quartiers.registre.formulaires import DateInput, DsfrMixin, appliquer_au_modele
from quartiers.registre.territoires.models import Quartier


class ContratForm(DsfrMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ContratDeVille
        fields = ["reference", "intitule", "epci", "generation", "date_debut", "date_fin",
                  "statut", "quartiers"]
        widgets = {"date_debut": DateInput(), "date_fin": DateInput(),
                   "quartiers": forms.SelectMultiple(attrs={"size": 10})}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        epcis = epcis_modifiables(user)
        if self.instance.pk:
            epcis = epcis | epcis.model.objects.filter(pk=self.instance.epci_id)
        self.fields["epci"].queryset = epcis.distinct()
        self.fields["quartiers"].queryset = Quartier.objects.filter(
            communes__epci__in=epcis).distinct().order_by("code")
        self.fields["quartiers"].help_text = (
            "Les quartiers doivent être dans les communes de l'EPCI.")
        self.fields["date_fin"].required = False
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    def _post_clean(self) -> None:
        # Model validation (and quartier rules) happen in the service, in one transaction.
        appliquer_au_modele(self)


class SignataireForm(DsfrMixin, forms.ModelForm):
    class Meta:
        model = Signataire
        fields = ["organisation", "role", "date_signature"]
        widgets = {"date_signature": DateInput()}


class AvenantForm(DsfrMixin, forms.ModelForm):
    class Meta:
        model = Avenant
        fields = ["numero", "date", "objet"]
        widgets = {"date": DateInput(), "objet": forms.Textarea(attrs={"rows": 2})}


class EngagementForm(DsfrMixin, forms.ModelForm):
    class Meta:
        model = Engagement
        fields = ["pilier", "intitule", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
