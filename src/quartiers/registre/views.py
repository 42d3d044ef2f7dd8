"""View helpers shared by the register's apps: access checks, request parameters parsed by
forms (a bad value is a French 400, never a 500), errors into forms, history."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from quartiers.registre.commun import Conflit, centimes_en_euros
from quartiers.registre.comptes.permissions import exiger, peut_lire


class EntreeInvalide(Exception):
    """A request parameter is not valid: the page answers 400 with this French message."""


def lire(form_class: type[forms.Form], data: Any) -> dict[str, Any]:
    """The cleaned values of ``data`` (``request.GET``, ``request.POST``) read by a form;
    raises :class:`EntreeInvalide` naming each bad field."""
    form = form_class(data)
    if form.is_valid():
        return form.cleaned_data
    parts = []
    for champ, erreurs in form.errors.items():
        libelle = form.fields[champ].label or champ if champ in form.fields else ""
        parts.append(f"{libelle} : {' '.join(erreurs)}" if libelle else " ".join(erreurs))
    raise EntreeInvalide(" ; ".join(parts))


class VersionForm(forms.Form):
    version = forms.IntegerField(label="version", min_value=1, max_value=2**31 - 1,
                                 error_messages={"required": "Version lue manquante : "
                                                 "rechargez la page."})


def uuid_ou_404(texte: str) -> uuid.UUID:
    try:
        return uuid.UUID(texte)
    except ValueError:
        raise Http404("Identifiant inconnu.") from None


def lecture_requise(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required (redirect), then any register role (403 otherwise); a bad request
    parameter answers 400 with its French message."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        exiger(peut_lire(request.user),
               "Votre compte n'a pas de rôle dans le registre : demandez-en un à la DREETS.")
        try:
            return view(request, *args, **kwargs)
        except EntreeInvalide as e:
            return render(request, "registre/erreur.html",
                          {"title": "Requête invalide", "message": str(e)}, status=400)

    return wrapper


def erreurs_dans_formulaire(form: Any, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form (field errors or non-field)."""
    if hasattr(exc, "error_dict"):
        for field, errs in exc.error_dict.items():
            target = field if field in form.fields else None
            for e in errs:
                form.add_error(target, e.messages)
    else:
        form.add_error(None, exc.messages)


MONTANTS = ("montant", "montant_demande", "montant_accorde", "montant_verse", "subventions",
            "prets")


def _valeur(record: Any, field: str) -> str:
    value = getattr(record, field, None)
    if field in MONTANTS and value is not None:
        return centimes_en_euros(int(value))
    try:
        display = getattr(record, f"get_{field}_display")
        return str(display())
    except AttributeError:
        pass
    return "" if value is None else str(value)


def changements(ancien: Any, nouveau: Any) -> list[dict[str, str]]:
    """Field-by-field differences between two historical records of one object."""
    if ancien is None or nouveau is None:
        return []
    delta = nouveau.diff_against(ancien)
    out = []
    for ch in delta.changes:
        if ch.field == "version":
            continue
        try:
            label = str(nouveau.instance._meta.get_field(ch.field).verbose_name)
        except Exception:
            label = ch.field
        if isinstance(ch.old, list) or isinstance(ch.new, list):
            old = _m2m_texte(ch.old)
            new = _m2m_texte(ch.new)
        else:
            old, new = _valeur(ancien, ch.field), _valeur(nouveau, ch.field)
        out.append({"champ": label, "avant": old, "apres": new})
    return out


def _m2m_texte(items: Any) -> str:
    if not items:
        return ""
    from quartiers.registre.territoires.models import Quartier

    ids = {v for d in items for k, v in d.items() if k in ("quartier", "quartier_id")}
    return ", ".join(sorted(Quartier.objects.filter(pk__in=ids).values_list("code", flat=True)))


def historique(obj: Any) -> list[dict[str, Any]]:
    """History entries of ``obj`` (newest first), each with who, when, kind and changes."""
    records = list(obj.history.all().select_related("history_user").order_by(
        "-history_date", "-history_id"))
    out = []
    for i, rec in enumerate(records):
        prev = records[i + 1] if i + 1 < len(records) else None
        out.append({
            "date": rec.history_date,
            "auteur": rec.history_user.get_username() if rec.history_user else "(système)",
            "type": {"+": "création", "~": "modification", "-": "suppression"}.get(
                rec.history_type, rec.history_type),
            "version": getattr(rec, "version", None),
            "changements": changements(prev, rec) if prev else [],
        })
    return out


