"""Pages of actions and funding lines."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from quartiers.registre import vues
from quartiers.registre.commun import centimes_en_euros
from quartiers.registre.comptes import permissions as perms
from quartiers.registre.contrats.models import ContratDeVille
from quartiers.registre.financements import services
from quartiers.registre.financements.forms import ActionForm, LigneFinancementForm
from quartiers.registre.financements.models import Action, LigneFinancement


@vues.lecture_requise
def liste(request: HttpRequest) -> HttpResponse:
    qs = Action.objects.select_related("contrat__epci").order_by("reference").annotate(
        demande=Sum("financements__montant_demande"),
        accorde=Sum("financements__montant_accorde"))
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(reference__icontains=q) | Q(intitule__icontains=q)
                       | Q(porteur__icontains=q))
    if request.GET.get("contrat"):
        qs = qs.filter(contrat_id=request.GET["contrat"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "financements/liste.html", {
        "title": "Actions et crédits", "page": page, "q": q,
        "peut_creer": perms.peut_creer_contrat(request.user),
    })


@vues.lecture_requise
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action.objects.select_related("contrat__epci"), pk=pk)
    modifiable = perms.peut_modifier_action(request.user, action) and not action.contrat.archive
    lignes = action.financements.all()
    totaux = lignes.aggregate(d=Sum("montant_demande"), a=Sum("montant_accorde"),
                              v=Sum("montant_verse"))
    return render(request, "financements/detail.html", {
        "title": str(action), "action": action, "lignes": lignes, "totaux": totaux,
        "modifiable": modifiable,
        "form_ligne": LigneFinancementForm() if modifiable else None,
    })


@vues.lecture_requise
def modifier(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk:
        action = get_object_or_404(Action.objects.select_related("contrat__epci"), pk=pk)
        perms.exiger(perms.peut_modifier_action(request.user, action), services.REFUS)
    else:
        action = Action()
        contrat_id = request.GET.get("contrat")
        if contrat_id:
            contrat = get_object_or_404(ContratDeVille, pk=contrat_id)
            perms.exiger(perms.peut_creer_action(request.user, contrat), services.REFUS)
            action.contrat = contrat
        else:
            perms.exiger(perms.peut_creer_contrat(request.user), services.REFUS)
    context: dict[str, Any] = {"action": action if pk else None,
                               "title": f"Modifier {action}" if pk else "Nouvelle action"}

    def enregistrer(form: ActionForm) -> None:
        services.enregistrer_action(request.user, form.instance, form.cleaned_data["quartiers"],
                                    form.cleaned_data.get("version") or action.version)

    return vues.formulaire_versionne(
        request, action,
        formulaire=lambda data, obj: ActionForm(data, instance=obj, user=request.user),
        enregistrer=enregistrer, context=context, objet="cette action",
        succes="Action enregistrée.",
        destination=lambda obj: redirect("financements:detail", pk=obj.pk),
    )


@require_POST
@vues.lecture_requise
def supprimer(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action, pk=pk)
    contrat_id = action.contrat_id
    try:
        services.supprimer_action(request.user, action)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("financements:detail", pk=pk)
    messages.success(request, "Action supprimée.")
    return redirect("contrats:detail", pk=contrat_id)


@vues.lecture_requise
def modifier_ligne(request: HttpRequest, action_pk: int | None = None,
                   pk: int | None = None) -> HttpResponse:
    if pk:
        ligne = get_object_or_404(LigneFinancement.objects.select_related("action__contrat"),
                                  pk=pk)
        perms.exiger(perms.peut_modifier_financement(request.user, ligne), services.REFUS)
    else:
        action = get_object_or_404(Action, pk=action_pk)
        perms.exiger(perms.peut_modifier_action(request.user, action), services.REFUS)
        ligne = LigneFinancement(action=action)
    if request.method == "POST":
        form = LigneFinancementForm(request.POST, instance=ligne)
        if form.is_valid():
            try:
                services.enregistrer_financement(request.user, form.instance)
            except ValidationError as e:
                vues.erreurs_dans_formulaire(form, e)
            else:
                messages.success(request, "Ligne de financement enregistrée.")
                return redirect("financements:detail", pk=ligne.action_id)
    else:
        form = LigneFinancementForm(instance=ligne)
    return render(request, "financements/ligne.html", {
        "title": "Ligne de financement", "form": form, "ligne": ligne,
        "action": ligne.action})


@require_POST
@vues.lecture_requise
def supprimer_ligne(request: HttpRequest, pk: int) -> HttpResponse:
    ligne = get_object_or_404(LigneFinancement.objects.select_related("action__contrat"),
                              pk=pk)
    try:
        services.supprimer_financement(request.user, ligne)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, "Ligne de financement supprimée.")
    return redirect("financements:detail", pk=ligne.action_id)


def _resume(rec: Any) -> str:
    return (f"{rec.get_partenaire_display()} {rec.annee} : demandé "
            f"{centimes_en_euros(rec.montant_demande)}, accordé "
            f"{centimes_en_euros(rec.montant_accorde)}, versé "
            f"{centimes_en_euros(rec.montant_verse)}")


@vues.lecture_requise
def historique(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action, pk=pk)
    entrees = vues.historique(action)
    for rec in LigneFinancement.history.filter(action_id=pk).select_related("history_user"):
        prev = rec.prev_record
        entrees.append({
            "date": rec.history_date,
            "auteur": rec.history_user.get_username() if rec.history_user else "(système)",
            "type": {"+": "crédit ajouté", "~": "crédit modifié",
                     "-": "crédit supprimé"}[rec.history_type],
            "version": None,
            "changements": vues.changements(prev, rec) if prev and rec.history_type == "~"
            else [{"champ": "ligne", "avant": "", "apres": _resume(rec)}],
        })
    entrees.sort(key=lambda e: e["date"], reverse=True)
    return render(request, "registre/historique.html", {
        "title": f"Historique de {action.reference}", "objet": action, "entrees": entrees,
        "retour": f"/registre/actions/{pk}/",
    })
