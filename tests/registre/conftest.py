"""Fixtures of the register's tests: Django settings (SQLite by default, PostgreSQL when
``QUARTIERS_DATABASE_URL`` points at one), a small world of real territories built in the
database (two EPCIs in two départements), and one user per role."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartiers.web.settings")

import django

django.setup()

MOT_DE_PASSE = "mot-de-passe-de-test-2024"


@dataclass
class Monde:
    region: Any
    dep69: Any
    dep38: Any
    epci_a: Any  # Lyon area, Rhône
    epci_b: Any  # Grenoble area, Isère
    qa1: Any
    qa2: Any
    qb1: Any
    qx: Any  # straddles both EPCIs
    contrat_a: Any
    contrat_b: Any
    action_a: Any
    action_b: Any
    ligne_a: Any
    ligne_b: Any
    enveloppe: Any
    projet_a: Any
    users: dict[str, Any]


def construire_monde() -> Monde:
    from django.contrib.auth import get_user_model

    from quartiers.registre.comptes.models import Profil, Role
    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.financements.models import Action, LigneFinancement
    from quartiers.registre.npnru.models import EnveloppeCPER, ProjetNPNRU
    from quartiers.registre.territoires.models import Commune, Quartier
    from tests.registre.fabriques import auvergne_rhone_alpes

    region, dep69, dep38, epci_a, epci_b = auvergne_rhone_alpes()
    lyon = Commune.objects.create(code="69123", nom="Lyon", departement=dep69, epci=epci_a)
    vbn = Commune.objects.create(code="69266", nom="Villeurbanne", departement=dep69,
                                 epci=epci_a)
    gre = Commune.objects.create(code="38185", nom="Grenoble", departement=dep38, epci=epci_b)

    def quartier(code: str, nom: str, *communes: Any, pop: int = 2000) -> Any:
        q = Quartier.objects.create(code=code, nom=nom, millesime="2024", population=pop)
        q.communes.set(communes)
        return q

    qa1 = quartier("QN06901M", "Quartier A1", lyon, pop=5000)
    qa2 = quartier("QN06902M", "Quartier A2", vbn, pop=3000)
    qb1 = quartier("QN03801M", "Quartier B1", gre, pop=4000)
    qx = quartier("QN06999M", "Quartier à cheval", lyon, gre)
    contrat_a = ContratDeVille.objects.create(
        reference="CV-A", intitule="Contrat A", epci=epci_a, date_debut=dt.date(2024, 1, 1))
    contrat_a.quartiers.set([qa1, qa2])
    contrat_b = ContratDeVille.objects.create(
        reference="CV-B", intitule="Contrat B", epci=epci_b, date_debut=dt.date(2024, 1, 1))
    contrat_b.quartiers.set([qb1])
    action_a = Action.objects.create(reference="ACT-A", contrat=contrat_a, intitule="Action A",
                                     porteur="Association A", pilier="emploi",
                                     annee_debut=2024, annee_fin=2025)
    action_b = Action.objects.create(reference="ACT-B", contrat=contrat_b, intitule="Action B",
                                     porteur="Association B", pilier="cohesion_sociale",
                                     annee_debut=2024, annee_fin=2025)
    ligne_a = LigneFinancement.objects.create(action=action_a, partenaire="etat_bop147",
                                              annee=2024, montant_demande=1_000_000,
                                              montant_accorde=800_000, montant_verse=0)
    ligne_b = LigneFinancement.objects.create(action=action_b, partenaire="caf", annee=2024,
                                              montant_demande=500_000, montant_accorde=0)
    enveloppe = EnveloppeCPER.objects.create(region=region, intitule="CPER test",
                                             montant=100_000_000)
    projet_a = ProjetNPNRU.objects.create(
        reference="NPNRU-A", nom="Projet A", interet="regional", region=region, epci=epci_a,
        subventions=40_000_000, prets=20_000_000)
    projet_a.quartiers.set([qa1])

    User = get_user_model()
    users: dict[str, Any] = {}
    specs = {
        "admin": (Role.ADMINISTRATEUR, None, None),
        "agent69": (Role.AGENT_DEPARTEMENTAL, dep69, None),
        "chef_a": (Role.CHEF_PROJET_EPCI, None, epci_a),
        "lecteur": (Role.LECTEUR, None, None),
        "sans_role": (None, None, None),
    }
    for name, (role, dep, epci) in specs.items():
        u = User.objects.create_user(name, password=MOT_DE_PASSE)
        if role is not None:
            Profil.objects.create(user=u, role=role, departement=dep, epci=epci)
        users[name] = u
    return Monde(region, dep69, dep38, epci_a, epci_b, qa1, qa2, qb1, qx, contrat_a,
                 contrat_b, action_a, action_b, ligne_a, ligne_b, enveloppe, projet_a, users)


@pytest.fixture
def monde(db: Any, settings: Any) -> Monde:
    # Fast hasher for the fixtures' users; Argon2 itself is tested in test_securite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return construire_monde()


@pytest.fixture
def client_de(monde: Monde) -> Any:
    """``client_de("chef_a")``: a test client logged in as that user."""
    from django.test import Client

    def make(name: str | None) -> Client:
        c = Client()
        if name is not None:
            c.force_login(monde.users[name])
        return c

    return make
