"""Forms of the address check: one address or point, one batch file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from quartiers.web.geodonnees import listes

CHOIX_MILLESIMES = list(listes.MILLESIMES.items())


class NombreFrancais(forms.FloatField):
    """A number typed the French way: comma or dot decimals, spaces between thousands."""

    def to_python(self, value: Any) -> float | None:
        if isinstance(value, str):
            value = value.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
            value = value.replace(",", ".")
        return super().to_python(value)


class PointForm(forms.Form):
    adresse = forms.CharField(
        label="Adresse ou coordonnées", max_length=300, required=False,
        help_text="par exemple « 12 boulevard Pasteur, Nice », ou des coordonnées "
                  "« 43,70487, 7,25687 » ; ou cliquez sur la carte",
    )
    lon = NombreFrancais(required=False, min_value=-180, max_value=180,
                         widget=forms.HiddenInput)
    lat = NombreFrancais(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    millesime = forms.ChoiceField(label="Liste", choices=CHOIX_MILLESIMES, initial="2024",
                                  required=False)
    tolerance = NombreFrancais(
        label="Tolérance (m)", initial=0, min_value=0, max_value=5000, required=False,
        help_text="signale le quartier le plus proche à moins de cette distance",
    )

    def clean_millesime(self) -> str:
        return self.cleaned_data.get("millesime") or "2024"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        has_point = data.get("lon") is not None and data.get("lat") is not None
        if not (data.get("adresse") or "").strip() and not has_point:
            raise forms.ValidationError("Saisissez une adresse ou des coordonnées, ou "
                                        "cliquez sur la carte.")
        return data


class LotForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier CSV, XLSX ou ODS",
        help_text="des adresses (colonnes adresse, code postal, commune…) ou des points "
                  "(lon/lat en WGS84, x/y en Lambert-93) ; séparateur et encodage détectés",
    )
    adresse = forms.CharField(
        label="Colonnes d'adresse (facultatif)", max_length=255, required=False,
        help_text="par exemple « adresse,code_postal,commune » ; vide : les coordonnées, ou "
                  "les colonnes d'adresse reconnues à leur nom",
    )
    millesime = forms.ChoiceField(label="Liste", choices=CHOIX_MILLESIMES, initial="2024")
    tolerance = NombreFrancais(label="Tolérance (m)", initial=0, min_value=0, max_value=5000,
                               required=False)

    def clean_fichier(self):  # type: ignore[no-untyped-def]
        f = self.cleaned_data["fichier"]
        name = f.name.lower()
        if not name.endswith((".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".ods")):
            raise forms.ValidationError("format non pris en charge : déposez un CSV, un XLSX "
                                        "ou un ODS")
        if f.size > settings.LOTS_TAILLE_MAX:
            raise forms.ValidationError(
                f"fichier trop volumineux (maximum {settings.LOTS_TAILLE_MAX // 1_000_000} Mo)")
        if f.size == 0:
            raise forms.ValidationError("le fichier est vide")
        return f
