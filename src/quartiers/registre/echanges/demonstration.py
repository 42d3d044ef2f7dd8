"""The demo dataset ("données de démonstration") for Auvergne-Rhône-Alpes, only where no
real data is published: « Engagements Quartiers 2030 » contracts and NPNRU projects.

Real (loaded before, never changed here): région, départements, communes (INSEE), the 45
contrats de ville 2015 of the région and their carrying EPCIs, the posts they fund (ANCT).
Invented, every object marked ``demonstration=True`` and saying so in its name, counted in
no real total: one « Engagements Quartiers 2030 » contract for each of those EPCIs except
the Métropole de Lyon (whose chef de projet shows the real renewal), their « Quartier
fictif » (communes unknown), signatories, priorities, projets de quartier, reviews, actions,
project holders and amounts; the 18 national-interest and 33 regional-interest NPNRU sites
and the 89 MEUR CPER envelope (the seed's regional figures).

Demo accounts (password :data:`MOT_DE_PASSE_DEMO` for all, to change on any real server):
see :data:`COMPTES`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from quartiers.registre.comptes.models import Profil, Role
from quartiers.registre.contrats.models import (
    PILIERS,
    ContratDeVille,
    Priorite,
    ProjetQuartier,
    RevueAnnuelle,
    Signataire,
)
from quartiers.registre.financements.models import Action, LigneFinancement
from quartiers.registre.npnru.models import EnveloppeCPER, ProjetNPNRU
from quartiers.registre.territoires.models import Epci, Quartier, Region

REGION = "84"
NB_NATIONAL, NB_REGIONAL = 18, 33
ENVELOPPE_CENTIMES = 89_000_000 * 100
NB_QUARTIERS_FICTIFS = 105
LABEL = "données de démonstration"
SIREN_LYON, SIREN_GRENOBLE = "200046977", "200040715"
MOT_DE_PASSE_DEMO = "demo-quartiers-2024"
# username -> (role, département code, EPCI SIREN, région code, description)
COMPTES: dict[str, tuple[Any, str | None, str | None, str | None, str]] = {
    "admin.dreets": (Role.ADMINISTRATEUR, None, None, REGION,
                     "administrateur DREETS Auvergne-Rhône-Alpes"),
    "agent.rhone": (Role.AGENT_DEPARTEMENTAL, "69", None, None,
                    "agent départemental du Rhône"),
    "agent.isere": (Role.AGENT_DEPARTEMENTAL, "38", None, None,
                    "agent départemental de l'Isère"),
    "chef.lyon": (Role.CHEF_PROJET_EPCI, None, SIREN_LYON, None,
                  "chef de projet de la Métropole de Lyon"),
    "chef.grenoble": (Role.CHEF_PROJET_EPCI, None, SIREN_GRENOBLE, None,
                      "chef de projet de Grenoble-Alpes-Métropole"),
    "lecteur": (Role.LECTEUR, None, None, None, "lecteur"),
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
PRIORITES = ["Réussite éducative et petite enfance (fictive)",
             "Emploi des jeunes et des femmes (fictive)",
             "Tranquillité publique et cadre de vie (fictive)",
             "Accès aux soins (fictive)"]


def _epcis(region: Region) -> list[Epci]:
    """The real EPCIs carrying a real 2015 contract of the région, the Métropole de Lyon
    last (it gets no demonstration contract)."""
    contrats = ContratDeVille.objects.dans(region).reels().filter(
        generation=ContratDeVille.GENERATION_2015).exclude(epci=None)
    return list(Epci.objects.filter(contrats__in=contrats).distinct().order_by("siren"))


def _contrat(e: Epci, i: int, statut: str, quartiers: list[Quartier],
             rng: random.Random) -> tuple[ContratDeVille, int]:
    c = ContratDeVille(
        reference=f"DEMO-EQ2030-{i:02d}",
        intitule=f"Engagements Quartiers 2030 – {e.nom} (démonstration)", epci=e,
        generation=ContratDeVille.GENERATION_2024, date_debut=dt.date(2024, 1, 1),
        statut=statut, demonstration=True, source=LABEL,
        participation_citoyenne=f"Texte inventé ({LABEL}) : conseils citoyens associés à "
                                "chaque revue annuelle, concertation des habitants.",
        conseils_citoyens=f"Conseil citoyen fictif ({LABEL}).")
    c.full_clean(exclude=["quartiers"])
    c.save()
    c.quartiers.add(*quartiers, through_defaults={"origine": LABEL})
    if statut != ContratDeVille.PREPARATION:
        jour = dt.date(2024, 3, 1) + dt.timedelta(days=rng.randrange(0, 200))
        dep = e.departement.nom if e.departement_id else "département"
        for org, role in ((f"Préfecture – {dep} (fictif)", "prefet"), (e.nom, "president_epci"),
                          ("CAF (fictive)", "caf"), ("Bailleur social fictif", "bailleur")):
            Signataire.objects.create(contrat=c, organisation=org, role=role,
                                      date_signature=jour)
    for p in rng.sample(PRIORITES, 2):
        Priorite.objects.create(contrat=c, intitule=p, concertation=f"Inventé ({LABEL}).")
    for q in quartiers[:2]:
        ProjetQuartier.objects.create(contrat=c, quartier=q,
                                      intitule=f"Projet de quartier fictif – {q.nom}")
    RevueAnnuelle.objects.create(
        contrat=c, annee=2024, date_reunion=dt.date(2024, 11, 15), bilan=f"Bilan inventé "
        f"({LABEL}).", indicateurs="Habitants associés aux instances ; "
        f"{rng.randrange(20, 200)} ; 150\nActions en CPO ; {rng.randrange(20, 60)} % ; 50 %")
    n = 0
    for k in range(1, 4):
        pilier = PILIERS[(i + k) % len(PILIERS)][0]
        a = Action.objects.create(
            reference=f"{c.reference}-A{k}", contrat=c,
            intitule=f"{rng.choice(ACTIONS[pilier])} (action fictive)",
            porteur=rng.choice(PORTEURS), pilier=pilier,
            annee_debut=2024, annee_fin=2025, demonstration=True)
        a.quartiers.set(quartiers[:2])
        for annee in (2024, 2025):
            for partenaire in ("etat_bop147", "epci", "commune", "caf")[: 2 + k % 3]:
                d = rng.randrange(2_000, 60_000) * 100
                acc = d * rng.randrange(50, 101) // 100
                ver = acc if annee == 2024 else acc * rng.randrange(0, 71) // 100
                lf = LigneFinancement(action=a, partenaire=partenaire, annee=annee,
                                      montant_demande=d, montant_accorde=acc,
                                      montant_verse=ver, cpo=rng.random() < 0.5)
                lf.full_clean()
                lf.save()
                n += 1
    return c, n


def _npnru(region: Region, epcis: list[Epci], quartiers: dict[int, list[Quartier]],
           rng: random.Random) -> EnveloppeCPER:
    env = EnveloppeCPER.objects.create(
        region=region, montant=ENVELOPPE_CENTIMES, demonstration=True,
        intitule="CPER Auvergne et Rhône-Alpes – NPNRU intérêt régional "
                 "(89 M€ de concours de l'État, chiffre de la DREETS)")
    ordre = sorted(epcis, key=lambda e: (-len(quartiers[e.pk]), e.siren))
    # 33 regional projects sharing 86.9 MEUR (below the envelope)
    parts = [rng.randrange(150, 400) for _ in range(NB_REGIONAL)]
    total = 86_900_000 * 100
    montants = [total * p // sum(parts) // 100 * 100 for p in parts]
    montants[0] += total - sum(montants)
    for n, (interet, nombre) in enumerate(((ProjetNPNRU.NATIONAL, NB_NATIONAL),
                                           (ProjetNPNRU.REGIONAL, NB_REGIONAL))):
        for k in range(nombre):
            e = ordre[(n * NB_NATIONAL + k) % len(ordre)]
            qs = quartiers[e.pk]
            concours = rng.randrange(40_000_000, 150_000_000) * 100 \
                if interet == ProjetNPNRU.NATIONAL else montants[k]
            subv = concours * 7 // 10
            etape = ["protocole", "convention", "en_cours", "en_cours", "acheve"][k % 5]
            p = ProjetNPNRU(
                reference=f"DEMO-NPNRU-{n * NB_NATIONAL + k + 1:02d}",
                nom=f"Projet fictif de renouvellement urbain – {e.nom}",
                interet=interet, etape=etape, region=region, epci=e,
                date_protocole=dt.date(2016, 1, 1) + dt.timedelta(days=30 * k),
                date_convention=None if etape == "protocole" else dt.date(2019, 6, 1)
                + dt.timedelta(days=20 * k),
                subventions=subv, prets=concours - subv, demonstration=True)
            p.full_clean()
            p.save()
            p.quartiers.set(qs[k % len(qs): k % len(qs) + 1])
    return env


def _comptes(region: Region) -> None:
    User = get_user_model()
    for username, (role, dep, siren, reg, _desc) in COMPTES.items():
        u = User.objects.filter(username=username).first() or User(username=username)
        u.set_password(MOT_DE_PASSE_DEMO)
        u.is_staff = u.is_superuser = role == Role.ADMINISTRATEUR
        u.save()
        Profil.objects.update_or_create(user=u, defaults={
            "role": role, "departement": region.departements.get(code=dep) if dep else None,
            "epci": Epci.objects.get(siren=siren) if siren else None,
            "region": Region.objects.get(code=reg) if reg else None})


def charger(log: Callable[[str], None] = print) -> dict[str, Any]:
    """Load the demo dataset (the real contracts of the région must be loaded first)."""
    region = Region.objects.get(code=REGION)
    rng = random.Random(2024)
    with transaction.atomic():
        epcis = _epcis(region)
        if not any(e.siren == SIREN_LYON for e in epcis):
            raise ValueError("contrats réels de la région absents : chargez d'abord "
                             "charger_contrats_anct --wet-run")
        avec_demo = [e for e in epcis if e.siren != SIREN_LYON]
        # invented quartiers, spread over the EPCIs (communes unknown, never guessed)
        quartiers: dict[int, list[Quartier]] = {e.pk: [] for e in epcis}
        for k in range(NB_QUARTIERS_FICTIFS):
            e = avec_demo[k % len(avec_demo)]
            n = len(quartiers[e.pk]) + 1
            quartiers[e.pk].append(Quartier.objects.create(
                code=f"DEMO-{e.siren}-{n}", millesime="demo",
                nom=f"Quartier fictif n° {n} – {e.nom}",
                population=rng.randrange(1000, 9000),
                source_population=f"inventée ({LABEL})", source=f"inventé ({LABEL})"))
        statuts = ([ContratDeVille.REVISION] * 3 + [ContratDeVille.PREPARATION] * 2
                   + [ContratDeVille.SIGNE] * len(avec_demo))[:len(avec_demo)]
        n_lignes = 0
        for i, (e, statut) in enumerate(zip(avec_demo, statuts, strict=True), start=1):
            _c, n = _contrat(e, i, statut, quartiers[e.pk], rng)
            n_lignes += n
        env = _npnru(region, avec_demo, quartiers, rng)
        _comptes(region)
    resume = {"contrats": len(avec_demo), "financements": n_lignes,
              "npnru_national": NB_NATIONAL, "npnru_regional": NB_REGIONAL,
              "enveloppe": env.montant, "engage_regional": env.engage(),
              "quartiers_fictifs": NB_QUARTIERS_FICTIFS}
    log(f"Données de démonstration chargées : {resume}")
    return resume
