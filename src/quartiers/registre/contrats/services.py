"""Service functions of the contracts: every write goes through here (views, import, API).

Each function checks the permission (:mod:`quartiers.registre.comptes.permissions`), the
rules (the models' ``clean`` and :meth:`~.models.ContratDeVille.verifier_quartiers`) and
saves in a transaction, with optimistic locking (the version read is required to update).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from quartiers.registre.commun import enregistrer_avec_version, valider_avec_quartiers
from quartiers.registre.comptes.permissions import (
    exiger,
    peut_archiver_contrat,
    peut_modifier_contrat,
    peut_supprimer_contrat,
)
from quartiers.registre.contrats.models import ContratDeVille, Signataire
from quartiers.registre.contrats.signals import (
    motif_suppression_interdite,
    noter_verifications,
)
from quartiers.registre.territoires.models import Quartier

REFUS_EPCI = "Vous ne pouvez modifier que les contrats de votre périmètre (EPCI ou département)."
ARCHIVE = "Ce contrat est archivé : il ne peut plus être modifié (désarchivez-le d'abord)."


def _verifier_modifiable(user: Any, contrat: ContratDeVille) -> None:
    exiger(peut_modifier_contrat(user, contrat), REFUS_EPCI)
    if contrat.archive:
        raise ValidationError(ARCHIVE)


def auteur(user: Any) -> Any:
    """The user to record as author (``None`` for the system or an anonymous caller)."""
    return user if getattr(user, "is_authenticated", False) else None


def lier_quartiers(user: Any, contrat: ContratDeVille, quartiers: Iterable[Quartier],
                   origine: str) -> None:
    """Make ``quartiers`` the contract's quartiers; new links record who asserted them and
    when (the guard records whether the register could check them)."""
    voulus = {q.pk: q for q in quartiers}
    actuels = set(contrat.quartiers.values_list("pk", flat=True))
    if actuels - voulus.keys():
        contrat.quartiers.remove(*(actuels - voulus.keys()))
    nouveaux = [q for pk, q in voulus.items() if pk not in actuels]
    if nouveaux:
        contrat.quartiers.add(*nouveaux, through_defaults={
            "affirme_par": auteur(user), "affirme_le": timezone.now(), "origine": origine})
    gardes = [q for pk, q in voulus.items() if pk in actuels]
    if gardes:  # the carrier may have changed: what can be checked may have changed too
        noter_verifications(contrat, contrat.verifier_quartiers(gardes)[1])


def valider_contrat(contrat: ContratDeVille, quartiers: list[Quartier],
                    nouveau: bool = True) -> None:
    """Every rule of a contract and of its quartiers at once (one ValidationError by field);
    ``nouveau=False`` skips the uniqueness checks of an object known to exist."""
    valider_avec_quartiers(contrat, contrat.verifier_quartiers(quartiers)[0],
                           exclude=["quartiers"], validate_unique=nouveau)


def enregistrer_contrat(user: Any, contrat: ContratDeVille, quartiers: Iterable[Quartier],
                        version_lue: int | None = None,
                        origine: str = "saisie dans le registre") -> ContratDeVille:
    """Create or update ``contrat`` with its quartiers (raises Conflit, ValidationError,
    PermissionDenied). Updating needs ``version_lue``, the version its author read."""
    quartiers = list(quartiers)
    with transaction.atomic():
        if contrat.pk:
            original = ContratDeVille.objects.select_related("epci").get(pk=contrat.pk)
            _verifier_modifiable(user, original)
        exiger(peut_modifier_contrat(user, contrat), REFUS_EPCI)
        valider_contrat(contrat, quartiers)
        enregistrer_avec_version(contrat, version_lue)
        lier_quartiers(user, contrat, quartiers, origine)
    return contrat


def _archivage(user: Any, contrat: ContratDeVille, version_lue: int | None,
               archive: bool) -> None:
    exiger(peut_archiver_contrat(user, contrat), REFUS_EPCI)
    if contrat.archive == archive:
        raise ValidationError("Ce contrat est déjà archivé." if archive
                              else "Ce contrat n'est pas archivé.")
    contrat.archive = archive
    enregistrer_avec_version(contrat, version_lue)


def archiver_contrat(user: Any, contrat: ContratDeVille, version_lue: int | None) -> None:
    _archivage(user, contrat, version_lue, True)


def desarchiver_contrat(user: Any, contrat: ContratDeVille, version_lue: int | None) -> None:
    """Undo an archiving (the contract becomes editable again)."""
    _archivage(user, contrat, version_lue, False)


def supprimer_contrat(user: Any, contrat: ContratDeVille) -> None:
    exiger(peut_supprimer_contrat(user, contrat), REFUS_EPCI)
    motif = motif_suppression_interdite(contrat)
    if motif:
        raise ValidationError(motif)
    if contrat.actions.exists():
        raise ValidationError("Ce contrat a des actions : supprimez-les d'abord.")
    contrat.delete()


def ajouter_element(user: Any, contrat: ContratDeVille, element: Any) -> None:
    """Add a part to a contract (signatory, avenant, engagement, priority, projet de
    quartier, yearly review)."""
    _verifier_modifiable(user, contrat)
    element.contrat = contrat
    element.full_clean()
    element.save()


def supprimer_element(user: Any, element: Any) -> None:
    _verifier_modifiable(user, element.contrat)
    if getattr(element, "date_signature", None):
        raise ValidationError("Une signature enregistrée ne peut pas être supprimée.")
    element.delete()


def confirmer_signataire(user: Any, signataire: Signataire) -> None:
    """A signatory carried over from the previous contract is confirmed for this one."""
    _verifier_modifiable(user, signataire.contrat)
    if not signataire.a_confirmer:
        raise ValidationError("Ce signataire est déjà confirmé.")
    signataire.a_confirmer = False
    signataire.save(update_fields=["a_confirmer"])
