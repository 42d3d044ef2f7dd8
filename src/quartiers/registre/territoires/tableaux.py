"""Dashboard figures for a région, a département, an EPCI or a contract (used by the pages
of the register and reusable for charts and the API).

:func:`indicateurs` returns plain Python data (ints in cents for money). Real records and
demonstration records are counted apart: a demonstration record never enters a real total.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, CharField, Count, F, QuerySet, Sum, When

from quartiers.registre.contrats.models import PILIER_LABELS, ContratDeVille, TerritoireContrat
from quartiers.registre.financements.models import (
    PARTENAIRE_LABELS,
    LigneFinancement,
    PosteFinance,
)
from quartiers.registre.npnru.models import EnveloppeCPER, ProjetNPNRU
from quartiers.registre.territoires.models import Departement, Epci, Quartier, Region

Perimetre = Region | Departement | Epci | ContratDeVille
SOMMES = {"demande": Sum("montant_demande"), "accorde": Sum("montant_accorde"),
          "verse": Sum("montant_verse")}


def synthese_postes(postes: QuerySet) -> dict[str, Any]:
    """Posts, amounts and distinct employers per scheme (an employer is its SIRET, or its
    name when the source gives no SIRET)."""
    employeur = Case(When(beneficiaire_siret="", then=F("beneficiaire_nom")),
                     default=F("beneficiaire_siret"), output_field=CharField())
    par = postes.annotate(employeur=employeur).values("dispositif").annotate(
        nombre=Count("pk"), montant=Sum("montant"),
        beneficiaires=Count("employeur", distinct=True)).order_by("dispositif")
    libelles = dict(PosteFinance.DISPOSITIFS)
    lignes = [{"dispositif": r["dispositif"], "libelle": libelles[r["dispositif"]],
               "nombre": r["nombre"], "montant": int(r["montant"] or 0),
               "beneficiaires": r["beneficiaires"]} for r in par]
    total = postes.annotate(employeur=employeur).aggregate(
        nombre=Count("pk"), montant=Sum("montant"),
        beneficiaires=Count("employeur", distinct=True))
    annees = sorted(set(postes.values_list("annee", flat=True)))
    return {"par_dispositif": lignes, "annees": annees,
            "total": {"nombre": total["nombre"], "montant": int(total["montant"] or 0),
                      "beneficiaires": total["beneficiaires"]}}


def postes_du(perimetre: Perimetre) -> QuerySet:
    """Real posts of a perimeter: by their own région or département (from the source, or
    the département's région), by contract for an EPCI or a contract."""
    qs = PosteFinance.objects.filter(demonstration=False)
    if isinstance(perimetre, Region):
        return qs.filter(region=perimetre)
    if isinstance(perimetre, Departement):
        return qs.filter(departement=perimetre)
    if isinstance(perimetre, Epci):
        return qs.filter(contrat__epci=perimetre)
    return qs.filter(contrat=perimetre)


def _population(contrats: QuerySet, perimetre: Perimetre) -> tuple[int, int]:
    """Population of the quartiers (source figures) in the perimeter, and how many of the
    contracts have none."""
    territoires = TerritoireContrat.objects.filter(contrat__in=contrats)
    if isinstance(perimetre, Region):
        territoires = territoires.filter(departement__region=perimetre)
    elif isinstance(perimetre, Departement):
        territoires = territoires.filter(departement=perimetre)
    total = territoires.aggregate(p=Sum("population_qpv"))["p"]
    inconnus = contrats.exclude(pk__in=territoires.exclude(population_qpv=None).values(
        "contrat")).count()
    return int(total or 0), inconnus


def _contrats(contrats: QuerySet, perimetre: Perimetre) -> dict[str, Any]:
    par_statut = dict(contrats.values_list("statut").annotate(n=Count("pk")).order_by())
    par_generation = dict(contrats.values_list("generation").annotate(n=Count("pk")).order_by())
    quartiers = Quartier.objects.filter(contrats__in=contrats).distinct()
    population, sans_population = _population(contrats, perimetre)
    return {
        "nombre": contrats.count(), "actifs": contrats.filter(archive=False).count(),
        "par_statut": [(label, par_statut.get(code, 0)) for code, label in
                       ContratDeVille.STATUTS],
        "par_generation": [(label, par_generation.get(code, 0)) for code, label in
                           ContratDeVille.GENERATIONS],
        "population": population, "sans_population": sans_population,
        "quartiers": quartiers.count(),
        "quartiers_par_millesime": sorted(dict(quartiers.values_list("millesime").annotate(
            n=Count("pk")).order_by()).items()),
        "sans_quartier": contrats.exclude(pk__in=Quartier.contrats.through.objects.values(
            "contrat")).count(),
    }


def _credits(lignes: QuerySet) -> dict[str, Any]:
    def groupe(champ: str, labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
        rows = lignes.values(champ).annotate(**SOMMES).order_by(champ)
        return [{"cle": labels.get(r[champ], r[champ]) if labels else r[champ],
                 **{k: int(r[k] or 0) for k in SOMMES}} for r in rows]

    return {"total": {k: int(v or 0) for k, v in lignes.aggregate(**SOMMES).items()},
            "par_pilier": groupe("action__pilier", PILIER_LABELS),
            "par_partenaire": groupe("partenaire", PARTENAIRE_LABELS),
            "par_annee": groupe("annee")}


def _npnru(projets: QuerySet) -> list[dict[str, Any]]:
    out = []
    for code, label in ProjetNPNRU.INTERETS:
        agg = projets.filter(interet=code).aggregate(
            n=Count("pk"), concours=Sum(F("subventions") + F("prets")),
            subventions=Sum("subventions"), prets=Sum("prets"))
        out.append({"interet": label, "nombre": agg["n"],
                    "concours": int(agg["concours"] or 0),
                    "subventions": int(agg["subventions"] or 0),
                    "prets": int(agg["prets"] or 0)})
    return out


def _region_de(perimetre: Perimetre) -> Region | None:
    if isinstance(perimetre, Region):
        return perimetre
    if isinstance(perimetre, Departement):
        return perimetre.region
    if isinstance(perimetre, Epci):
        return perimetre.departement.region if perimetre.departement_id else None
    return None


def _projets(perimetre: Perimetre) -> QuerySet:
    if isinstance(perimetre, Region):
        return ProjetNPNRU.objects.filter(region=perimetre)
    if isinstance(perimetre, Departement):
        return ProjetNPNRU.objects.filter(epci__departement=perimetre)
    if isinstance(perimetre, Epci):
        return ProjetNPNRU.objects.filter(epci=perimetre)
    return ProjetNPNRU.objects.filter(quartiers__in=perimetre.quartiers.all()).distinct()


def _bloc(contrats: QuerySet, perimetre: Perimetre, projets: QuerySet) -> dict[str, Any]:
    lignes = LigneFinancement.objects.filter(action__contrat__in=contrats)
    return {"contrats": _contrats(contrats, perimetre), "credits": _credits(lignes),
            "npnru": _npnru(projets)}


def indicateurs(perimetre: Perimetre) -> dict[str, Any]:
    """The figures of a dashboard: ``reel`` (real records only, with the posts funded by
    the programme 147) and ``demonstration`` (invented records, apart)."""
    if isinstance(perimetre, ContratDeVille):
        contrats = ContratDeVille.objects.filter(pk=perimetre.pk)
    else:
        contrats = ContratDeVille.objects.dans(perimetre)
    projets = _projets(perimetre)
    reel = _bloc(contrats.filter(demonstration=False), perimetre,
                 projets.filter(demonstration=False))
    postes = postes_du(perimetre)
    reel["postes"] = synthese_postes(postes)
    reel["postes_sans_contrat"] = synthese_postes(postes.filter(contrat=None))
    demo = contrats.filter(demonstration=True)
    demonstration = _bloc(demo, perimetre, projets.filter(demonstration=True)) \
        if demo.exists() or projets.filter(demonstration=True).exists() else None
    region = _region_de(perimetre)
    enveloppe = None
    env = EnveloppeCPER.objects.filter(region=region).first() if region else None
    if env is not None:
        engage_region = env.engage()
        enveloppe = {"intitule": env.intitule, "montant": env.montant,
                     "demonstration": env.demonstration,
                     "engage_region": engage_region, "reste": env.montant - engage_region,
                     "engage_perimetre": sum(r["concours"] for r in _npnru(
                         projets.filter(interet=ProjetNPNRU.REGIONAL))),
                     "taux": round(100 * engage_region / env.montant, 1) if env.montant
                     else None}
    return {"perimetre": perimetre, "reel": reel, "demonstration": demonstration,
            "enveloppe": enveloppe}


def departements_de(region: Region) -> list[dict[str, Any]]:
    """The région's départements with their real contracts and posts."""
    out = []
    for d in Departement.objects.filter(region=region).order_by("code"):
        contrats = ContratDeVille.objects.dans(d)
        postes = PosteFinance.objects.filter(departement=d, demonstration=False)
        n, m = contrats.filter(demonstration=False).count(), postes.count()
        if n or m or contrats.exists():
            out.append({"objet": d, "cle": d.code, "contrats": n, "postes": m,
                        "demonstration": contrats.filter(demonstration=True).count(),
                        "montant": int(postes.aggregate(s=Sum("montant"))["s"] or 0)})
    return out


def porteurs_de(departement: Departement) -> list[dict[str, Any]]:
    """The carriers (EPCIs) of the contracts covering the département."""
    contrats = ContratDeVille.objects.dans(departement)
    out = []
    for e in Epci.objects.filter(contrats__in=contrats).distinct().order_by("nom"):
        siens = contrats.filter(epci=e)
        postes = PosteFinance.objects.filter(contrat__in=siens, demonstration=False)
        out.append({"objet": e, "cle": e.siren, "contrats": siens.filter(
            demonstration=False).count(), "demonstration": siens.filter(
            demonstration=True).count(), "postes": postes.count(),
            "montant": int(postes.aggregate(s=Sum("montant"))["s"] or 0)})
    return out


def contrats_sans_epci(departement: Departement) -> QuerySet:
    return ContratDeVille.objects.dans(departement).filter(epci=None)

