"""Form helpers shared by the register's apps: DSFR classes, euro amounts as cents, the
version read (optimistic locking)."""

from __future__ import annotations

from typing import Any

from django import forms

from quartiers.registre.commun import centimes_en_texte, euros_en_centimes


class DsfrMixin:
    """Give every widget the DSFR class of its kind."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            w = field.widget
            if isinstance(w, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                continue
            css = "fr-select" if isinstance(w, forms.Select | forms.SelectMultiple) else "fr-input"
            w.attrs["class"] = (w.attrs.get("class", "") + " " + css).strip()


class VersionMixin:
    """A hidden ``version`` field, required to update an existing object: a form posted
    without the version it read is refused, never saved over someone else's change."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        instance = self.instance  # type: ignore[attr-defined]
        self.fields["version"] = forms.IntegerField(  # type: ignore[attr-defined]
            widget=forms.HiddenInput, required=instance.pk is not None, min_value=1,
            max_value=2**31 - 1, error_messages={
                "required": "Version lue manquante : rechargez la page avant d'enregistrer."})
        if not self.is_bound:  # type: ignore[attr-defined]
            self.initial["version"] = instance.version  # type: ignore[attr-defined]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class MontantField(forms.CharField):
    """Euros typed by the user ("1 234,56"), cleaned to integer cents."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "En euros, par exemple 12 500,00")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return centimes_en_texte(value).replace(".", ",")
        return value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        value = super().to_python(value)
        if value in (None, ""):
            return 0 if not self.required else None
        try:
            cents = euros_en_centimes(value)
        except ValueError as e:
            raise forms.ValidationError(f"Montant invalide : {e}.") from None
        if cents < 0:
            raise forms.ValidationError("Le montant ne peut pas être négatif.")
        return cents


def appliquer_au_modele(form: Any) -> None:
    """Copy the cleaned data onto ``form.instance`` without model validation: the register's
    forms leave validation to the service functions (one transaction, all rules)."""
    from django.forms.models import construct_instance

    opts = form._meta
    form.instance = construct_instance(form, form.instance, opts.fields, opts.exclude)
