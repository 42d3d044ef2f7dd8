"""Service functions of the contracts: every write goes through here (views, import, API).

Each function checks the permission (:mod:`quartiers.registre.comptes.permissions`), the
rules (model ``clean`` + the rules below) and saves in a transaction, with optimistic
locking where the object has a version.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from quartiers.registre.commun import enregistrer_avec_version
from quartiers.registre.comptes.permissions import (
    exiger,
    peut_archiver_contrat,
    peut_creer_contrat,
    peut_modifier_contrat,
    peut_supprimer_contrat,
)
from quartiers.registre.contrats.models import ContratDeVille, erreurs_quartiers
from quartiers.registre.territoires.models import Quartier

REFUS_EPCI = "Vous ne pouvez modifier que les contrats de votre périmètre (EPCI ou département)."


def _verifier_modifiable(user: Any, contrat: ContratDeVille) -> None:
    exiger(peut_modifier_contrat(user, contrat), REFUS_EPCI)
    if contrat.archive:
        raise ValidationError("Ce contrat est archivé : il ne peut plus être modifié.")


def enregistrer_contrat(user: Any, contrat: ContratDeVille, quartiers: Iterable[Quartier],
                        version_lue: int | None = None) -> ContratDeVille:
    """Create or update ``contrat`` with its quartiers (raises Conflit, ValidationError,
    PermissionDenied)."""
    quartiers = list(quartiers)
    with transaction.atomic():
        if contrat.pk:
            original = ContratDeVille.objects.select_related("epci").get(pk=contrat.pk)
            _verifier_modifiable(user, original)
        exiger(peut_creer_contrat(user, contrat.epci) if contrat.epci_id else False, REFUS_EPCI)
        errs = erreurs_quartiers(contrat.epci, quartiers)
        if errs:
            raise ValidationError({"quartiers": errs})
        contrat._quartiers_verifies = True  # type: ignore[attr-defined]
        contrat.full_clean()
        enregistrer_avec_version(contrat, version_lue if version_lue is not None
                                 else contrat.version)
        if set(contrat.quartiers.values_list("pk", flat=True)) != {q.pk for q in quartiers}:
            contrat.quartiers.set(quartiers)
    return contrat


def archiver_contrat(user: Any, contrat: ContratDeVille, version_lue: int) -> None:
    exiger(peut_archiver_contrat(user, contrat), REFUS_EPCI)
    if contrat.archive:
        raise ValidationError("Ce contrat est déjà archivé.")
    contrat.archive = True
    enregistrer_avec_version(contrat, version_lue)


def supprimer_contrat(user: Any, contrat: ContratDeVille) -> None:
    exiger(peut_supprimer_contrat(user, contrat), REFUS_EPCI)
    if contrat.signe:
        raise ValidationError(f"Le contrat {contrat.reference} est signé : il ne peut pas être "
                              "supprimé, seulement archivé.")
    if contrat.actions.exists():
        raise ValidationError("Ce contrat a des actions : supprimez-les d'abord.")
    contrat.delete()


def ajouter_element(user: Any, contrat: ContratDeVille, element: Any) -> None:
    """Add a signatory, an avenant or an engagement to a contract."""
    _verifier_modifiable(user, contrat)
    element.contrat = contrat
    element.full_clean()
    element.save()


def supprimer_element(user: Any, element: Any) -> None:
    _verifier_modifiable(user, element.contrat)
    if getattr(element, "date_signature", None):
        raise ValidationError("Une signature enregistrée ne peut pas être supprimée.")
    element.delete()
