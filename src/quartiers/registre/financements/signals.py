"""Guard: an action's quartiers must be quartiers of its contract (any code path)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from quartiers.registre.financements.models import Action
from quartiers.registre.territoires.models import Quartier


def erreurs_quartiers_action(action: Action, quartier_ids: set[int]) -> list[str]:
    allowed = set(action.contrat.quartiers.values_list("pk", flat=True))
    hors = Quartier.objects.filter(pk__in=set(quartier_ids) - allowed)
    return [f"Le quartier {q.code} n'est pas couvert par le contrat "
            f"{action.contrat.reference}." for q in hors]


@receiver(m2m_changed, sender=Action.quartiers.through)
def verifier_quartiers_action(sender: Any, instance: Any, action: str, reverse: bool,
                              pk_set: set[int] | None, **kwargs: Any) -> None:
    if action != "pre_add" or not pk_set or reverse:
        return
    errs = erreurs_quartiers_action(instance, pk_set)
    if errs:
        raise ValidationError({"quartiers": errs})
