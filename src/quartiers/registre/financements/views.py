"""Pages of actions, their funding lines and the posts funded by the programme 147."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from quartiers.registre import listes
from quartiers.registre import views as base
from quartiers.registre.commun import centimes_en_euros
from quartiers.registre.comptes import permissions as perms
from quartiers.registre.contrats.models import PILIERS, ContratDeVille
from quartiers.registre.financements import services
from quartiers.registre.financements.forms import ActionForm, LigneFinancementForm
from quartiers.registre.financements.models import Action, LigneFinancement, PosteFinance

EDITION = base.Edition(ActionForm, services.enregistrer_action, "financements:detail",
                       nouveau="Nouvelle action", objet="cette action",
                       succes="Action enregistrée.")


class NouvelleActionForm(forms.Form):
    contrat = forms.IntegerField(label="contrat", required=False, min_value=1,
                                 max_value=2**63 - 1)


def colonnes_actions() -> list[listes.Colonne]:
    return [
        listes.reference("financements:detail"),
        listes.Colonne("intitule", "Intitulé", "intitule"),
        listes.Colonne("porteur", "Porteur", "porteur"),
        listes.Colonne("pilier", "Pilier", "pilier", listes.CHOIX, PILIERS),
        listes.Colonne("contrat", "Contrat", "contrat__reference"),
        listes.Colonne("annee_debut", "Première année", "annee_debut", listes.NOMBRE),
        listes.Colonne("annee_fin", "Dernière année", "annee_fin", listes.NOMBRE),
        listes.Colonne("demande", "Demandé", "demande", listes.MONTANT),
        listes.Colonne("accorde", "Accordé", "accorde", listes.MONTANT),
        listes.demonstration(),
    ]


@base.lecture_requise
def liste(request: HttpRequest) -> HttpResponse:
    qs = Action.objects.filter(contrat__in=ContratDeVille.objects.visibles_par(request.user)
                               ).select_related("contrat").annotate(
        demande=Coalesce(Sum("financements__montant_demande"), 0),
        accorde=Coalesce(Sum("financements__montant_accorde"), 0)).order_by("reference")
    actions = [("Nouvelle action", reverse("financements:nouvelle"))] \
        if perms.peut_creer_contrat(request.user) else []
    return listes.page_liste(request, qs, colonnes_actions(), titre="Actions et crédits",
                             nom="actions", contexte={"actions_liste": actions,
                                                      "demonstration": True})


def colonnes_postes() -> list[listes.Colonne]:
    return [
        listes.Colonne("dispositif", "Dispositif", "dispositif", listes.CHOIX,
                       PosteFinance.DISPOSITIFS),
        listes.Colonne("identifiant", "Poste", "identifiant"),
        listes.Colonne("annee", "Année", "annee", listes.NOMBRE),
        listes.Colonne("employeur", "Employeur", "beneficiaire_nom"),
        listes.Colonne("siret", "SIRET", "beneficiaire_siret"),
        listes.Colonne("contrat", "Contrat", "code_contrat_source",
                lien=lambda p: reverse("contrats:detail", args=[p.contrat_id])
                if p.contrat_id else ""),
        listes.Colonne("porteur", "Porteur du contrat", "contrat__epci__nom"),
        listes.Colonne("departement", "Département", "departement__code"),
        listes.Colonne("region", "Région", "region__nom"),
        listes.Colonne("montant", "Montant", "montant", listes.MONTANT),
        listes.Colonne("programme", "Programme", "programme"),
    ]


@base.lecture_requise
def postes(request: HttpRequest) -> HttpResponse:
    qs = PosteFinance.objects.select_related("contrat__epci", "departement", "region")
    return listes.page_liste(
        request, qs.order_by("dispositif", "identifiant", "pk"), colonnes_postes(),
        titre="Postes financés (programme 147)", nom="postes-finances", contexte={"intro": (
            "Postes d'adultes-relais et FONJEP financés par l'État, tels que "
            "l'ANCT les publie (Licence Ouverte) : employeur, montant, contrat. "
            "Un poste sans contrat ou sans région l'est dans la source.")})


@base.lecture_requise
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


@base.lecture_requise
def modifier(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk:
        action = get_object_or_404(Action.objects.select_related("contrat__epci"), pk=pk)
        perms.exiger(perms.peut_modifier_action(request.user, action), services.REFUS)
    else:
        action = Action()
        contrat_id = base.lire(NouvelleActionForm, request.GET)["contrat"]
        if contrat_id:
            contrat = get_object_or_404(ContratDeVille, pk=contrat_id)
            perms.exiger(perms.peut_creer_action(request.user, contrat), services.REFUS)
            action.contrat = contrat
        else:
            perms.exiger(perms.peut_creer_contrat(request.user), services.REFUS)
    return base.page_avec_quartiers(request, action, EDITION, user=request.user)


@base.lecture_requise
def supprimer(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action, pk=pk)
    perms.exiger(perms.peut_modifier_action(request.user, action), services.REFUS)
    contrat_id = action.contrat_id
    if request.method != "POST":
        return base.confirmation(request, titre=f"Supprimer l'action {action.reference}",
                                 retour=reverse("financements:detail", args=[pk]), danger=True,
                                 bouton="Supprimer l'action", question=(
                                     f"Supprimer « {action} » et ses crédits non versés ?"))
    if base.executer(request, lambda: services.supprimer_action(request.user, action),
                     "Action supprimée."):
        return redirect("contrats:detail", pk=contrat_id)
    return redirect("financements:detail", pk=pk)


@base.lecture_requise
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
    return base.formulaire_versionne(
        request, ligne, formulaire=lambda data, obj: LigneFinancementForm(data, instance=obj),
        enregistrer=lambda form: services.enregistrer_financement(
            request.user, form.instance, form.cleaned_data.get("version")),
        context={"title": f"Crédit – {ligne.action.reference}"}, objet="ce crédit",
        succes="Ligne de financement enregistrée.",
        destination=lambda obj: redirect("financements:detail", pk=obj.action_id))


@base.lecture_requise
def supprimer_ligne(request: HttpRequest, pk: int) -> HttpResponse:
    ligne = get_object_or_404(LigneFinancement.objects.select_related("action__contrat"),
                              pk=pk)
    perms.exiger(perms.peut_modifier_financement(request.user, ligne), services.REFUS)
    if request.method != "POST":
        return base.confirmation(request, titre="Supprimer un crédit", bouton="Supprimer",
                                 retour=reverse("financements:detail", args=[ligne.action_id]),
                                 question=f"Supprimer le crédit « {ligne} » de l'action "
                                          f"{ligne.action.reference} ?")
    base.executer(request, lambda: services.supprimer_financement(request.user, ligne),
                  "Ligne de financement supprimée.")
    return redirect("financements:detail", pk=ligne.action_id)


def _resume(rec: Any) -> str:
    return (f"{rec.get_partenaire_display()} {rec.annee} : demandé "
            f"{centimes_en_euros(rec.montant_demande)}, accordé "
            f"{centimes_en_euros(rec.montant_accorde)}, versé "
            f"{centimes_en_euros(rec.montant_verse)}")


@base.lecture_requise
def historique(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action, pk=pk)
    entrees = base.historique(action)
    for rec in LigneFinancement.history.filter(action_id=pk).select_related("history_user"):
        prev = rec.prev_record
        entrees.append({
            "date": rec.history_date,
            "auteur": rec.history_user.get_username() if rec.history_user else "(système)",
            "type": {"+": "crédit ajouté", "~": "crédit modifié",
                     "-": "crédit supprimé"}[rec.history_type],
            "version": None,
            "changements": base.changements(prev, rec) if prev and rec.history_type == "~"
            else [{"champ": "ligne", "avant": "", "apres": _resume(rec)}],
        })
    entrees.sort(key=lambda e: e["date"], reverse=True)
    return render(request, "registre/historique.html", {
        "title": f"Historique de {action.reference}", "objet": action, "entrees": entrees,
        "retour": reverse("financements:detail", args=[pk]),
    })
