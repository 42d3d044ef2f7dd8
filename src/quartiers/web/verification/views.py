"""Address check pages: one point, batch upload, job progress and downloads."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from quartiers.errors import QuartiersError
from quartiers.web.carte.views import config_carte
from quartiers.web.verification import services
from quartiers.web.verification.forms import LotForm, PointForm
from quartiers.web.verification.lots import assurer_travailleur
from quartiers.web.verification.models import LotVerification

SESSION_LOTS = "lots_verification"


def point(request: HttpRequest) -> HttpResponse:
    form = PointForm(request.GET or None)
    resultat, erreur = None, None
    marqueur = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            if (d.get("adresse") or "").strip():
                resultat = services.verifier_adresse(d["adresse"], d["millesime"],
                                                     d.get("tolerance"))
            else:
                resultat = services.verifier_point(d["lon"], d["lat"], d["millesime"],
                                                   d.get("tolerance"))
        except QuartiersError as e:
            erreur = e.message
        if resultat is not None and resultat["lon"] is not None:
            marqueur = [resultat["lon"], resultat["lat"]]
    millesime = form.cleaned_data.get("millesime", "2024") if form.is_bound and \
        form.is_valid() else "2024"
    extra = {"marqueur": marqueur, "centre": marqueur, "zoom": 16} if marqueur else {}
    config = config_carte((millesime,), sur_clic="point", **extra)
    return render(request, "verification/point.html", {
        "title": "Vérifier une adresse", "form": form, "resultat": resultat, "erreur": erreur,
        "config": config,
    })


def _mes_lots(request: HttpRequest) -> list[str]:
    return list(request.session.get(SESSION_LOTS, []))


def lots(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = LotForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                lot = services.creer_lot(d["fichier"], d["millesime"], d.get("tolerance"),
                                         request.user, d.get("adresse") or "", request)
            except services.ErreurVerification as e:
                form.add_error("fichier", e.message)
            else:
                request.session[SESSION_LOTS] = [str(lot.id), *_mes_lots(request)][:50]
                messages.success(request, "Fichier reçu : le traitement continue même si vous "
                                          "fermez cette page.")
                return redirect("verification:lot", lot_id=lot.id)
    else:
        form = LotForm()
        assurer_travailleur()
    ids = _mes_lots(request)
    mine = LotVerification.objects.filter(id__in=ids)
    if request.user.is_authenticated:
        mine = mine | LotVerification.objects.filter(proprietaire=request.user)
    return render(request, "verification/lots.html", {
        "title": "Vérifier un fichier d'adresses", "form": form,
        "lots": mine.distinct().order_by("-cree_le")[:50],
    })


def lot(request: HttpRequest, lot_id: str) -> HttpResponse:
    obj = get_object_or_404(LotVerification, pk=lot_id)
    if obj.statut in (LotVerification.ATTENTE, LotVerification.EN_COURS):
        assurer_travailleur()
    return render(request, "verification/lot.html", {"title": "Traitement du fichier",
                                                     "lot": obj})


def etat(request: HttpRequest, lot_id: str) -> JsonResponse:
    obj = get_object_or_404(LotVerification, pk=lot_id)
    return JsonResponse(obj.etat())


def telecharger(request: HttpRequest, lot_id: str, quoi: str) -> FileResponse:
    obj = get_object_or_404(LotVerification, pk=lot_id)
    if quoi not in ("resultat", "erreurs"):
        raise Http404("fichier inconnu")
    field = obj.resultat if quoi == "resultat" else obj.erreurs
    if obj.statut != LotVerification.TERMINE or not field:
        raise Http404("le traitement n'est pas terminé")
    base = obj.nom_fichier.rsplit(".", 1)[0] or "fichier"
    return FileResponse(field.open("rb"), as_attachment=True,
                        filename=f"{base}-{quoi}.csv", content_type="text/csv; charset=utf-8")
