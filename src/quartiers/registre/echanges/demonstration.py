"""The demo dataset ("données de démonstration") for Auvergne-Rhône-Alpes.

Reproduces the regional figures of the DREETS page (the seed): 45 contrats de ville,
18 NPNRU sites of national interest and 33 of regional interest, 89 MEUR of State concours
for the regional ones in the CPER. What is real and what is invented:

- real: région, départements, communes and urban units (INSEE UU2020), the quartiers
  computed by the delimitation engine for the Lyon urban unit (not an official list: marked
  ``calcul``), the four figures above;
- invented (every object has ``demonstration=True`` and says so in its name): the 45 EPCIs
  (one per urban unit of 10 000 inhabitants or more of the région, the 45 largest, named
  "EPCI de démonstration – <urban unit>" with an invented SIREN), the quartiers outside the
  grid extract ("Quartier fictif"), the contracts' signatories and dates, actions, project
  holders, all amounts, the NPNRU project names and concours.

Demo accounts (password :data:`MOT_DE_PASSE_DEMO` for all, to change on any real server):
see :data:`COMPTES`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from quartiers.registre.comptes.models import Profil, Role
from quartiers.registre.contrats.models import (
    PILIERS,
    Avenant,
    ContratDeVille,
    Engagement,
    Signataire,
)
from quartiers.registre.financements.models import Action, LigneFinancement
from quartiers.registre.npnru.models import EnveloppeCPER, ProjetNPNRU
from quartiers.registre.territoires.models import Commune, Epci, Quartier, Region

REGION = "84"
NB_CONTRATS = 45
NB_NATIONAL, NB_REGIONAL = 18, 33
ENVELOPPE_CENTIMES = 89_000_000 * 100
NB_QUARTIERS_CIBLE = 145  # QPVs of the 2024 list in the région (for the invented ones)
LABEL = "données de démonstration"
MOT_DE_PASSE_DEMO = "demo-quartiers-2024"
# username -> (role, département code, urban unit name of the EPCI, description)
COMPTES: dict[str, tuple[Any, str | None, str | None, str]] = {
    "admin.dreets": (Role.ADMINISTRATEUR, None, None, "administrateur DREETS"),
    "agent.rhone": (Role.AGENT_DEPARTEMENTAL, "69", None, "agent départemental du Rhône"),
    "agent.isere": (Role.AGENT_DEPARTEMENTAL, "38", None, "agent départemental de l'Isère"),
    "chef.lyon": (Role.CHEF_PROJET_EPCI, None, "Lyon",
                  "chef de projet de l'EPCI de démonstration de Lyon"),
    "chef.grenoble": (Role.CHEF_PROJET_EPCI, None, "Grenoble",
                      "chef de projet de l'EPCI de démonstration de Grenoble"),
    "lecteur": (Role.LECTEUR, None, None, "lecteur"),
}
PORTEURS = ["Association fictive Trait d'union", "Centre social fictif Les Tilleuls",
            "Régie de quartier fictive", "Club sportif fictif", "Mission locale (fictive)",
            "Association fictive Lire et faire lire", "Maison de santé fictive"]
ACTIONS = {
    "cohesion_sociale": ["Accompagnement à la scolarité", "Accès aux droits et aux soins",
                         "Ateliers sociolinguistiques"],
    "cadre_de_vie": ["Gestion urbaine de proximité", "Jardins partagés"],
    "emploi": ["Parcours vers l'emploi des jeunes", "Soutien à la création d'entreprise"],
    "transversal": ["Lutte contre les discriminations", "Égalité femmes-hommes"],
}


def siren_fictif(n: int) -> str:
    """An invented SIREN with a valid Luhn key (prefix 9 99: not a real EPCI range)."""
    base = f"999{n:05d}"
    for k in range(10):
        s = base + str(k)
        total = 0
        for i, ch in enumerate(reversed(s)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return s
    raise AssertionError


def _urban_units(region: Region) -> list[tuple[str, str, int, list[Commune]]]:
    """The région's urban units of 10 000+ inhabitants, largest first: (code, name, bracket,
    communes of the région)."""
    from quartiers.config import dataset
    from quartiers.io.urban_units import read_composition

    _c, _u, _n, brackets, _names = read_composition(dataset("uu_composition"))
    communes: dict[str, list[Commune]] = {}
    for c in Commune.objects.filter(departement__region=region).exclude(uu_code="").order_by(
            "code"):
        communes.setdefault(c.uu_code, []).append(c)
    uus = [(code, cs[0].uu_nom, int(brackets.get(code, "0") or 0), cs)
           for code, cs in communes.items() if brackets.get(code, "0") >= "31"]
    uus.sort(key=lambda u: (-u[2], -len(u[3]), u[0]))
    return uus


def charger(log: Callable[[str], None] = print) -> dict[str, Any]:
    region = Region.objects.get(code=REGION)
    rng = random.Random(2024)
    with transaction.atomic():
        uus = _urban_units(region)[:NB_CONTRATS]
        if len(uus) < NB_CONTRATS:
            raise ValueError(f"seulement {len(uus)} unités urbaines éligibles dans la région")
        # EPCIs (invented, one per urban unit)
        epcis: list[tuple[Epci, str, list[Commune]]] = []
        for i, (code, nom, bracket, cs) in enumerate(uus, start=1):
            deps = Counter(c.departement_id for c in cs)
            nature = "ME" if bracket >= 73 else "CA" if bracket >= 51 else "CC"
            e = Epci.objects.create(
                siren=siren_fictif(i), nom=f"EPCI de démonstration – {nom}", nature=nature,
                departement_id=deps.most_common(1)[0][0], demonstration=True)
            Commune.objects.filter(pk__in=[c.pk for c in cs]).update(epci=e)
            epcis.append((e, code, cs))
        # quartiers: computed ones where they exist, invented elsewhere
        calcules = {e.pk: list(Quartier.objects.filter(
            millesime="calcul", communes__epci=e).distinct()) for e, _c, _cs in epcis}
        nb_calc = sum(len(v) for v in calcules.values())
        sans = [(e, code, cs) for e, code, cs in epcis if not calcules[e.pk]]
        a_inventer = max(len(sans), NB_QUARTIERS_CIBLE - nb_calc)
        poids = [len(cs) + 3 for _e, _c, cs in sans]
        parts = [1 + (a_inventer - len(sans)) * p // sum(poids) for p in poids]
        for k in range(a_inventer - sum(parts)):
            parts[k % len(parts)] += 1
        quartiers: dict[int, list[Quartier]] = dict(calcules)
        through = Quartier.communes.through
        for (e, code, cs), n in zip(sans, parts, strict=True):
            centre = next((c for c in cs if c.nom == cs[0].uu_nom.split(" (")[0]), cs[0])
            qs = []
            for k in range(1, n + 1):
                q = Quartier.objects.create(
                    code=f"DEMO-{code}-{k}", millesime="demo",
                    nom=f"Quartier fictif n° {k} – {centre.nom}",
                    population=rng.randrange(1000, 9000),
                    source_population="inventée (données de démonstration)",
                    source="inventé (données de démonstration)")
                through.objects.create(quartier_id=q.pk, commune_id=centre.pk)
                qs.append(q)
            quartiers[e.pk] = qs
        # contracts
        statuts = ([ContratDeVille.SIGNE] * 40 + [ContratDeVille.REVISION] * 3
                   + [ContratDeVille.PREPARATION] * 2)
        contrats = []
        n_actions = n_lignes = 0
        for i, ((e, _code, cs), statut) in enumerate(zip(epcis, statuts, strict=True), start=1):
            dep = e.departement
            c = ContratDeVille(
                reference=f"CV-{dep.code}-{i:02d}",
                intitule=f"Contrat de ville Engagements Quartiers 2030 – {e.nom}",
                epci=e, generation=ContratDeVille.GENERATION_2024,
                date_debut=dt.date(2024, 1, 1), statut=statut, demonstration=True)
            c.full_clean(exclude=["quartiers"])
            c.save()
            c.quartiers.set(quartiers[e.pk])
            contrats.append(c)
            if statut != ContratDeVille.PREPARATION:
                jour = dt.date(2024, 3, 1) + dt.timedelta(days=rng.randrange(0, 200))
                mairie = cs[0].nom
                for org, role in ((f"Préfecture – {dep.nom}", "prefet"),
                                  (e.nom, "president_epci"),
                                  (f"Commune de {mairie}", "maire")):
                    Signataire.objects.create(contrat=c, organisation=org, role=role,
                                              date_signature=jour)
            for code, label in PILIERS:
                Engagement.objects.create(
                    contrat=c, pilier=code, intitule=f"Engagement fictif : {label.lower()}",
                    description=f"Texte inventé ({LABEL}).")
            if statut == ContratDeVille.REVISION:
                Avenant.objects.create(contrat=c, numero=1, date=dt.date(2025, 6, 30),
                                       objet="Avenant fictif de révision à mi-parcours "
                                             f"({LABEL}).")
            for k in range(1, 4):
                pilier = PILIERS[(i + k) % len(PILIERS)][0]
                a = Action.objects.create(
                    reference=f"{c.reference}-A{k}", contrat=c,
                    intitule=f"{rng.choice(ACTIONS[pilier])} (action fictive)",
                    porteur=rng.choice(PORTEURS), pilier=pilier,
                    annee_debut=2024, annee_fin=2025, demonstration=True)
                a.quartiers.set(quartiers[e.pk][:2])
                n_actions += 1
                for annee in (2024, 2025):
                    for partenaire in ("etat_bop147", "epci", "commune", "caf")[: 2 + k % 3]:
                        d = rng.randrange(2_000, 60_000) * 100
                        acc = d * rng.randrange(50, 101) // 100
                        ver = acc if annee == 2024 else acc * rng.randrange(0, 71) // 100
                        lf = LigneFinancement(action=a, partenaire=partenaire, annee=annee,
                                              montant_demande=d, montant_accorde=acc,
                                              montant_verse=ver)
                        lf.full_clean()
                        lf.save()
                        n_lignes += 1
        # NPNRU
        env = EnveloppeCPER.objects.create(
            region=region, montant=ENVELOPPE_CENTIMES, demonstration=True,
            intitule="CPER Auvergne et Rhône-Alpes – NPNRU intérêt régional "
                     "(89 M€ de concours de l'État, chiffre de la DREETS)")
        ordre = sorted(epcis, key=lambda t: -len(quartiers[t[0].pk]))
        nationaux = [ordre[k % len(ordre)] for k in range(NB_NATIONAL)]
        regionaux = [ordre[(NB_NATIONAL + k) % len(ordre)] for k in range(NB_REGIONAL)]
        # 33 regional projects sharing 86.9 MEUR (below the envelope)
        parts_reg = [rng.randrange(150, 400) for _ in range(NB_REGIONAL)]
        total_reg = 86_900_000 * 100
        montants = [total_reg * p // sum(parts_reg) // 100 * 100 for p in parts_reg]
        montants[0] += total_reg - sum(montants)
        vus: Counter[int] = Counter()
        for interet, liste, n0 in ((ProjetNPNRU.NATIONAL, nationaux, 0),
                                   (ProjetNPNRU.REGIONAL, regionaux, NB_NATIONAL)):
            for k, (e, _code, _cs) in enumerate(liste):
                qs = quartiers[e.pk]
                q = qs[vus[e.pk] % len(qs)]
                vus[e.pk] += 1
                if interet == ProjetNPNRU.NATIONAL:
                    concours = rng.randrange(40_000_000, 150_000_000) * 100
                else:
                    concours = montants[k]
                subv = concours * 7 // 10
                etape = ["protocole", "convention", "en_cours", "en_cours", "acheve"][k % 5]
                p = ProjetNPNRU(
                    reference=f"NPNRU-{n0 + k + 1:02d}",
                    nom=f"Projet fictif de renouvellement urbain – {q.nom}",
                    interet=interet, etape=etape, region=region, epci=e,
                    date_protocole=dt.date(2016, 1, 1) + dt.timedelta(days=30 * k),
                    date_convention=None if etape == "protocole" else dt.date(2019, 6, 1)
                    + dt.timedelta(days=20 * k),
                    subventions=subv, prets=concours - subv, demonstration=True)
                p.full_clean()
                p.save()
                p.quartiers.set([q])
        # accounts
        User = get_user_model()
        uu_epci = {cs[0].uu_nom: e for e, _code, cs in epcis}
        for username, (role, dep_code, uu_nom, _desc) in COMPTES.items():
            u = User.objects.filter(username=username).first() or User(username=username)
            u.set_password(MOT_DE_PASSE_DEMO)
            u.is_staff = u.is_superuser = role == Role.ADMINISTRATEUR
            u.save()
            Profil.objects.update_or_create(user=u, defaults={
                "role": role,
                "departement": region.departements.get(code=dep_code) if dep_code else None,
                "epci": uu_epci[uu_nom] if uu_nom else None})
    resume = {"contrats": len(contrats), "actions": n_actions, "financements": n_lignes,
              "npnru_national": len(nationaux), "npnru_regional": len(regionaux),
              "enveloppe": env.montant, "engage_regional": env.engage(),
              "quartiers": sum(len(v) for v in quartiers.values()), "quartiers_calcules": nb_calc}
    log(f"Données de démonstration chargées : {resume}")
    return resume
