from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from quartiers.registre.commun import date_parametre
from quartiers.registre.comptes.permissions import epcis_modifiables
from quartiers.registre.contrats.models import (
    Avenant,
    ContratDeVille,
    Engagement,
    Priorite,
    ProjetQuartier,
    RevueAnnuelle,
    Signataire,
)
from quartiers.registre.forms import DateInput, DsfrMixin, VersionMixin, appliquer_au_modele
from quartiers.registre.territoires.models import Quartier

AIDE_QUARTIERS = ("Quartiers du contrat. Quand le registre connaît les communes de l'EPCI, "
                  "il vérifie que chaque quartier y est ; sinon le lien est enregistré comme "
                  "affirmé par vous (qui, quand), la règle ne pouvant pas être vérifiée.")


class ContratForm(VersionMixin, DsfrMixin, forms.ModelForm):
    class Meta:
        model = ContratDeVille
        fields = ["reference", "intitule", "epci", "generation", "date_debut", "date_fin",
                  "statut", "quartiers", "participation_citoyenne", "conseils_citoyens",
                  "volet_investissement"]
        widgets = {"date_debut": DateInput(), "date_fin": DateInput(),
                   "quartiers": forms.SelectMultiple(attrs={"size": 10}),
                   "participation_citoyenne": forms.Textarea(attrs={"rows": 3}),
                   "conseils_citoyens": forms.Textarea(attrs={"rows": 2}),
                   "volet_investissement": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        epcis = epcis_modifiables(user)
        if self.instance.pk and self.instance.epci_id:
            epcis = epcis | epcis.model.objects.filter(pk=self.instance.epci_id)
        self.fields["epci"].queryset = epcis.distinct()
        self.fields["epci"].required = not (self.instance.pk and self.instance.commune_porteuse)
        self.fields["quartiers"].queryset = Quartier.objects.order_by("millesime", "code")
        self.fields["quartiers"].help_text = AIDE_QUARTIERS
        self.fields["date_debut"].required = not self.instance.pk
        self.fields["date_fin"].required = False

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


class PrioriteForm(DsfrMixin, forms.ModelForm):
    class Meta:
        model = Priorite
        fields = ["intitule", "description", "concertation"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}),
                   "concertation": forms.Textarea(attrs={"rows": 2})}


class ProjetQuartierForm(DsfrMixin, forms.ModelForm):
    class Meta:
        model = ProjetQuartier
        fields = ["quartier", "intitule", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, contrat: ContratDeVille | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["quartier"].queryset = (contrat.quartiers.all() if contrat is not None
                                            else Quartier.objects.none())


class RevueAnnuelleForm(DsfrMixin, forms.ModelForm):
    class Meta:
        model = RevueAnnuelle
        fields = ["annee", "date_reunion", "bilan", "indicateurs"]
        widgets = {"date_reunion": DateInput(), "bilan": forms.Textarea(attrs={"rows": 2}),
                   "indicateurs": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, contrat: ContratDeVille | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["annee"].widget.attrs.update({"min": 2000, "max": 2100})
        self.fields["annee"].validators.append(_annee)


def _annee(value: int) -> None:
    if not 2000 <= value <= 2100:
        raise forms.ValidationError("Année entre 2000 et 2100 attendue.")


class RenouvellementForm(DsfrMixin, forms.Form):
    """The 2024 contract created from a 2015 one: its start (2024 at the earliest)."""

    date_debut = forms.DateField(label="Date de début du contrat Engagements Quartiers 2030",
                                 widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1,
                                 max_value=2**31 - 1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date_debut"].initial = date_parametre("contrats.debut_generation_2024")

    def clean_date_debut(self) -> dt.date:
        d: dt.date = self.cleaned_data["date_debut"]
        debut_min = date_parametre("contrats.debut_generation_2024")
        if d < debut_min:
            raise forms.ValidationError(f"Un contrat Engagements Quartiers 2030 commence le "
                                        f"{debut_min:%d/%m/%Y} au plus tôt.")
        return d
