"""Login (throttled, CSRF-protected) and logout."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm

from quartiers.registre.comptes.throttling import MESSAGE_BLOCAGE, adresse, est_bloque
from quartiers.registre.forms import DsfrMixin


class ConnexionForm(DsfrMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Identifiant ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if est_bloque(username, adresse(self.request)):
            raise forms.ValidationError(MESSAGE_BLOCAGE, code="bloque")
        return super().clean()


class Connexion(auth_views.LoginView):
    form_class = ConnexionForm
    template_name = "comptes/connexion.html"
    redirect_authenticated_user = False
    extra_context = {"title": "Connexion"}

    def get_default_redirect_url(self) -> str:
        return "/registre/"


class Deconnexion(auth_views.LogoutView):
    next_page = "/"
