"""The web application's view of the register: quartier sheets (EPCI, contract, NPNRU) and
the register endpoints of the API, with the register's role checks (allowed and refused)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]


@dataclass
class Petit:
    qpv: str
    contrat_a: Any
    contrat_b: Any
    chef_a: Any
    lecteur: Any
    sans_role: Any


@pytest.fixture
def petit(settings, point_dedans) -> Petit:  # type: ignore[no-untyped-def]
    """Two EPCIs; EPCI A holds the commune of a real 2024 QPV, its contract and an NPNRU
    project cover it."""
    from django.contrib.auth import get_user_model

    from quartiers.registre.comptes.models import Profil, Role
    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.npnru.models import ProjetNPNRU
    from quartiers.registre.territoires.models import (
        Commune,
        Departement,
        Epci,
        Quartier,
        Region,
    )
    from quartiers.web.fiches import indicateurs

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    fiche = indicateurs.fiche(point_dedans.code)
    assert fiche is not None
    code_commune = fiche["communes"][0]["code"]
    region = Region.objects.create(code="93", nom="Provence-Alpes-Côte d'Azur")
    dep = Departement.objects.create(code=code_commune[:2], nom="Département", region=region)
    epci_a = Epci.objects.create(siren="248400251", nom="Grand Avignon (test)", nature="CA",
                                 departement=dep)
    epci_b = Epci.objects.create(siren="200035319", nom="Autre EPCI (test)", nature="CA",
                                 departement=dep)
    commune = Commune.objects.create(code=code_commune, nom="Commune", departement=dep,
                                     epci=epci_a)
    autre = Commune.objects.create(code="99999", nom="Ailleurs", departement=dep, epci=epci_b)
    q = Quartier.objects.create(code=point_dedans.code, nom=point_dedans.nom, millesime="2024")
    q.communes.set([commune])
    qb = Quartier.objects.create(code="QN99901M", nom="Quartier B", millesime="2024")
    qb.communes.set([autre])
    contrat_a = ContratDeVille.objects.create(reference="CV-A", intitule="Contrat A",
                                              epci=epci_a, date_debut=dt.date(2024, 1, 1))
    contrat_a.quartiers.set([q])
    contrat_b = ContratDeVille.objects.create(reference="CV-B", intitule="Contrat B",
                                              epci=epci_b, date_debut=dt.date(2024, 1, 1))
    contrat_b.quartiers.set([qb])
    projet = ProjetNPNRU.objects.create(reference="NPNRU-A", nom="Projet de renouvellement A",
                                        interet="regional", region=region, epci=epci_a)
    projet.quartiers.set([q])
    User = get_user_model()
    chef = User.objects.create_user("chef_a", password="x-Secret-123")
    Profil.objects.create(user=chef, role=Role.CHEF_PROJET_EPCI, epci=epci_a)
    lecteur = User.objects.create_user("lecteur", password="x-Secret-123")
    Profil.objects.create(user=lecteur, role=Role.LECTEUR)
    sans_role = User.objects.create_user("sans_role", password="x-Secret-123")
    return Petit(point_dedans.code, contrat_a, contrat_b, chef, lecteur, sans_role)


def _jeton(user) -> str:  # type: ignore[no-untyped-def]
    from quartiers.web.api.models import JetonApi

    return JetonApi.creer(user, "test")[1]


def test_fiche_montre_epci_contrat_et_npnru(client, petit):
    html = client.get(f"/quartiers/{petit.qpv}/").content.decode()
    assert "Grand Avignon (test)" in html
    assert "Contrat A" in html and "CV-A" in html
    assert "Projet de renouvellement A" in html
    d = client.get(f"/api/v1/quartiers/{petit.qpv}").json()
    assert d["registre"]["contrats"][0]["reference"] == "CV-A"
    assert d["registre"]["projets_npnru"][0]["reference"] == "NPNRU-A"


def test_fiche_d_un_quartier_connu_du_seul_registre(client, petit):
    r = client.get("/quartiers/QN99901M/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Contrat B" in html and "connu du registre seulement" in html
    assert client.get("/api/v1/quartiers/QN99901M").json()["registre"]["contrats"]


def test_api_registre_lecture_par_role(client, petit):
    assert client.get("/api/v1/registre/contrats").status_code == 401
    r = client.get("/api/v1/registre/contrats",
                   HTTP_AUTHORIZATION=f"Bearer {_jeton(petit.sans_role)}")
    assert r.status_code == 403 and r.json()["code"] == "acces_refuse"
    r = client.get("/api/v1/registre/contrats",
                   HTTP_AUTHORIZATION=f"Bearer {_jeton(petit.lecteur)}")
    assert r.status_code == 200
    assert {c["reference"] for c in r.json()} == {"CV-A", "CV-B"}
    tok = _jeton(petit.lecteur)
    r = client.get("/api/v1/registre/contrats", {"epci": "248400251"},
                   HTTP_AUTHORIZATION=f"Bearer {tok}")
    assert [c["reference"] for c in r.json()] == ["CV-A"]
    r = client.get(f"/api/v1/registre/contrats/{petit.contrat_b.pk}",
                   HTTP_AUTHORIZATION=f"Bearer {tok}")
    assert r.json()["quartiers"] == ["QN99901M"]
    assert client.get("/api/v1/registre/contrats/999999",
                      HTTP_AUTHORIZATION=f"Bearer {tok}").status_code == 404
    r = client.get("/api/v1/registre/npnru", HTTP_AUTHORIZATION=f"Bearer {tok}")
    assert r.json()[0]["quartiers"] == [petit.qpv]


def test_api_registre_ecriture_par_role(client, petit):
    chef = {"HTTP_AUTHORIZATION": f"Bearer {_jeton(petit.chef_a)}"}
    lecteur = {"HTTP_AUTHORIZATION": f"Bearer {_jeton(petit.lecteur)}"}
    url_a = f"/api/v1/registre/contrats/{petit.contrat_a.pk}"
    url_b = f"/api/v1/registre/contrats/{petit.contrat_b.pk}"
    v = petit.contrat_a.version
    r = client.patch(url_a, {"version": v, "intitule": "Contrat A modifié"},
                     content_type="application/json", **chef)
    assert r.status_code == 200, r.content
    assert r.json()["intitule"] == "Contrat A modifié" and r.json()["version"] == v + 1
    # the version read is stale now: optimistic locking answers 409
    r = client.patch(url_a, {"version": v, "intitule": "encore"},
                     content_type="application/json", **chef)
    assert r.status_code == 409 and r.json()["code"] == "conflit"
    # another EPCI's contract, a reader, an unknown status: refused
    r = client.patch(url_b, {"version": petit.contrat_b.version, "intitule": "piraté"},
                     content_type="application/json", **chef)
    assert r.status_code == 403 and r.json()["code"] == "acces_refuse"
    r = client.patch(url_a, {"version": v + 1, "intitule": "lecteur"},
                     content_type="application/json", **lecteur)
    assert r.status_code == 403
    r = client.patch(url_a, {"version": v + 1, "statut": "n_importe_quoi"},
                     content_type="application/json", **chef)
    assert r.status_code == 400 and r.json()["code"] == "requete_invalide"
    r = client.patch(url_a, {"intitule": "sans version"}, content_type="application/json",
                     **chef)
    assert r.status_code == 422
    petit.contrat_b.refresh_from_db()
    assert petit.contrat_b.intitule == "Contrat B"


def test_tableau_de_bord_avec_graphiques(client, petit):
    client.force_login(petit.lecteur)
    html = client.get("/registre/tableaux/region/93/").content.decode()
    # each chart comes after its own heading (the figure's caption)
    assert re.search(r'<figure class="graphique"><figcaption>[^<]+</figcaption><svg role="img"',
                     html)
    assert "Concours ANRU par niveau d" in html


def test_graphique_barres_echappe_et_vide():
    from quartiers.web.accueil.templatetags.graphiques import barres

    assert barres([], titre="rien") == ""
    svg = barres([{"cle": "<script>", "demande": 150_000_000, "accorde": 0, "verse": 0}],
                 titre="Crédits")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "1,5\u00a0M€" in svg
    assert 'style=' not in svg and "fill=" not in svg  # colours from the theme's CSS
