"""Follow-up of a contract: the CPO share of the State's credits against its target, the
yearly and mid-term reviews, and what is missing (for the contract page and the chef de
projet's landing page). Targets and dates are dated parameters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from quartiers.registre.commun import date_parametre, parametre
from quartiers.registre.contrats.models import ContratDeVille


@dataclass
class PartCPO:
    accorde_etat: int  # cents granted by the State (programme 147) to the contract's actions
    accorde_cpo: int  # of which under a multi-year agreement
    cible: float  # percent

    @property
    def taux(self) -> float | None:
        return round(100 * self.accorde_cpo / self.accorde_etat, 1) if self.accorde_etat \
            else None

    @property
    def atteinte(self) -> bool | None:
        return None if self.taux is None else self.taux >= self.cible


def part_cpo(contrat: ContratDeVille) -> PartCPO:
    from quartiers.registre.financements.models import LigneFinancement

    agg = LigneFinancement.objects.filter(
        action__contrat=contrat, partenaire="etat_bop147").aggregate(
        etat=Sum("montant_accorde"), cpo=Sum("montant_accorde", filter=Q(cpo=True)))
    cible = float(parametre("contrats.part_cpo_cible").valeur)
    return PartCPO(int(agg["etat"] or 0), int(agg["cpo"] or 0), cible)


def annee_mi_parcours(contrat: ContratDeVille) -> int:
    return date_parametre("contrats.revue_mi_parcours").year


def etat_mi_parcours(contrat: ContratDeVille, aujourd_hui: dt.date | None = None) -> str:
    """``faite``, ``a_faire`` (this year) or ``a_venir``, or ``en_retard``."""
    annee = annee_mi_parcours(contrat)
    if contrat.revues.filter(annee=annee).exists():
        return "faite"
    jour = aujourd_hui or timezone.localdate()
    return "a_venir" if jour.year < annee else "a_faire" if jour.year == annee else "en_retard"


def revue_attendue(contrat: ContratDeVille, aujourd_hui: dt.date | None = None) -> int | None:
    """The last year whose review is due and missing (``None`` when none is)."""
    if not contrat.date_debut:
        return None
    jour = aujourd_hui or timezone.localdate()
    mois = int(parametre("contrats.periodicite_revue").valeur)
    echeance = contrat.date_debut
    dernier: int | None = None
    while True:
        annee, m = divmod(echeance.month - 1 + mois, 12)
        echeance = dt.date(echeance.year + annee, m + 1, 1)
        if echeance > jour or (contrat.date_fin and echeance > contrat.date_fin):
            break
        dernier = echeance.year - 1
    if dernier is None or contrat.revues.filter(annee__gte=dernier).exists():
        return None
    return dernier


def manques(contrat: ContratDeVille, aujourd_hui: dt.date | None = None) -> list[str]:
    """What the register lacks for this contract, in French, most useful first."""
    out: list[str] = []
    communes = contrat.communes_du_porteur()
    if not contrat.quartiers.exists():
        out.append("Aucun quartier lié : les fichiers de l'ANCT ne publient pas le lien "
                   "contrat → quartier ; liez-les depuis « Modifier ».")
    if communes is None:
        out.append("Communes du porteur inconnues : le registre ne peut pas vérifier que les "
                   "quartiers liés sont sur son territoire (lien affirmé par son auteur).")
    if contrat.generation == ContratDeVille.GENERATION_2015:
        if not hasattr(contrat, "contrat_suivant"):
            out.append("Pas encore renouvelé en contrat Engagements Quartiers 2030.")
        if contrat.date_debut is None:
            out.append("Date de signature inconnue (non publiée par l'ANCT).")
        return out
    if not contrat.participation_citoyenne.strip():
        out.append("Volet participation citoyenne (obligatoire) non renseigné.")
    if not contrat.priorites.exists():
        out.append("Aucune priorité locale fixée avec les habitants.")
    if contrat.signataires.filter(a_confirmer=True).exists():
        out.append("Des signataires repris du contrat précédent sont à confirmer.")
    annee = revue_attendue(contrat, aujourd_hui)
    if annee is not None:
        out.append(f"Revue annuelle {annee} non enregistrée.")
    if etat_mi_parcours(contrat, aujourd_hui) in ("a_faire", "en_retard"):
        out.append(f"Revue à mi-parcours ({annee_mi_parcours(contrat)}) non enregistrée.")
    cpo = part_cpo(contrat)
    if cpo.atteinte is False:
        out.append(f"Part des crédits de l'État en CPO : {cpo.taux} % (cible {cpo.cible:g} %).")
    return out


def suivi(contrat: ContratDeVille) -> dict[str, Any]:
    """Everything the contract page shows about its follow-up."""
    return {"manques": manques(contrat), "cpo": part_cpo(contrat),
            "mi_parcours": etat_mi_parcours(contrat),
            "annee_mi_parcours": annee_mi_parcours(contrat)}
