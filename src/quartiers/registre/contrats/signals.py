"""Guards that no code path can bypass: deleting a signed contract, quartiers outside the
EPCI (added through any path: form, import, shell, admin)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed, pre_delete
from django.dispatch import receiver

from quartiers.registre.contrats.models import ContratDeVille, erreurs_quartiers
from quartiers.registre.territoires.models import Quartier


class SuppressionInterdite(ValidationError):
    pass


@receiver(pre_delete, sender=ContratDeVille)
def interdire_suppression_contrat_signe(sender: Any, instance: ContratDeVille,
                                        **kwargs: Any) -> None:
    if instance.signe:
        raise SuppressionInterdite(
            f"Le contrat {instance.reference} est signé : il ne peut pas être supprimé, "
            "seulement archivé.")


@receiver(m2m_changed, sender=ContratDeVille.quartiers.through)
def verifier_quartiers_contrat(sender: Any, instance: Any, action: str, reverse: bool,
                               pk_set: set[int] | None, **kwargs: Any) -> None:
    if action != "pre_add" or not pk_set:
        return
    if reverse:  # quartier.contrats.add(contrat...)
        for contrat in ContratDeVille.objects.filter(pk__in=pk_set).select_related("epci"):
            errs = erreurs_quartiers(contrat.epci, [instance])
            if errs:
                raise ValidationError(errs)
        return
    errs = erreurs_quartiers(instance.epci, Quartier.objects.filter(pk__in=pk_set))
    if errs:
        raise ValidationError({"quartiers": errs})
