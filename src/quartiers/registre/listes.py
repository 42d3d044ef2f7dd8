"""Lists of the register: every column shown can be filtered and sorted, and the export
(CSV, XLSX) is exactly what is shown — same columns, same filters, same order, every page.

A list view declares its :class:`Colonne` s and a queryset already limited to what the
user may see; :func:`page_liste` parses the query string with a form built from the
columns (a bad value is a French 400, never a 500), filters, sorts, paginates and renders
``registre/liste.html``, or answers the export when ``format=csv|xlsx``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from quartiers.registre.commun import centimes_en_euros, centimes_en_texte, euros_en_centimes
from quartiers.registre.echanges.formats import ecrire_csv, ecrire_xlsx
from quartiers.registre.views import lire

TEXTE, CHOIX, NOMBRE, MONTANT, BOOLEEN = "texte", "choix", "nombre", "montant", "booleen"
PAR_PAGE = 50
OUI_NON = [("", "Tous"), ("oui", "oui"), ("non", "non")]


@dataclass(frozen=True)
class Colonne:
    cle: str  # query-string name and export header
    libelle: str
    champ: str  # ORM path (or annotation) filtered and sorted on
    genre: str = TEXTE
    choix: list[tuple[str, str]] = field(default_factory=list)
    valeur: Callable[[Any], Any] | None = None  # shown value; default: the field's
    lien: Callable[[Any], str] | None = None
    filtre: Callable[[QuerySet, Any], QuerySet] | None = None  # default: on ``champ``

    def brute(self, obj: Any) -> Any:
        if self.valeur is not None:
            return self.valeur(obj)
        v: Any = obj
        for part in self.champ.split("__"):
            v = getattr(v, part, None) if v is not None else None
        if self.genre == CHOIX:
            return dict(self.choix).get(v, v)
        return v

    def affichee(self, obj: Any) -> str:
        v = self.brute(obj)
        if v is None:
            return ""
        if self.genre == MONTANT:
            return centimes_en_euros(int(v))
        if self.genre == BOOLEEN:
            return "oui" if v else "non"
        if self.genre == NOMBRE and isinstance(v, int):
            return f"{v:,}".replace(",", "\u202f")
        return str(v)

    def exportee(self, obj: Any) -> Any:
        v = self.brute(obj)
        if v is None:
            return ""
        if self.genre == MONTANT:
            return Decimal(centimes_en_texte(int(v)))
        if self.genre == BOOLEEN:
            return "oui" if v else "non"
        return v if isinstance(v, int | Decimal) else str(v)


def reference(nom_url: str, libelle: str = "Référence", champ: str = "reference") -> Colonne:
    """The first column of a list: the object's reference, linked to its page."""
    return Colonne(champ, libelle, champ, lien=lambda o: reverse(nom_url, args=[o.pk]))


def demonstration() -> Colonne:
    """The column that tells demonstration data from real records."""
    return Colonne("demonstration", "Démonstration", "demonstration", BOOLEEN)


class _Montant(forms.CharField):
    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        value = super().to_python(value)
        if not value:
            return None
        try:
            return euros_en_centimes(value)
        except ValueError as e:
            raise forms.ValidationError(f"montant invalide : {e}") from None


def formulaire(colonnes: list[Colonne]) -> type[forms.Form]:
    """The filter form of a list: one field per column (two bounds for numbers), the sort
    and the page."""
    champs: dict[str, forms.Field] = {}
    for c in colonnes:
        if c.genre == CHOIX:
            champs[c.cle] = forms.ChoiceField(label=c.libelle, required=False,
                                              choices=[("", "Tous"), *c.choix])
        elif c.genre == BOOLEEN:
            champs[c.cle] = forms.ChoiceField(label=c.libelle, required=False, choices=OUI_NON)
        elif c.genre in (NOMBRE, MONTANT):
            for borne, mot in (("min", "au moins"), ("max", "au plus")):
                champs[f"{c.cle}_{borne}"] = (
                    _Montant(label=f"{c.libelle} ({mot}, €)", required=False)
                    if c.genre == MONTANT else
                    forms.IntegerField(label=f"{c.libelle} ({mot})", required=False,
                                       min_value=-(10**15), max_value=10**15))
        else:
            champs[c.cle] = forms.CharField(label=c.libelle, required=False, max_length=200)
    tris = [(s + c.cle, "") for c in colonnes for s in ("", "-")]
    champs["tri"] = forms.ChoiceField(label="Tri", required=False, choices=[("", ""), *tris])
    champs["page"] = forms.IntegerField(label="Page", required=False, min_value=1,
                                        max_value=10**6)
    champs["format"] = forms.ChoiceField(label="Format", required=False,
                                         choices=[("", ""), ("csv", "CSV"), ("xlsx", "XLSX")])
    return type("FiltreListe", (forms.Form,), champs)


