"""Import pages (a background job: dry run, then confirmation) and export downloads."""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib import messages
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from quartiers.registre import views as base
from quartiers.registre.comptes import permissions as perms
from quartiers.registre.echanges.exportation import exporter
from quartiers.registre.echanges.formats import LIMITES, TYPES
from quartiers.registre.echanges.models import ImportRegistre
from quartiers.registre.echanges.travaux import assurer_travailleur
from quartiers.registre.forms import DsfrMixin

TAILLE_MAX = LIMITES.max_bytes
FORMATS = ("csv", "xlsx")


class ImportForm(DsfrMixin, forms.Form):
    fichier = forms.FileField(label="Fichier CSV, XLSX ou ODS",
                              help_text="CSV séparé par des points-virgules (UTF-8) ou classeur "
                                        "(feuilles contrats, actions, financements). 5 Mo au "
                                        "plus.")
    type = forms.ChoiceField(label="Contenu (pour un CSV)", choices=[(t, t) for t in TYPES])

    def clean_fichier(self) -> object:
        f = self.cleaned_data["fichier"]
        if f.size > TAILLE_MAX:
            raise forms.ValidationError("Fichier trop volumineux (5 Mo au plus).")
        return f


class ExportForm(forms.Form):
    type = forms.ChoiceField(choices=[(t, t) for t in [*TYPES, "tout"]])
    format = forms.ChoiceField(choices=[(f, f) for f in FORMATS])

    def clean(self) -> dict[str, object]:
        d = super().clean()
        if d.get("type") == "tout" and d.get("format") == "csv":
            raise forms.ValidationError("L'export de tout le registre est un classeur XLSX.")
        return d


def _import_de(request: HttpRequest, pk: str) -> ImportRegistre:
    """The job, for its owner (or an administrator) only."""
    job = get_object_or_404(ImportRegistre, pk=base.uuid_ou_404(pk))
    perms.exiger(job.proprietaire_id == request.user.pk
                 or perms.peut_utiliser_admin(request.user),
                 "Cet import a été déposé par un autre compte.")
    return job


@base.lecture_requise
def importer_vue(request: HttpRequest) -> HttpResponse:
    perms.exiger(perms.peut_importer(request.user),
                 "Votre rôle ne permet pas d'importer des données.")
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            f = form.cleaned_data["fichier"]
            data = f.read()
            job = ImportRegistre(proprietaire=request.user, nom_fichier=f.name[:255],
                                 type_defaut=form.cleaned_data["type"],
                                 empreinte=hashlib.sha256(data).hexdigest())
            job.fichier.save(f"{job.pk}.bin", ContentFile(data), save=False)
            job.save()
            assurer_travailleur()
            return redirect("echanges:import", pk=job.pk)
    else:
        form = ImportForm()
    recents = ImportRegistre.objects.filter(proprietaire=request.user)[:10]
    return render(request, "echanges/importer.html", {
        "title": "Importer", "form": form, "recents": recents})


@base.lecture_requise
def import_vue(request: HttpRequest, pk: str) -> HttpResponse:
    job = _import_de(request, pk)
    if job.en_cours:
        assurer_travailleur()
    return render(request, "echanges/import.html", {
        "title": f"Import de {job.nom_fichier}", "job": job,
        "apercu": ImportRegistre.APERCU})


@require_POST
@base.lecture_requise
def confirmer(request: HttpRequest, pk: str) -> HttpResponse:
    job = _import_de(request, pk)
    perms.exiger(perms.peut_importer(request.user),
                 "Votre rôle ne permet pas d'importer des données.")
    if job.statut != ImportRegistre.PRET or job.confirme:
        messages.error(request, "Cet import n'attend pas de confirmation : recommencez l'essai.")
        return redirect("echanges:import", pk=job.pk)
    ImportRegistre.objects.filter(pk=job.pk, statut=ImportRegistre.PRET).update(
        confirme=True, statut=ImportRegistre.ATTENTE, traitees=0)
    assurer_travailleur()
    return redirect("echanges:import", pk=job.pk)


@base.lecture_requise
def rapport(request: HttpRequest, pk: str) -> FileResponse:
    job = _import_de(request, pk)
    if not job.rapport:
        raise Http404("Aucun rapport d'erreurs pour cet import.")
    return FileResponse(job.rapport.open("rb"), as_attachment=True,
                        filename=f"erreurs-{job.nom_fichier[:60]}.csv",
                        content_type="text/csv; charset=utf-8")


@base.lecture_requise
def exporter_vue(request: HttpRequest, type_: str, format_: str) -> HttpResponse:
    perms.exiger(perms.peut_exporter(request.user))
    form = ExportForm({"type": type_, "format": format_})
    if not form.is_valid():
        raise Http404("Export inconnu.")
    data, ctype, nom = exporter(type_, format_)
    resp = HttpResponse(data, content_type=ctype)
    resp["Content-Disposition"] = f'attachment; filename="{nom}"'
    return resp


@base.lecture_requise
def page(request: HttpRequest) -> HttpResponse:
    return render(request, "echanges/accueil.html", {
        "title": "Import et export", "types": TYPES,
        "peut_importer": perms.peut_importer(request.user)})
