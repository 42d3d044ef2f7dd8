"""View helpers shared by the register's apps: access checks, errors into forms, history."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from quartiers.registre.commun import centimes_en_euros
from quartiers.registre.comptes.permissions import exiger, peut_lire


def lecture_requise(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required (redirect), then any register role (403 otherwise)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        exiger(peut_lire(request.user),
               "Votre compte n'a pas de rôle dans le registre : demandez-en un à la DREETS.")
        return view(request, *args, **kwargs)

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
