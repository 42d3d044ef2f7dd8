"""Dashboard figures for a région, a département or an EPCI (used by the pages of the
register and reusable by the web application for charts and by the API).

:func:`indicateurs` returns plain Python data (ints in cents for money)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, Sum

from quartiers.registre.contrats.models import PILIER_LABELS, ContratDeVille
from quartiers.registre.financements.models import PARTENAIRE_LABELS, LigneFinancement
from quartiers.registre.npnru.models import EnveloppeCPER, ProjetNPNRU
from quartiers.registre.territoires.models import Departement, Epci, Quartier, Region


def _filtre(perimetre: Any, prefix: str) -> Q:
    """Q filter on an EPCI path (``prefix`` leads to an Epci) for the perimeter."""
    if isinstance(perimetre, Region):
        return Q(**{f"{prefix}departement__region": perimetre})
    if isinstance(perimetre, Departement):
        return Q(**{f"{prefix}departement": perimetre})
    if isinstance(perimetre, Epci):
        return Q(**{prefix.rstrip("_") or "pk": perimetre}) if prefix else Q(pk=perimetre.pk)
    raise TypeError(perimetre)


def indicateurs(perimetre: Region | Departement | Epci) -> dict[str, Any]:
    contrats = ContratDeVille.objects.filter(_filtre(perimetre, "epci__"))
    par_statut = dict(contrats.values_list("statut").annotate(n=Count("pk")).order_by())
    statuts = [(label, par_statut.get(code, 0)) for code, label in ContratDeVille.STATUTS]
    quartiers = Quartier.objects.filter(contrats__in=contrats).distinct()
    pops = list(quartiers.values_list("population", flat=True))
    pop_connue = [p for p in pops if p is not None]
    par_millesime = dict(quartiers.values_list("millesime").annotate(n=Count("pk")).order_by())

    lignes = LigneFinancement.objects.filter(_filtre(perimetre, "action__contrat__epci__"))
    sommes = {"demande": Sum("montant_demande"), "accorde": Sum("montant_accorde"),
              "verse": Sum("montant_verse")}

    def groupe(champ: str, labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
        rows = lignes.values(champ).annotate(**sommes).order_by(champ)
        return [{"cle": labels.get(r[champ], r[champ]) if labels else r[champ],
                 **{k: int(r[k] or 0) for k in sommes}} for r in rows]

    total = {k: int(v or 0) for k, v in lignes.aggregate(**sommes).items()}

    if isinstance(perimetre, Region):
        projets = ProjetNPNRU.objects.filter(region=perimetre)
        region = perimetre
    elif isinstance(perimetre, Departement):
        projets = ProjetNPNRU.objects.filter(epci__departement=perimetre)
        region = perimetre.region
    else:
        projets = ProjetNPNRU.objects.filter(epci=perimetre)
        region = perimetre.departement.region
    npnru = []
    for code, label in ProjetNPNRU.INTERETS:
        agg = projets.filter(interet=code).aggregate(
            n=Count("pk"), concours=Sum(F("subventions") + F("prets")),
            subventions=Sum("subventions"), prets=Sum("prets"))
        npnru.append({"interet": label, "nombre": agg["n"],
                      "concours": int(agg["concours"] or 0),
                      "subventions": int(agg["subventions"] or 0),
                      "prets": int(agg["prets"] or 0)})
    env = EnveloppeCPER.objects.filter(region=region).first()
    engage_perimetre = npnru[1]["concours"]
    enveloppe = None
    if env is not None:
        engage_region = env.engage()
        enveloppe = {"intitule": env.intitule, "montant": env.montant,
                     "engage_region": engage_region, "reste": env.montant - engage_region,
                     "engage_perimetre": engage_perimetre,
                     "taux": round(100 * engage_region / env.montant, 1) if env.montant else None}
    return {
        "perimetre": perimetre,
        "nb_contrats": contrats.count(),
        "nb_contrats_actifs": contrats.filter(archive=False).count(),
        "contrats_par_statut": statuts,
        "nb_quartiers": len(pops),
        "quartiers_par_millesime": sorted(par_millesime.items()),
        "population": sum(pop_connue),
        "nb_quartiers_population_inconnue": len(pops) - len(pop_connue),
        "credits_total": total,
        "credits_par_pilier": groupe("action__pilier", PILIER_LABELS),
        "credits_par_partenaire": groupe("partenaire", PARTENAIRE_LABELS),
        "credits_par_annee": groupe("annee"),
        "npnru": npnru,
        "enveloppe": enveloppe,
        "demonstration": contrats.filter(demonstration=True).exists(),
    }
