"""Service functions of actions and funding lines (permission, rules, transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from quartiers.registre.commun import (
    enregistrer_avec_quartiers,
    enregistrer_avec_version,
    valider_avec_quartiers,
)
from quartiers.registre.comptes import permissions as perms
from quartiers.registre.financements.models import Action, LigneFinancement
from quartiers.registre.territoires.models import Quartier

REFUS = "Vous ne pouvez modifier que les actions et crédits des contrats de votre périmètre."


def enregistrer_action(user: Any, action: Action, quartiers: Iterable[Quartier],
                       version_lue: int | None = None) -> Action:
    quartiers = list(quartiers)
    with transaction.atomic():
        if action.pk:
            original = Action.objects.select_related("contrat__epci").get(pk=action.pk)
            perms.exiger(perms.peut_modifier_action(user, original), REFUS)
        perms.exiger(action.contrat_id is not None
                     and perms.peut_creer_action(user, action.contrat), REFUS)
        hors = action.erreurs_quartiers({q.pk for q in quartiers}) if action.contrat_id else []
        valider_avec_quartiers(action, hors)
        enregistrer_avec_quartiers(action, quartiers, version_lue)
    return action


def supprimer_action(user: Any, action: Action) -> None:
    perms.exiger(perms.peut_modifier_action(user, action), REFUS)
    if action.contrat.archive:
        raise ValidationError("Le contrat est archivé : ses actions ne peuvent plus être "
                              "supprimées.")
    if action.financements.exclude(montant_verse=0).exists():
        raise ValidationError("Cette action a des crédits versés : elle ne peut pas être "
                              "supprimée.")
    action.delete()


def enregistrer_financement(user: Any, ligne: LigneFinancement,
                            version_lue: int | None = None) -> LigneFinancement:
    """Create or update a funding line; updating needs the version its author read."""
    with transaction.atomic():
        if ligne.pk:
            original = LigneFinancement.objects.select_related("action__contrat__epci").get(
                pk=ligne.pk)
            perms.exiger(perms.peut_modifier_financement(user, original), REFUS)
        perms.exiger(ligne.action_id is not None
                     and perms.peut_modifier_action(user, ligne.action), REFUS)
        if ligne.action.contrat.archive:
            raise ValidationError("Le contrat est archivé : ses crédits ne peuvent plus être "
                                  "modifiés.")
        ligne.full_clean()
        enregistrer_avec_version(ligne, version_lue)
    return ligne


def supprimer_financement(user: Any, ligne: LigneFinancement) -> None:
    perms.exiger(perms.peut_modifier_financement(user, ligne), REFUS)
    if ligne.montant_verse:
        raise ValidationError("Un crédit déjà versé ne peut pas être supprimé.")
    ligne.delete()