def contexte_conflit(conflit: Conflit) -> dict[str, Any]:
    """Template context describing a version conflict: who saved, when, what changed."""
    actuel = conflit.actuel
    lu = actuel.history.filter(version=conflit.version_lue).order_by(
        "-history_date", "-history_id").first()
    dernier = actuel.history.order_by("-history_date", "-history_id").first()
    auteur = dernier.history_user.get_username() if dernier and dernier.history_user else "?"
    return {
        "conflit": True,
        "conflit_auteur": auteur,
        "conflit_date": dernier.history_date if dernier else None,
        "conflit_changements": changements(lu, dernier),
    }


def formulaire_versionne(
    request: HttpRequest,
    instance: Any,
    *,
    formulaire: Callable[[Any, Any], Any],
    enregistrer: Callable[[Any], Any],
    context: dict[str, Any],
    objet: str,
    succes: str,
    destination: Callable[[Any], HttpResponse],
) -> HttpResponse:
    """Edit page with optimistic locking, shared by contracts, actions and NPNRU projects.

    ``formulaire(data, instance)`` builds the form, ``enregistrer(form)`` calls the app's
    service (which raises :class:`Conflit` when the version read is stale). On a conflict the
    page is shown again (HTTP 409) with the user's values, who saved meanwhile and what
    changed; the next save applies the values on the current version.
    """
    if request.method == "POST":
        form = formulaire(request.POST, instance)
        if form.is_valid():
            try:
                enregistrer(form)
            except Conflit as c:
                context.update(contexte_conflit(c))
                data = request.POST.copy()
                data["version"] = str(c.actuel.version)
                form = formulaire(data, type(instance).objects.get(pk=instance.pk))
                form.is_valid()
                form.add_error(None, f"Conflit de modification : {objet} a été modifié par "
                               "quelqu'un d'autre pendant votre saisie. Vos valeurs sont "
                               "conservées ci-dessous ; vérifiez les changements puis "
                               "enregistrez à nouveau pour confirmer.")
                context["form"] = form
                return render(request, "registre/formulaire.html", context, status=409)
            except ValidationError as e:
                erreurs_dans_formulaire(form, e)
            else:
                messages.success(request, succes)
                return destination(form.instance)
    else:
        form = formulaire(None, instance)
    context["form"] = form
    return render(request, "registre/formulaire.html", context)


@dataclass(frozen=True)
class Edition:
    """How an object linked to quartiers (contract, action, NPNRU project) is edited: its
    form class, the service that checks and saves it (``service(user, instance, quartiers,
    version read)``), the page that shows it, and the words of the edit page."""

    formulaire: type[forms.ModelForm]
    service: Callable[[Any, Any, Any, int | None], Any]
    detail: str  # URL name of the object's page
    nouveau: str  # title of the page of a new object
    objet: str  # "ce contrat", in the conflict message
    succes: str


def page_avec_quartiers(request: HttpRequest, instance: Any, edition: Edition,
                        **options: Any) -> HttpResponse:
    """Edit page of ``instance`` as ``edition`` says (``options`` go to its form), then the
    object's page."""
    return formulaire_versionne(
        request, instance,
        formulaire=lambda data, obj: edition.formulaire(data, instance=obj, **options),
        enregistrer=lambda form: edition.service(request.user, form.instance,
                                                 form.cleaned_data["quartiers"],
                                                 form.cleaned_data.get("version")),
        context={"title": f"Modifier {instance}" if instance.pk else edition.nouveau},
        objet=edition.objet, succes=edition.succes,
        destination=lambda obj: redirect(edition.detail, pk=obj.pk))


def executer(request: HttpRequest, operation: Callable[[], object], succes: str) -> bool:
    """Run a service's ``operation``; its refusal (``ValidationError``) or ``succes`` is the
    message the next page shows. True when it was done."""
    try:
        operation()
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return False
    messages.success(request, succes)
    return True


def confirmation(request: HttpRequest, *, titre: str, question: str, retour: str,
                 bouton: str, details: list[str] | None = None,
                 version: int | None = None, danger: bool = False) -> HttpResponse:
    """A confirmation page for an action that cannot be taken back in one click (archive,
    remove, delete): the same URL, posted, does it."""
    return render(request, "registre/confirmation.html", {
        "title": titre, "question": question, "details": details or [], "retour": retour,
        "bouton": bouton, "version": version, "danger": danger})
