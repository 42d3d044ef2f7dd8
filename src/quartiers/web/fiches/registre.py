"""What the register knows about a quartier (EPCI, contracts, NPNRU projects), as
:mod:`quartiers.registre.comptes.permissions` lets the viewer see it: a public sheet shows
only the published (real) records, never demonstration ones; a register account sees all,
demonstration records marked."""

from __future__ import annotations

from typing import Any

from quartiers.registre.comptes.permissions import contrats_visibles, projets_npnru_visibles
from quartiers.registre.contrats.models import ContratDeVille
from quartiers.registre.npnru.models import ProjetNPNRU
from quartiers.registre.territoires.models import Commune, Quartier


def infos_registre(code: str, communes: list[str], user: Any = None) -> dict[str, Any]:
    """EPCI(s) of the communes, contracts and NPNRU projects covering quartier ``code``
    (``user=None``: what an anonymous visitor may see)."""
    out: dict[str, Any] = {"installe": True, "epcis": [], "contrats": [], "projets_npnru": []}
    seen = set()
    for commune in Commune.objects.filter(code__in=communes).select_related("epci"):
        if commune.epci_id and commune.epci_id not in seen:
            seen.add(commune.epci_id)
            out["epcis"].append({"siren": commune.epci.siren, "nom": commune.epci.nom})
    contrats = contrats_visibles(user, ContratDeVille.objects.filter(
        quartiers__code=code)).select_related("epci").distinct()
    for c in contrats:
        out["contrats"].append({
            "id": c.pk, "reference": c.reference, "intitule": c.intitule,
            "epci": c.epci.nom if c.epci_id else "", "statut": c.get_statut_display(),
            "periode": "–".join(f"{d:%Y}" for d in (c.date_debut, c.date_fin) if d),
            "demonstration": c.demonstration,
        })
    projets = projets_npnru_visibles(user, ProjetNPNRU.objects.filter(
        quartiers__code=code)).distinct()
    for p in projets:
        out["projets_npnru"].append({
            "id": p.pk, "reference": p.reference, "nom": p.nom,
            "interet": p.get_interet_display(), "etape": p.get_etape_display(),
            "demonstration": p.demonstration,
        })
    return out


def quartier_du_registre(code: str) -> dict[str, Any] | None:
    """A sheet skeleton for a quartier known only to the register (no perimeter); invented
    (demonstration) quartiers have no public sheet."""
    q = Quartier.objects.filter(code=code).exclude(millesime="demo").prefetch_related(
        "communes").first()
    if q is None:
        return None
    communes = [{"code": c.code, "nom": c.nom} for c in q.communes.all()]
    return {
        "code": q.code, "nom": q.nom, "millesime": q.millesime,
        "millesime_libelle": f"registre ({q.get_millesime_display()})",  # type: ignore[attr-defined]
        "autres_millesimes": [], "communes": communes,
        "departement": communes[0]["code"][:2] if communes else "",
        "surface_ha": None, "indicateurs": {"nb_carreaux": 0}, "unite_urbaine": None,
        "methode": "", "mediane_nationale": None, "geometrie": None,
        "source": q.source,
    }
