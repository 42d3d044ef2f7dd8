"""Guards that no code path can bypass (form, import, API, shell, admin): deleting a signed
or archived contract, and linking a quartier outside the carrier's communes. Each guard
applies the one rule written on the model."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed, pre_delete
from django.dispatch import receiver

from quartiers.registre.contrats.models import ContratDeVille, LienQuartier
from quartiers.registre.territoires.models import Quartier


class SuppressionInterdite(ValidationError):
    pass


def motif_suppression_interdite(contrat: ContratDeVille) -> str | None:
    """Why ``contrat`` may not be deleted (``None`` when it may)."""
    if contrat.archive:
        return (f"Le contrat {contrat.reference} est archivé : il ne peut pas être supprimé "
                "(désarchivez-le d'abord s'il a été archivé par erreur).")
    if contrat.signe:
        return (f"Le contrat {contrat.reference} est signé : il ne peut pas être supprimé, "
                "seulement archivé.")
    return None


@receiver(pre_delete, sender=ContratDeVille)
def interdire_suppression_contrat(sender: Any, instance: ContratDeVille, **kwargs: Any) -> None:
    motif = motif_suppression_interdite(instance)
    if motif:
        raise SuppressionInterdite(motif)


@receiver(m2m_changed, sender=ContratDeVille.quartiers.through)
def verifier_quartiers_contrat(sender: Any, instance: Any, action: str, reverse: bool,
                               pk_set: set[int] | None, **kwargs: Any) -> None:
    if action not in ("pre_add", "post_add") or not pk_set:
        return
    if reverse:  # quartier.contrats.add(contrat, ...)
        paires = [(c, [instance]) for c in ContratDeVille.objects.filter(pk__in=pk_set)]
    else:
        paires = [(instance, list(Quartier.objects.filter(pk__in=pk_set).prefetch_related(
            "communes")))]
    for contrat, quartiers in paires:
        erreurs, etats = contrat.verifier_quartiers(quartiers)
        if erreurs:
            raise ValidationError({"quartiers": erreurs})
        if action == "post_add" and set(etats.values()) != {LienQuartier.NON_VERIFIABLE}:
            noter_verifications(contrat, etats)  # the links' default is « not checked »


def noter_verifications(contrat: ContratDeVille, etats: dict[int, str]) -> None:
    """Record on each link whether the register could check it."""
    for etat in set(etats.values()):
        LienQuartier.objects.filter(contrat=contrat, quartier_id__in=[
            pk for pk, e in etats.items() if e == etat]).exclude(verification=etat).update(
            verification=etat)
