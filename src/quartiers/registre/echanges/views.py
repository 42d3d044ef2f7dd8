"""Import page (dry run, then confirmation) and export downloads."""

from __future__ import annotations

import base64
import hashlib

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from quartiers.registre import vues
from quartiers.registre.comptes import permissions as perms
from quartiers.registre.echanges.exportation import exporter
from quartiers.registre.echanges.formats import TYPES
from quartiers.registre.echanges.importation import importer
from quartiers.registre.formulaires import DsfrMixin

TAILLE_MAX = 5 * 1024 * 1024
SESSION_KEY = "registre_import_en_attente"


class ImportForm(DsfrMixin, forms.Form):
    fichier = forms.FileField(label="Fichier CSV ou XLSX",
                              help_text="CSV séparé par des points-virgules (UTF-8) ou classeur "
                                        "XLSX (feuilles contrats, actions, financements).")
    type = forms.ChoiceField(label="Contenu (pour un CSV)", choices=[(t, t) for t in TYPES])


@vues.lecture_requise
def importer_vue(request: HttpRequest) -> HttpResponse:
    perms.exiger(perms.peut_importer(request.user),
                 "Votre rôle ne permet pas d'importer des données.")
    rapport = None
    if request.method == "POST" and request.POST.get("confirmer"):
        attente = request.session.get(SESSION_KEY)
        if not attente or attente["empreinte"] != request.POST.get("empreinte"):
            messages.error(request, "Aucun import en attente : recommencez l'essai.")
            return redirect("echanges:importer")
        data = base64.b64decode(attente["data"])
        rapport = importer(attente["nom"], data, attente["type"], request.user, appliquer=True)
        del request.session[SESSION_KEY]
        if rapport.applique:
            messages.success(request, "Import appliqué.")
        form = ImportForm()
        return render(request, "echanges/importer.html", {
            "title": "Importer", "form": form, "rapport": rapport})
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            f = form.cleaned_data["fichier"]
            if f.size > TAILLE_MAX:
                form.add_error("fichier", "Fichier trop volumineux (5 Mo au plus).")
            else:
                data = f.read()
                rapport = importer(f.name, data, form.cleaned_data["type"], request.user,
                                   appliquer=False)
                if rapport.ok:
                    empreinte = hashlib.sha256(data).hexdigest()
                    request.session[SESSION_KEY] = {
                        "nom": f.name, "type": form.cleaned_data["type"],
                        "data": base64.b64encode(data).decode(), "empreinte": empreinte}
                    return render(request, "echanges/importer.html", {
                        "title": "Importer", "form": ImportForm(), "rapport": rapport,
                        "empreinte": empreinte})
    else:
        form = ImportForm()
    return render(request, "echanges/importer.html", {
        "title": "Importer", "form": form, "rapport": rapport})


@vues.lecture_requise
def exporter_vue(request: HttpRequest, type_: str, format_: str) -> HttpResponse:
    perms.exiger(perms.peut_exporter(request.user))
    if format_ not in ("csv", "xlsx") or type_ not in [*TYPES, "tout"] or \
            (type_ == "tout" and format_ == "csv"):
        raise Http404("Export inconnu.")
    data, ctype, nom = exporter(type_, format_)
    resp = HttpResponse(data, content_type=ctype)
    resp["Content-Disposition"] = f'attachment; filename="{nom}"'
    return resp


@vues.lecture_requise
def page(request: HttpRequest) -> HttpResponse:
    return render(request, "echanges/accueil.html", {
        "title": "Import et export", "types": TYPES,
        "peut_importer": perms.peut_importer(request.user)})
