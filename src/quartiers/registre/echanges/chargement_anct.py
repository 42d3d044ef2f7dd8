"""Loading ANCT's contracts and 2023 posts into the register as real records (not
demonstration), all or nothing, updating in place on a re-run.

What the loader owns on a contract: title, carrier (EPCI or commune), generation, legal end,
population of its quartiers and territories per département; what users add (quartiers,
signatories, status, archiving...) is never touched. Posts are the file's: a post that left
the file is removed. Every change is counted per kind (created, updated, unchanged,
removed) and every anomaly reported (:mod:`.anct`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum

from quartiers.registre.commun import date_parametre, parametre
from quartiers.registre.contrats.models import ContratDeVille, TerritoireContrat
from quartiers.registre.echanges.anct import (
    FICHIER_CONTRATS,
    FICHIERS_POSTES,
    ContratSource,
    Lecture,
    PosteSource,
    Signalement,
    codes_contrat,
    lire_contrats,
    lire_postes,
)
from quartiers.registre.financements.models import PosteFinance
from quartiers.registre.territoires.chargement import charger_referentiel
from quartiers.registre.territoires.models import Departement, Epci, Region

SOURCE_CONTRATS = f"ANCT, contrats de ville 2015-2023 ({FICHIER_CONTRATS})"
SOURCE_EPCI = f"ANCT, porteurs des contrats de ville 2015 ({FICHIER_CONTRATS})"
RAISON = "chargement des données ANCT"
#: Overseas carriers whose 2015 contracts were extended one more year (parameter
#: ``contrats.fin_generation_2015_outre_mer``): DOM, Saint-Martin, Polynésie française.
OUTRE_MER = ("971", "972", "973", "974", "976", "978", "987")
ETATS = ("crees", "modifies", "inchanges", "supprimes")


@dataclass
class Bilan:
    lecture: Lecture
    comptes: dict[str, Counter[str]] = field(default_factory=dict)
    #: dispositif -> (posts, cents) in the files and in the register after the load
    fichiers: dict[str, tuple[int, int]] = field(default_factory=dict)
    registre: dict[str, tuple[int, int]] = field(default_factory=dict)
    applique: bool = False

    def compter(self, kind: str, etat: str, n: int = 1) -> None:
        self.comptes.setdefault(kind, Counter())[etat] += n

    def anomalie(self, p: PosteSource, champ: str, message: str) -> None:
        self.lecture.anomalies.append(Signalement(
            FICHIERS_POSTES[p.dispositif], p.enregistrement, p.ligne, champ, message))


def nature_du_nom(nom: str) -> str:
    """The EPCI's legal nature when its name says it (Métropole, CU, CA, CC), else unknown
    (``""``): never guessed from anything else."""
    sans_accents = unicodedata.normalize("NFKD", nom).encode("ascii", "ignore").decode()
    n = " " + re.sub(r"[^a-z]+", " ", sans_accents.lower()) + " "
    if n.startswith(" cc ") or " communaute de communes " in n:
        return "CC"
    if n.startswith(" ca ") or " communaute d agglomeration " in n:
        return "CA"
    if n.startswith(" cu ") or " communaute urbaine " in n:
        return "CU"
    if re.search(r" (euro)?metropole ", n):
        return "ME"
    return Epci.INCONNUE


def _fin_legale(codes_departements: set[str]) -> dt.date:
    if codes_departements and codes_departements <= set(OUTRE_MER):
        return date_parametre("contrats.fin_generation_2015_outre_mer")
    return date_parametre("contrats.fin_generation_2015")


def _epcis(contrats: dict[str, ContratSource], deps: dict[str, Departement],
           bilan: Bilan) -> dict[str, Epci]:
    par_siren: dict[str, list[ContratSource]] = {}
    for c in contrats.values():
        if c.siren:
            par_siren.setdefault(c.siren, []).append(c)
    existants = {e.siren: e for e in Epci.objects.filter(siren__in=par_siren)}
    out = {}
    for siren, cs in sorted(par_siren.items()):
        codes = {t.code_departement for c in cs for t in c.territoires if t.code_departement}
        dep = deps.get(next(iter(codes))) if len(codes) == 1 else None
        voulu: dict[str, Any] = {"nom": cs[0].nom[:200], "nature": nature_du_nom(cs[0].nom),
                                 "departement_id": dep.pk if dep else None,
                                 "source": SOURCE_EPCI}
        e = existants.get(siren)
        if e is None:
            e = Epci(siren=siren, **voulu)
            e._change_reason = RAISON  # type: ignore[attr-defined]
            e.save()
            bilan.compter("EPCI", "crees")
        else:
            if e.source != SOURCE_EPCI:  # known from elsewhere: only fill what is unknown
                voulu = {k: v for k, v in voulu.items()
                         if k in ("nature", "departement_id") and not getattr(e, k)}
            changes = {k: v for k, v in voulu.items() if getattr(e, k) != v}
            for k, v in changes.items():
                setattr(e, k, v)
            if changes:
                e._change_reason = RAISON  # type: ignore[attr-defined]
                e.save()
            bilan.compter("EPCI", "modifies" if changes else "inchanges")
        out[siren] = e
    return out


def _contrats(contrats: dict[str, ContratSource], epcis: dict[str, Epci],
              deps: dict[str, Departement], bilan: Bilan) -> dict[str, ContratDeVille]:
    existants = {c.reference: c for c in ContratDeVille.objects.filter(reference__in=contrats)}
    out = {}
    for ref, src in sorted(contrats.items()):
        codes = {t.code_departement for t in src.territoires if t.code_departement}
        voulu: dict[str, Any] = {
            "intitule": f"Contrat de ville – {src.nom}"[:300],
            "epci_id": epcis[src.siren].pk if src.siren else None,
            "commune_porteuse": src.commune,
            "generation": ContratDeVille.GENERATION_2015, "date_fin": _fin_legale(codes),
            "population_qpv": src.population, "source": SOURCE_CONTRATS}
        c = existants.get(ref)
        if c is None:
            c = ContratDeVille(reference=ref, statut=ContratDeVille.SIGNE, **voulu)
            c._change_reason = RAISON  # type: ignore[attr-defined]
            c.save()
            bilan.compter("contrats", "crees")
        else:
            changes = {k: v for k, v in voulu.items() if getattr(c, k) != v}
            if changes:
                for k, v in changes.items():
                    setattr(c, k, v)
                c.version += 1  # an edit form opened before the load must see a conflict
                c._change_reason = RAISON  # type: ignore[attr-defined]
                c.save()
            bilan.compter("contrats", "modifies" if changes else "inchanges")
        _territoires(c, src, deps, bilan)
        out[ref] = c
    return out


def _territoires(contrat: ContratDeVille, src: ContratSource, deps: dict[str, Departement],
                 bilan: Bilan) -> None:
    existants = {t.code_departement: t for t in contrat.territoires.all()}
    for t in src.territoires:
        dep = deps.get(t.code_departement)
        voulu = {"departement_id": dep.pk if dep else None,
                 "population_qpv": t.population, "intitule_source": t.libelle[:300]}
        if t.code_departement and t.code_departement not in deps:
            bilan.lecture.anomalies.append(Signalement(
                FICHIER_CONTRATS, t.enregistrement, t.ligne, "insee_dep",
                f"département « {t.code_departement} » hors du référentiel (collectivité "
                f"d'outre-mer) : {src.reference} n'est rattaché à aucune région"))
        e = existants.pop(t.code_departement, None)
        if e is None:
            TerritoireContrat.objects.create(contrat=contrat,
                                             code_departement=t.code_departement, **voulu)
            bilan.compter("territoires", "crees")
            continue
        changes = {k: v for k, v in voulu.items() if getattr(e, k) != v}
        for k, v in changes.items():
            setattr(e, k, v)
        if changes:
            e.save()
        bilan.compter("territoires", "modifies" if changes else "inchanges")
    for reste in existants.values():
        reste.delete()
        bilan.compter("territoires", "supprimes")


def _placer(p: PosteSource, contrats: dict[str, ContratDeVille],
            regions: dict[str, Region], deps: dict[str, Departement],
            bilan: Bilan) -> dict[str, Any]:
    """Contract, département and région of a post, from its own fields first."""
    contrat = None
    codes = codes_contrat(p.code_cv)
    if not p.code_cv:
        bilan.anomalie(p, "code_cv", "contrat absent : poste non rattaché à un contrat")
    elif len(codes) > 1:
        bilan.anomalie(p, "code_cv", f"« {p.code_cv} » désigne plusieurs contrats "
                       f"({', '.join(codes)}) : poste non rattaché à un contrat")
    elif p.code_cv not in contrats:
        bilan.anomalie(p, "code_cv", f"contrat « {p.code_cv} » inconnu : poste non rattaché")
    else:
        contrat = contrats[p.code_cv]
    dep = deps.get(p.code_departement)
    if p.code_departement and dep is None:
        bilan.anomalie(p, "insee_dep", f"département « {p.code_departement} » hors du "
                       "référentiel")
    elif not p.code_departement and contrat is not None:
        connus = {t.departement for t in contrat.territoires.all() if t.departement}
        if len(connus) == 1:
            dep = connus.pop()
            bilan.anomalie(p, "insee_dep", f"département absent : celui du contrat "
                           f"{contrat.reference} ({dep.code})")
    if dep is None and not p.code_departement:
        bilan.anomalie(p, "insee_dep", "département absent et non déductible du contrat")
    region = regions.get(p.code_region)
    if p.code_region and region is None:
        bilan.anomalie(p, "insee_reg", f"région « {p.code_region} » hors du référentiel")
    elif not p.code_region:
        if dep is not None:
            region = dep.region
            bilan.anomalie(p, "insee_reg", f"région absente : celle du département {dep.code} "
                           "(code officiel géographique)")
        else:
            bilan.anomalie(p, "insee_reg", "région absente : poste placé dans aucune région")
    if region is not None and dep is not None and dep.region_id != region.pk:
        bilan.anomalie(p, "insee_reg", f"région {region.code} différente de celle du "
                       f"département {dep.code} ({dep.region.code}) : celle du fichier gardée")
    return {"contrat_id": contrat.pk if contrat else None,
            "departement_id": dep.pk if dep else None,
            "region_id": region.pk if region else None}


CHAMPS_POSTE = ["programme", "beneficiaire_siret", "beneficiaire_nom", "montant",
                "contrat_id", "code_contrat_source", "code_departement_source",
                "departement_id", "region_id", "source", "enregistrement"]


def _postes(postes: list[PosteSource], contrats: dict[str, ContratDeVille],
            regions: dict[str, Region], deps: dict[str, Departement], bilan: Bilan) -> None:
    cle = ("dispositif", "annee", "identifiant", "code_tiers")
    perimetre = PosteFinance.objects.filter(
        dispositif__in={p.dispositif for p in postes}, annee__in={p.annee for p in postes},
        demonstration=False)
    existants = {tuple(getattr(e, k) for k in cle): e for e in perimetre}
    nouveaux, modifies = [], []
    for p in postes:
        voulu: dict[str, Any] = {
            "programme": str(parametre("contrats.programme_budgetaire",
                                       dt.date(p.annee, 1, 1)).valeur),
            "beneficiaire_siret": p.siret, "beneficiaire_nom": p.nom, "montant": p.montant,
            "code_contrat_source": p.code_cv, "code_departement_source": p.code_departement,
            "source": FICHIERS_POSTES[p.dispositif], "enregistrement": p.enregistrement,
            **_placer(p, contrats, regions, deps, bilan)}
        e = existants.pop((p.dispositif, p.annee, p.identifiant, p.code_tiers), None)
        if e is None:
            nouveaux.append(PosteFinance(dispositif=p.dispositif, annee=p.annee,
                                         identifiant=p.identifiant, code_tiers=p.code_tiers,
                                         **voulu))
            continue
        changes = {k: v for k, v in voulu.items() if getattr(e, k) != v}
        for k, v in changes.items():
            setattr(e, k, v)
        if changes:
            modifies.append(e)
        else:
            bilan.compter("postes", "inchanges")
    PosteFinance.objects.bulk_create(nouveaux, batch_size=1000)
    PosteFinance.objects.bulk_update(modifies, [c.removesuffix("_id") for c in CHAMPS_POSTE],
                                     batch_size=500)
    PosteFinance.objects.filter(pk__in=[e.pk for e in existants.values()]).delete()
    bilan.compter("postes", "crees", len(nouveaux))
    bilan.compter("postes", "modifies", len(modifies))
    bilan.compter("postes", "supprimes", len(existants))


def totaux_registre() -> dict[str, tuple[int, int]]:
    """Posts and cents per scheme in the register (real records only)."""
    rows = PosteFinance.objects.filter(demonstration=False).values("dispositif").annotate(
        n=Count("pk"), s=Sum("montant")).order_by()
    return {r["dispositif"]: (r["n"], int(r["s"] or 0)) for r in rows}


def charger(dossier: Path, appliquer: bool) -> Bilan:
    """Read the three files of ``dossier`` and load them (``appliquer=False``: dry run,
    everything is rolled back). Nothing is written when a file has an error."""
    bilan = Bilan(Lecture())
    contrats_src = lire_contrats(dossier / FICHIER_CONTRATS, bilan.lecture)
    postes_src: list[PosteSource] = []
    for dispositif, nom in FICHIERS_POSTES.items():
        lus = lire_postes(dossier / nom, dispositif, bilan.lecture)
        postes_src += lus
        bilan.fichiers[dispositif] = (len(lus), sum(p.montant for p in lus))
    if bilan.lecture.erreurs:
        return bilan
    with transaction.atomic():
        regions, deps = charger_referentiel()
        epcis = _epcis(contrats_src, deps, bilan)
        contrats = _contrats(contrats_src, epcis, deps, bilan)
        _postes(postes_src, contrats, regions, deps, bilan)
        bilan.registre = totaux_registre()
        bilan.applique = appliquer
        if not appliquer:
            transaction.set_rollback(True)
    return bilan
