"""What the register knows about a quartier (EPCI, contracts, NPNRU projects), when installed."""

from __future__ import annotations

from typing import Any

from django.apps import apps


def registre_installe() -> bool:
    return apps.is_installed("quartiers.registre.territoires")


def infos_registre(code: str, communes: list[str]) -> dict[str, Any]:
    """EPCI(s) of the communes, contracts and NPNRU projects covering quartier ``code``."""
    out: dict[str, Any] = {"installe": registre_installe(), "epcis": [], "contrats": [],
                           "projets_npnru": []}
    if not out["installe"]:
        return out
    try:
        Commune = apps.get_model("territoires", "Commune")
        Quartier = apps.get_model("territoires", "Quartier")
    except LookupError:
        out["installe"] = False
        return out
    seen = set()
    for commune in Commune.objects.filter(code__in=communes).select_related("epci"):
        if commune.epci_id and commune.epci_id not in seen:
            seen.add(commune.epci_id)
            out["epcis"].append({"siren": commune.epci.siren, "nom": commune.epci.nom})
    for q in Quartier.objects.filter(code=code):
        for c in q.contrats.all().select_related("epci"):
            out["contrats"].append({
                "id": c.pk, "reference": c.reference, "intitule": c.intitule,
                "epci": c.epci.nom if c.epci_id else "", "statut": c.get_statut_display(),
                "periode": f"{c.date_debut:%Y}–{c.date_fin:%Y}" if c.date_fin
                else f"{c.date_debut:%Y}",
            })
        for p in q.projets_npnru.all():
            out["projets_npnru"].append({
                "id": p.pk, "reference": p.reference, "nom": p.nom,
                "interet": p.get_interet_display(), "etape": p.get_etape_display(),
            })
    return out


def quartier_du_registre(code: str) -> dict[str, Any] | None:
    """A sheet skeleton for a quartier known only to the register (no perimeter)."""
    if not registre_installe():
        return None
    Quartier = apps.get_model("territoires", "Quartier")
    q = Quartier.objects.filter(code=code).prefetch_related("communes").first()
    if q is None:
        return None
    communes = [{"code": c.code, "nom": c.nom} for c in q.communes.all()]
    return {
        "code": q.code, "nom": q.nom, "millesime": q.millesime,
        "millesime_libelle": f"registre ({q.get_millesime_display()})",
        "autres_millesimes": [], "communes": communes,
        "departement": communes[0]["code"][:2] if communes else "",
        "surface_ha": None, "indicateurs": {"nb_carreaux": 0}, "unite_urbaine": None,
        "methode": "", "mediane_nationale": None, "geometrie": None,
        "source": getattr(q, "source", ""),
    }
