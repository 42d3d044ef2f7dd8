from __future__ import annotations

from django import forms
from django.conf import settings

from quartiers.web import geodonnees

CHOIX_MILLESIMES = list(geodonnees.MILLESIMES.items())


class PointForm(forms.Form):
    lon = forms.FloatField(label="Longitude (WGS84)", help_text="par exemple 7.2619",
                           min_value=-180, max_value=180)
    lat = forms.FloatField(label="Latitude (WGS84)", help_text="par exemple 43.7031",
                           min_value=-90, max_value=90)
    millesime = forms.ChoiceField(label="Liste", choices=CHOIX_MILLESIMES, initial="2024")
    tolerance = forms.FloatField(
        label="Tolérance (m)", initial=0, min_value=0, max_value=5000, required=False,
        help_text="signale le QPV le plus proche à moins de cette distance (adresses mal placées)",
    )


class LotForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier CSV ou XLSX",
        help_text="colonnes lon/lat (WGS84) ou x/y (Lambert-93) ; séparateur et encodage "
                  "détectés",
    )
    millesime = forms.ChoiceField(label="Liste", choices=CHOIX_MILLESIMES, initial="2024")
    tolerance = forms.FloatField(label="Tolérance (m)", initial=0, min_value=0, max_value=5000,
                                 required=False)

    def clean_fichier(self):  # type: ignore[no-untyped-def]
        f = self.cleaned_data["fichier"]
        name = f.name.lower()
        if not name.endswith((".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".ods")):
            raise forms.ValidationError("format non pris en charge : déposez un CSV ou un XLSX")
        if f.size > settings.LOTS_TAILLE_MAX:
            raise forms.ValidationError(
                f"fichier trop volumineux (maximum {settings.LOTS_TAILLE_MAX // 1_000_000} Mo)")
        if f.size == 0:
            raise forms.ValidationError("le fichier est vide")
        return f
