"""Guard: an action's quartiers must be quartiers of its contract (any code path), by the
one rule written on the model (:meth:`Action.erreurs_quartiers`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from quartiers.registre.financements.models import Action


@receiver(m2m_changed, sender=Action.quartiers.through)
def verifier_quartiers_action(sender: Any, instance: Any, action: str, reverse: bool,
                              pk_set: set[int] | None, **kwargs: Any) -> None:
    if action != "pre_add" or not pk_set:
        return
    actions = Action.objects.filter(pk__in=pk_set) if reverse else [instance]
    for a in actions:
        errs = a.erreurs_quartiers({instance.pk} if reverse else pk_set)
        if errs:
            raise ValidationError({"quartiers": errs})
