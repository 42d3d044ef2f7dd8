"""Export of contracts, actions and credits with the import's columns (round trip)."""

from __future__ import annotations

from typing import Any

from quartiers.registre.commun import centimes_en_texte
from quartiers.registre.contrats.models import ContratDeVille
from quartiers.registre.echanges.formats import COLONNES, ecrire_csv, ecrire_xlsx
from quartiers.registre.financements.models import Action, LigneFinancement


def _oui_non(demonstration: bool) -> str:
    return "oui" if demonstration else "non"


def lignes(type_: str) -> list[list[Any]]:
    if type_ == "contrats":
        qs = ContratDeVille.objects.select_related("epci").prefetch_related("quartiers")
        return [[c.reference, c.intitule, c.epci.siren if c.epci_id else "",
                 c.commune_porteuse, c.generation,
                 c.date_debut.isoformat() if c.date_debut else "",
                 c.date_fin.isoformat() if c.date_fin else "", c.statut,
                 ";".join(sorted(q.code for q in c.quartiers.all())),
                 c.participation_citoyenne, c.conseils_citoyens, c.volet_investissement,
                 _oui_non(c.demonstration)] for c in qs]
    if type_ == "actions":
        qa = Action.objects.select_related("contrat").prefetch_related("quartiers")
        return [[a.reference, a.contrat.reference, a.intitule, a.porteur, a.pilier,
                 ";".join(sorted(q.code for q in a.quartiers.all())), a.annee_debut,
                 a.annee_fin, _oui_non(a.demonstration)] for a in qa]
    if type_ == "financements":
        ql = LigneFinancement.objects.select_related("action").order_by(
            "action__reference", "annee", "partenaire")
        return [[f.action.reference, f.partenaire, f.annee,
                 centimes_en_texte(f.montant_demande), centimes_en_texte(f.montant_accorde),
                 centimes_en_texte(f.montant_verse), _oui_non(f.action.demonstration)]
                for f in ql]
    raise ValueError(type_)


def exporter(type_: str, format_: str) -> tuple[bytes, str, str]:
    """(content, content type, file name). ``type_`` 'tout' only for XLSX (three sheets)."""
    if format_ == "csv":
        return (ecrire_csv(COLONNES[type_], lignes(type_)), "text/csv; charset=utf-8",
                f"registre-{type_}.csv")
    types = list(COLONNES) if type_ == "tout" else [type_]
    data = ecrire_xlsx({t: (COLONNES[t], lignes(t)) for t in types})
    return (data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"registre-{type_}.xlsx")
