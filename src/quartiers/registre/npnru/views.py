"""Pages of NPNRU projects and CPER envelopes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from quartiers.registre import listes
from quartiers.registre import views as base
from quartiers.registre.commun import centimes_en_euros
from quartiers.registre.comptes import permissions as perms
from quartiers.registre.comptes.permissions import projets_npnru_visibles
from quartiers.registre.npnru import services
from quartiers.registre.npnru.forms import EnveloppeForm, ProjetForm
from quartiers.registre.npnru.models import EnveloppeCPER, ProjetNPNRU
from quartiers.registre.territoires.models import Region

EDITION = base.Edition(ProjetForm, services.enregistrer_projet, "npnru:detail",
                       nouveau="Nouveau projet NPNRU", objet="ce projet",
                       succes="Projet enregistré.")


def synthese_enveloppes(regions: Any = None) -> list[dict[str, Any]]:
    """Per région with an envelope: envelope, engaged regional concours, remainder."""
    qs = EnveloppeCPER.objects.select_related("region")
    if regions is not None:
        qs = qs.filter(region__in=regions)
    out = []
    for env in qs:
        engage = env.engage()
        out.append({"enveloppe": env, "engage": engage, "reste": env.montant - engage,
                    "taux": round(100 * engage / env.montant, 1) if env.montant else None})
    return out


def colonnes() -> list[listes.Colonne]:
    return [
        listes.reference("npnru:detail"),
        listes.Colonne("nom", "Projet", "nom"),
        listes.Colonne("interet", "Intérêt", "interet", listes.CHOIX, ProjetNPNRU.INTERETS),
        listes.Colonne("etape", "Étape", "etape", listes.CHOIX, ProjetNPNRU.ETAPES),
        listes.Colonne("region", "Région", "region__nom"),
        listes.Colonne("epci", "EPCI", "epci__nom"),
        listes.Colonne("subventions", "Subventions ANRU", "subventions", listes.MONTANT),
        listes.Colonne("prets", "Prêts bonifiés", "prets", listes.MONTANT),
        listes.demonstration(),
    ]


@base.lecture_requise
def liste(request: HttpRequest) -> HttpResponse:
    qs = projets_npnru_visibles(request.user, ProjetNPNRU.objects.select_related(
        "region", "epci")).order_by("reference")
    actions = []
    if perms.peut_modifier_npnru(request.user):
        actions = [("Nouveau projet", reverse("npnru:nouveau"))] + [
            (f"Enveloppe CPER {r.nom}", reverse("npnru:enveloppe", args=[r.code]))
            for r in Region.objects.filter(enveloppe_cper__isnull=False)]
    return listes.page_liste(
        request, qs, colonnes(), titre="Projets de renouvellement urbain (NPNRU)",
        nom="projets-npnru", contexte={
            "actions_liste": actions, "demonstration": True,
            "intro": "Enveloppes CPER (intérêt régional) : " + " ; ".join(
                f"{e['enveloppe'].region.nom} {centimes_en_euros(e['engage'])} "
                f"engagés sur {centimes_en_euros(e['enveloppe'].montant)}"
                + (" (démonstration)" if e["enveloppe"].demonstration else "")
                for e in synthese_enveloppes()) or "aucune."})


@base.lecture_requise
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    projet = get_object_or_404(ProjetNPNRU.objects.select_related("region", "epci"), pk=pk)
    return render(request, "npnru/detail.html", {
        "title": str(projet), "projet": projet,
        "peut_modifier": perms.peut_modifier_npnru(request.user, projet),
        "historique": base.historique(projet),
    })


@base.lecture_requise
def modifier(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    projet = get_object_or_404(ProjetNPNRU, pk=pk) if pk else ProjetNPNRU()
    perms.exiger(perms.peut_modifier_npnru(request.user, projet), services.REFUS)
    return base.page_avec_quartiers(request, projet, EDITION)


@base.lecture_requise
def modifier_enveloppe(request: HttpRequest, region: str) -> HttpResponse:
    perms.exiger(perms.peut_modifier_enveloppe(request.user), services.REFUS)
    reg = get_object_or_404(Region, code=region)
    env = EnveloppeCPER.objects.filter(region=reg).first() or EnveloppeCPER(
        region=reg, intitule=f"CPER {reg.nom} – NPNRU intérêt régional")
    if request.method == "POST":
        form = EnveloppeForm(request.POST, instance=env)
        if form.is_valid():
            try:
                services.enregistrer_enveloppe(request.user, form.instance)
            except ValidationError as e:
                base.erreurs_dans_formulaire(form, e)
            else:
                messages.success(request, "Enveloppe enregistrée.")
                return redirect("npnru:liste")
    else:
        form = EnveloppeForm(instance=env)
    return render(request, "npnru/enveloppe.html", {"title": f"Enveloppe CPER {reg.nom}",
                                                    "form": form, "region": reg})
