"""Pages of the contrats de ville: list, detail, create/edit (optimistic locking with a
conflict view), archive and its undo, delete, the contract's parts (signatories, avenants,
engagements, priorities, projets de quartier, reviews), history and the renewal into an
« Engagements Quartiers 2030 » contract."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from quartiers.registre import listes
from quartiers.registre import views as base
from quartiers.registre.commun import Conflit
from quartiers.registre.comptes import permissions as perms
from quartiers.registre.contrats import renouvellement, services
from quartiers.registre.contrats.forms import (
    AvenantForm,
    ContratForm,
    EngagementForm,
    PrioriteForm,
    ProjetQuartierForm,
    RenouvellementForm,
    RevueAnnuelleForm,
    SignataireForm,
)
from quartiers.registre.contrats.models import (
    Avenant,
    ContratDeVille,
    Engagement,
    LienQuartier,
    Priorite,
    ProjetQuartier,
    RevueAnnuelle,
    Signataire,
    TerritoireContrat,
)
from quartiers.registre.contrats.suivi import suivi
from quartiers.registre.territoires.tableaux import synthese_postes

EDITION = base.Edition(ContratForm, services.enregistrer_contrat, "contrats:detail",
                       nouveau="Nouveau contrat", objet="ce contrat",
                       succes="Contrat enregistré.")
# kind -> (model, form, message, form needs the contract)
ELEMENTS: dict[str, tuple[Any, Any, str, bool]] = {
    "signataire": (Signataire, SignataireForm, "Signataire ajouté.", False),
    "avenant": (Avenant, AvenantForm, "Avenant ajouté.", False),
    "engagement": (Engagement, EngagementForm, "Engagement ajouté.", False),
    "priorite": (Priorite, PrioriteForm, "Priorité ajoutée.", False),
    "projet": (ProjetQuartier, ProjetQuartierForm, "Projet de quartier ajouté.", True),
    "revue": (RevueAnnuelle, RevueAnnuelleForm, "Revue annuelle enregistrée.", True),
}
#: Parts shown for each generation (2015: pillars; Engagements Quartiers 2030: priorities,
#: projets de quartier, yearly reviews).
PARTIES = {ContratDeVille.GENERATION_2015: ("signataire", "avenant", "engagement"),
           ContratDeVille.GENERATION_2024: ("signataire", "avenant", "priorite", "projet",
                                            "revue")}


def _element_form(kind: str, contrat: ContratDeVille, data: Any = None) -> Any:
    model, form_class, _m, avec_contrat = ELEMENTS[kind]
    kwargs = {"contrat": contrat} if avec_contrat else {}
    return form_class(data, instance=model(contrat=contrat), **kwargs)


def _compte(model: Any, valeur: Any) -> Subquery:
    return Subquery(model.objects.filter(contrat=OuterRef("pk")).values("contrat").annotate(
        n=valeur).values("n")[:1])


def _dans_departement(qs: Any, code: str) -> Any:
    return qs.par_territoire(Q(code_departement__icontains=code),
                             Q(epci__departement__code__icontains=code))


def _dans_region(qs: Any, nom: str) -> Any:
    return qs.par_territoire(Q(departement__region__nom__icontains=nom),
                             Q(epci__departement__region__nom__icontains=nom))


def colonnes() -> list[listes.Colonne]:
    return [
        listes.reference("contrats:detail"),
        listes.Colonne("intitule", "Intitulé", "intitule"),
        listes.Colonne("generation", "Génération", "generation", listes.CHOIX,
                       ContratDeVille.GENERATIONS),
        listes.Colonne("porteur", "Porteur (EPCI ou commune)", "porteur_nom"),
        listes.Colonne("departement", "Département(s)", "premier_departement",
                valeur=lambda c: ", ".join(c.codes_departements) or "inconnu",
                filtre=_dans_departement),
        listes.Colonne("region", "Région", "premiere_region", filtre=_dans_region),
        listes.Colonne("statut", "Statut", "statut", listes.CHOIX, ContratDeVille.STATUTS),
        listes.Colonne("population", "Population des quartiers (ANCT)", "population_qpv",
                       listes.NOMBRE),
        listes.Colonne("quartiers", "Quartiers liés", "nb_quartiers", listes.NOMBRE),
        listes.Colonne("postes", "Postes financés", "nb_postes", listes.NOMBRE),
        listes.Colonne("montant_postes", "Montant des postes", "montant_postes", listes.MONTANT),
        listes.demonstration(),
        listes.Colonne("archive", "Archivé", "archive", listes.BOOLEEN),
    ]


def liste_qs(user: Any) -> Any:
    from quartiers.registre.financements.models import PosteFinance

    premier = TerritoireContrat.objects.filter(contrat=OuterRef("pk")).order_by(
        "code_departement")
    qs = ContratDeVille.objects.visibles_par(user).select_related(
        "epci__departement__region").prefetch_related("territoires").annotate(
        porteur_nom=Coalesce("epci__nom", "commune_porteuse"),
        premier_departement=Coalesce(Subquery(premier.values("code_departement")[:1]),
                                     F("epci__departement__code"), Value("")),
        premiere_region=Coalesce(Subquery(premier.values("departement__region__nom")[:1]),
                                 F("epci__departement__region__nom"), Value("")),
        nb_quartiers=Coalesce(_compte(LienQuartier, Count("pk")), 0),
        nb_postes=Coalesce(_compte(PosteFinance, Count("pk")), 0),
        montant_postes=Coalesce(_compte(PosteFinance, Sum("montant")), 0),
    ).order_by("reference")
    return qs


@base.lecture_requise
def liste(request: HttpRequest) -> HttpResponse:
    actions = [("Nouveau contrat", reverse("contrats:nouveau"))] \
        if perms.peut_creer_contrat(request.user) else []
    return listes.page_liste(
        request, liste_qs(request.user), colonnes(), titre="Contrats de ville",
        nom="contrats-de-ville", contexte={
            "actions_liste": actions, "demonstration": True,
            "intro": "Contrats de ville 2015-2023 de l'ANCT (données réelles) et "
                     "contrats Engagements Quartiers 2030 saisis dans le registre."})


@base.lecture_requise
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    contrat = get_object_or_404(ContratDeVille.objects.select_related(
        "epci__departement", "contrat_precedent"), pk=pk)
    modifiable = perms.peut_modifier_contrat(request.user, contrat) and not contrat.archive
    parties = PARTIES[contrat.generation]
    liens = contrat.liens.select_related("quartier", "affirme_par").prefetch_related(
        "quartier__communes")
    return render(request, "contrats/detail.html", {
        "title": str(contrat), "contrat": contrat, "modifiable": modifiable,
        "liens": liens, "communes_connues": contrat.communes_du_porteur() is not None,
        "territoires": contrat.territoires.select_related("departement__region"),
        "actions": contrat.actions.all(), "parties": parties,
        "forms": {k: _element_form(k, contrat) for k in parties} if modifiable else {},
        "postes": synthese_postes(contrat.postes.all()),
        "suivant": getattr(contrat, "contrat_suivant", None),
        "peut_renouveler": perms.peut_renouveler_contrat(request.user, contrat)
        and contrat.generation == ContratDeVille.GENERATION_2015
        and not hasattr(contrat, "contrat_suivant"),
        "peut_supprimer": perms.peut_supprimer_contrat(request.user, contrat)
        and not contrat.signe and not contrat.archive,
        "peut_archiver": perms.peut_archiver_contrat(request.user, contrat),
        **suivi(contrat),
    })


@base.lecture_requise
def modifier(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    contrat = get_object_or_404(ContratDeVille, pk=pk) if pk else ContratDeVille()
    if pk:
        perms.exiger(perms.peut_modifier_contrat(request.user, contrat), services.REFUS_EPCI)
        if contrat.archive:
            messages.error(request, services.ARCHIVE)
            return redirect("contrats:detail", pk=pk)
    else:
        perms.exiger(perms.peut_creer_contrat(request.user), services.REFUS_EPCI)
    return base.page_avec_quartiers(request, contrat, EDITION, user=request.user)


def _archivage(request: HttpRequest, pk: int, archiver: bool) -> HttpResponse:
    contrat = get_object_or_404(ContratDeVille, pk=pk)
    perms.exiger(perms.peut_archiver_contrat(request.user, contrat), services.REFUS_EPCI)
    retour = reverse("contrats:detail", args=[pk])
    if request.method != "POST":
        if archiver:
            return base.confirmation(
                request, titre=f"Archiver {contrat.reference}", retour=retour,
                bouton="Archiver le contrat", version=contrat.version, question=(
                    f"Archiver « {contrat} » ? Il passera en consultation seule, ses actions "
                    "et crédits aussi. Vous pourrez le désarchiver depuis sa page."))
        return base.confirmation(
            request, titre=f"Désarchiver {contrat.reference}", retour=retour,
            bouton="Désarchiver le contrat", version=contrat.version,
            question=f"Désarchiver « {contrat} » ? Il redeviendra modifiable.")
    version = base.lire(base.VersionForm, request.POST)["version"]
    try:
        (services.archiver_contrat if archiver else services.desarchiver_contrat)(
            request.user, contrat, version)
    except Conflit:
        messages.error(request, "Le contrat a été modifié entre-temps : rechargez la page.")
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, "Contrat archivé : il est en consultation seule. "
                                  "« Désarchiver » annule l'archivage." if archiver
                         else "Contrat désarchivé : il est de nouveau modifiable.")
    return redirect(retour)


@base.lecture_requise
def archiver(request: HttpRequest, pk: int) -> HttpResponse:
    return _archivage(request, pk, True)


@base.lecture_requise
def desarchiver(request: HttpRequest, pk: int) -> HttpResponse:
    return _archivage(request, pk, False)


@base.lecture_requise
def supprimer(request: HttpRequest, pk: int) -> HttpResponse:
    contrat = get_object_or_404(ContratDeVille, pk=pk)
    perms.exiger(perms.peut_supprimer_contrat(request.user, contrat), services.REFUS_EPCI)
    if request.method != "POST":
        return base.confirmation(
            request, titre=f"Supprimer {contrat.reference}", danger=True,
            retour=reverse("contrats:detail", args=[pk]), bouton="Supprimer définitivement",
            question=f"Supprimer « {contrat} » ? Cette suppression est définitive.")
    if base.executer(request, lambda: services.supprimer_contrat(request.user, contrat),
                     "Contrat supprimé."):
        return redirect("contrats:liste")
    return redirect("contrats:detail", pk=pk)


@require_POST
@base.lecture_requise
def ajouter_element(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in ELEMENTS:
        raise Http404("Élément inconnu.")
    contrat = get_object_or_404(ContratDeVille, pk=pk)
    perms.exiger(perms.peut_modifier_contrat(request.user, contrat), services.REFUS_EPCI)
    form = _element_form(kind, contrat, request.POST)
    if form.is_valid():
        element = form.instance
        base.executer(request, lambda: services.ajouter_element(request.user, contrat, element),
                      ELEMENTS[kind][2])
    else:
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label} : {' '.join(errs)}" if label else " ".join(errs))
    return redirect("contrats:detail", pk=pk)


@base.lecture_requise
def supprimer_element(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in ELEMENTS:
        raise Http404("Élément inconnu.")
    element = get_object_or_404(ELEMENTS[kind][0], pk=pk)
    perms.exiger(perms.peut_modifier_contrat(request.user, element.contrat),
                 services.REFUS_EPCI)
    retour = reverse("contrats:detail", args=[element.contrat_id])
    if request.method != "POST":
        return base.confirmation(request, titre="Retirer un élément du contrat", retour=retour,
                                 bouton="Retirer", question=f"Retirer « {element} » du contrat "
                                 f"{element.contrat.reference} ?")
    base.executer(request, lambda: services.supprimer_element(request.user, element),
                  "Élément retiré.")
    return redirect(retour)


@require_POST
@base.lecture_requise
def confirmer_signataire(request: HttpRequest, pk: int) -> HttpResponse:
    signataire = get_object_or_404(Signataire.objects.select_related("contrat"), pk=pk)
    base.executer(request, lambda: services.confirmer_signataire(request.user, signataire),
                  f"Signataire « {signataire.organisation} » confirmé.")
    return redirect("contrats:detail", pk=signataire.contrat_id)


@base.lecture_requise
def renouveler(request: HttpRequest, pk: int) -> HttpResponse:
    contrat = get_object_or_404(ContratDeVille.objects.select_related("epci"), pk=pk)
    perms.exiger(perms.peut_renouveler_contrat(request.user, contrat), services.REFUS_EPCI)
    passage = renouvellement.passage(contrat)
    form = RenouvellementForm(request.POST if request.method == "POST" else None,
                              initial={"version": contrat.version})
    if request.method == "POST" and form.is_valid():
        try:
            nouveau = renouvellement.renouveler(request.user, contrat,
                                                form.cleaned_data["date_debut"],
                                                form.cleaned_data["version"], passage.codes_2024)
        except Conflit:
            form.add_error(None, "Le contrat a été modifié pendant votre saisie : vérifiez le "
                                 "passage des quartiers ci-dessous et confirmez à nouveau.")
            form = RenouvellementForm(initial={"version": ContratDeVille.objects.get(
                pk=pk).version})
        except ValidationError as e:
            base.erreurs_dans_formulaire(form, e)
        else:
            messages.success(request, f"Contrat {nouveau.reference} créé (en préparation) : "
                                      "confirmez les signataires repris et complétez-le.")
            return redirect("contrats:detail", pk=nouveau.pk)
    return render(request, "contrats/renouveler.html", {
        "title": f"Renouveler {contrat.reference} en Engagements Quartiers 2030",
        "contrat": contrat, "passage": passage, "form": form,
        "signataires": contrat.signataires.all(),
        "deja": getattr(contrat, "contrat_suivant", None)})


@base.lecture_requise
def historique(request: HttpRequest, pk: int) -> HttpResponse:
    contrat = get_object_or_404(ContratDeVille, pk=pk)
    entrees = base.historique(contrat)
    for kind, (model, _f, _m, _c) in ELEMENTS.items():
        for rec in model.history.filter(contrat_id=pk).select_related("history_user"):
            entrees.append({
                "date": rec.history_date,
                "auteur": rec.history_user.get_username() if rec.history_user else "(système)",
                "type": {"+": f"{kind} ajouté", "~": f"{kind} modifié",
                         "-": f"{kind} retiré"}[rec.history_type],
                "version": None,
                "changements": [{"champ": kind, "avant": "", "apres": str(rec.instance)}],
            })
    entrees.sort(key=lambda e: e["date"], reverse=True)
    return render(request, "registre/historique.html", {
        "title": f"Historique de {contrat.reference}", "objet": contrat, "entrees": entrees,
        "retour": reverse("contrats:detail", args=[pk]),
    })
