"""Address check pages: one point, batch upload, job progress and downloads."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from quartiers.web import geodonnees
from quartiers.web.carte.views import config_carte
from quartiers.web.verification import jobs
from quartiers.web.verification.forms import LotForm, PointForm
from quartiers.web.verification.models import LotVerification

SESSION_LOTS = "lots_verification"


def point(request: HttpRequest) -> HttpResponse:
    form = PointForm(request.GET or None)
    resultat, erreur = None, None
    marqueur = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            resultat = geodonnees.verifier_point(d["lon"], d["lat"], d["millesime"],
                                                 d.get("tolerance") or 0.0)
            marqueur = [d["lon"], d["lat"]]
            if resultat["qpv_code"] or resultat["qpv_proche"]:
                resultat["fiche"] = resultat["qpv_code"] or resultat["qpv_proche"]
        except geodonnees.ErreurPoint as e:
            erreur = e.message
    millesime = form.cleaned_data.get("millesime", "2024") if form.is_bound and \
        form.is_valid() else "2024"
    extra = {"marqueur": marqueur, "centre": marqueur, "zoom": 15} if marqueur else {}
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
            f = form.cleaned_data["fichier"]
            lot = LotVerification(
                nom_fichier=f.name[:255], millesime=form.cleaned_data["millesime"],
                tolerance=form.cleaned_data.get("tolerance") or 0.0,
                proprietaire=request.user if request.user.is_authenticated else None,
            )
            lot.fichier.save(f"{lot.id}{_suffixe(f.name)}", f, save=False)
            lot.save()
            request.session[SESSION_LOTS] = [str(lot.id), *_mes_lots(request)][:50]
            jobs.assurer_travailleur()
            messages.success(request, "Fichier reçu : le traitement continue même si vous "
                                      "fermez cette page.")
            return redirect("verification:lot", lot_id=lot.id)
    else:
        form = LotForm()
        jobs.assurer_travailleur()
    ids = _mes_lots(request)
    mine = LotVerification.objects.filter(id__in=ids)
    if request.user.is_authenticated:
        mine = mine | LotVerification.objects.filter(proprietaire=request.user)
    return render(request, "verification/lots.html", {
        "title": "Vérifier un fichier d'adresses", "form": form,
        "lots": mine.distinct().order_by("-cree_le")[:50],
    })


def _suffixe(name: str) -> str:
    low = name.lower()
    for s in (".xlsx", ".xlsm", ".ods", ".tsv", ".txt", ".csv"):
        if low.endswith(s):
            return s
    return ".csv"


def lot(request: HttpRequest, lot_id: str) -> HttpResponse:
    obj = get_object_or_404(LotVerification, pk=lot_id)
    if obj.statut in (LotVerification.ATTENTE, LotVerification.EN_COURS):
        jobs.assurer_travailleur()
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