def filtrer(qs: QuerySet, colonnes: list[Colonne], d: dict[str, Any]) -> QuerySet:
    for c in colonnes:
        if c.genre in (NOMBRE, MONTANT):
            if d.get(f"{c.cle}_min") is not None:
                qs = qs.filter(**{f"{c.champ}__gte": d[f"{c.cle}_min"]})
            if d.get(f"{c.cle}_max") is not None:
                qs = qs.filter(**{f"{c.champ}__lte": d[f"{c.cle}_max"]})
        elif d.get(c.cle):
            if c.filtre is not None:
                qs = c.filtre(qs, d[c.cle])
            elif c.genre == CHOIX:
                qs = qs.filter(**{c.champ: d[c.cle]})
            elif c.genre == BOOLEEN:
                qs = qs.filter(**{c.champ: d[c.cle] == "oui"})
            else:
                qs = qs.filter(**{f"{c.champ}__icontains": d[c.cle]})
    tri = d.get("tri") or ""
    par = {c.cle: c.champ for c in colonnes}
    if tri.lstrip("-") in par:
        champ = par[tri.lstrip("-")]
        qs = qs.order_by(f"-{champ}" if tri.startswith("-") else champ, "pk")
    return qs


def _cellule(colonne: Colonne, objet: Any) -> tuple[str, str]:
    """Text and link of one cell; an empty text gets no link (a link must say where it goes)."""
    texte = colonne.affichee(objet)
    return texte, (colonne.lien(objet) if colonne.lien and texte else "")


def page_liste(request: HttpRequest, qs: QuerySet, colonnes: list[Colonne], *,
               titre: str, nom: str, contexte: dict[str, Any] | None = None) -> HttpResponse:
    """Render the list page, or its export (``format=csv|xlsx``)."""
    d = lire(formulaire(colonnes), request.GET)
    qs = filtrer(qs, colonnes, d)
    if d.get("format"):
        titres = [c.libelle for c in colonnes]
        lignes = [[c.exportee(o) for c in colonnes] for o in qs.iterator(chunk_size=2000)]
        if d["format"] == "csv":
            data, ctype = ecrire_csv(titres, lignes), "text/csv; charset=utf-8"
        else:
            data = ecrire_xlsx({nom: (titres, lignes)})
            ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        resp = HttpResponse(data, content_type=ctype)
        resp["Content-Disposition"] = f'attachment; filename="{nom}.{d["format"]}"'
        return resp
    page = Paginator(qs, PAR_PAGE).get_page(d.get("page") or 1)
    lignes_page = [[_cellule(c, o) for c in colonnes] for o in page]
    params = request.GET.copy()
    for k in ("page", "format"):
        params.pop(k, None)
    tri = d.get("tri") or ""
    entetes: list[dict[str, str]] = []
    for c in colonnes:
        suivant = f"-{c.cle}" if tri == c.cle else c.cle
        p = params.copy()
        p["tri"] = suivant
        entetes.append({"libelle": c.libelle, "url": "?" + p.urlencode(),
                        "sens": "ascending" if tri == c.cle else
                        "descending" if tri == f"-{c.cle}" else ""})
    return render(request, "registre/liste.html", {
        "title": titre, "page": page, "lignes": lignes_page, "entetes": entetes,
        "filtres": formulaire(colonnes)(request.GET), "params": params.urlencode(),
        **(contexte or {})})
