"""Pages of the contrats de ville: list, detail, create/edit (optimistic locking with a
conflict view), archive, delete, signatories/avenants/engagements, history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from quartiers.registre import vues
from quartiers.registre.commun import Conflit
from quartiers.registre.comptes import permissions as perms
from quartiers.registre.contrats import services
from quartiers.registre.contrats.forms import (
    AvenantForm,
    ContratForm,
    EngagementForm,
    SignataireForm,
)
from quartiers.registre.contrats.models import Avenant, ContratDeVille, Engagement, Signataire

ELEMENTS: dict[str, tuple[type, type, str]] = {
    "signataire": (Signataire, SignataireForm, "Signataire ajouté."),
    "avenant": (Avenant, AvenantForm, "Avenant ajouté."),
    "engagement": (Engagement, EngagementForm, "Engagement ajouté."),
}


@vues.lecture_requise
def liste(request: HttpRequest) -> HttpResponse:
    qs = ContratDeVille.objects.select_related("epci", "epci__departement").order_by(
        "reference").annotate(
        nb_quartiers=Count("quartiers", distinct=True))
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(reference__icontains=q) | Q(intitule__icontains=q)
                       | Q(epci__nom__icontains=q))
    if request.GET.get("departement"):
        qs = qs.filter(epci__departement__code=request.GET["departement"])
    if request.GET.get("statut"):
        qs = qs.filter(statut=request.GET["statut"])
    if request.GET.get("archives") != "1":
        qs = qs.filter(archive=False)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "contrats/liste.html", {
        "title": "Contrats de ville", "page": page, "q": q,
        "statuts": ContratDeVille.STATUTS,
        "peut_creer": perms.peut_creer_contrat(request.user),
    })


@vues.lecture_requise
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    contrat = get_object_or_404(ContratDeVille.objects.select_related("epci__departement"),
                                pk=pk)
    modifiable = perms.peut_modifier_contrat(request.user, contrat) and not contrat.archive
    return render(request, "contrats/detail.html", {
        "title": str(contrat), "contrat": contrat, "modifiable": modifiable,
        "quartiers": contrat.quartiers.prefetch_related("communes"),
        "actions": contrat.actions.all(),
        "forms": {k: f() for k, (_, f, _m) in ELEMENTS.items()} if modifiable else {},
        "peut_supprimer": perms.peut_supprimer_contrat(request.user, contrat)
        and not contrat.signe,
        "peut_archiver": perms.peut_archiver_contrat(request.user, contrat)
        and not contrat.archive,
    })


@vues.lecture_requise
def modifier(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    contrat = get_object_or_404(ContratDeVille, pk=pk) if pk else ContratDeVille()
    if pk:
        perms.exiger(perms.peut_modifier_contrat(request.user, contrat), services.REFUS_EPCI)
        if contrat.archive:
            messages.error(request, "Ce contrat est archivé : il ne peut plus être modifié.")
            return redirect("contrats:detail", pk=pk)
    else:
        perms.exiger(perms.peut_creer_contrat(request.user), services.REFUS_EPCI)
    context: dict[str, Any] = {"contrat": contrat if pk else None,
                               "title": f"Modifier {contrat}" if pk else "Nouveau contrat"}

    def enregistrer(form: ContratForm) -> None:
        services.enregistrer_contrat(request.user, form.instance, form.cleaned_data["quartiers"],
                                     form.cleaned_data.get("version") or contrat.version)

    return vues.formulaire_versionne(
        request, contrat,
        formulaire=lambda data, obj: ContratForm(data, instance=obj, user=request.user),
        enregistrer=enregistrer, context=context, objet="ce contrat",
        succes="Contrat enregistré.",
        destination=lambda obj: redirect("contrats:detail", pk=obj.pk),
    )


@require_POST
@vues.lecture_requise
def archiver(request: HttpRequest, pk: int) -> HttpResponse:
    contrat = get_object_or_404(ContratDeVille, pk=pk)
    try:
        services.archiver_contrat(request.user, contrat,
                                  int(request.POST.get("version") or contrat.version))
    except Conflit:
        messages.error(request, "Le contrat a été modifié entre-temps : rechargez la page.")
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, "Contrat archivé.")
    return redirect("contrats:detail", pk=pk)


@require_POST
@vues.lecture_requise
def supprimer(request: HttpRequest, pk: int) -> HttpResponse:
    contrat = get_object_or_404(ContratDeVille, pk=pk)
    try:
        services.supprimer_contrat(request.user, contrat)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("contrats:detail", pk=pk)
    messages.success(request, "Contrat supprimé.")
    return redirect("contrats:liste")


@require_POST
@vues.lecture_requise
def ajouter_element(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in ELEMENTS:
        raise PermissionDenied("Élément inconnu.")
    contrat = get_object_or_404(ContratDeVille, pk=pk)
    model, form_class, ok = ELEMENTS[kind]
    form = form_class(request.POST, instance=model(contrat=contrat))
    if form.is_valid():
        try:
            services.ajouter_element(request.user, contrat, form.instance)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, ok)
    else:
        perms.exiger(perms.peut_modifier_contrat(request.user, contrat), services.REFUS_EPCI)
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label} : {' '.join(errs)}" if label else " ".join(errs))
    return redirect("contrats:detail", pk=pk)


@require_POST
@vues.lecture_requise
def supprimer_element(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in ELEMENTS:
        raise PermissionDenied("Élément inconnu.")
    element = get_object_or_404(ELEMENTS[kind][0], pk=pk)
    try:
        services.supprimer_element(request.user, element)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, "Élément supprimé.")
    return redirect("contrats:detail", pk=element.contrat_id)


@vues.lecture_requise
def historique(request: HttpRequest, pk: int) -> HttpResponse:
    contrat = get_object_or_404(ContratDeVille, pk=pk)
    entrees = vues.historique(contrat)
    for kind, attr in (("signataire", "signataires"), ("avenant", "avenants"),
                       ("engagement", "engagements")):
        model: Any = ELEMENTS[kind][0]
        for rec in model.history.filter(contrat_id=pk).select_related("history_user"):
            entrees.append({
                "date": rec.history_date,
                "auteur": rec.history_user.get_username() if rec.history_user else "(système)",
                "type": {"+": f"{kind} ajouté", "~": f"{kind} modifié",
                         "-": f"{kind} supprimé"}[rec.history_type],
                "version": None,
                "changements": [{"champ": kind, "avant": "", "apres": str(rec.instance)}],
            })
        del attr
    entrees.sort(key=lambda e: e["date"], reverse=True)
    return render(request, "registre/historique.html", {
        "title": f"Historique de {contrat.reference}", "objet": contrat, "entrees": entrees,
        "retour": f"/registre/contrats/{pk}/",
    })
