"""The web application's view of the register: quartier sheets (EPCI, contract, NPNRU) and
the register endpoints of the API, with the register's role checks (allowed and refused)."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
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


# --- in the browser (headless Debian chromium driven by Playwright) ---------------------

CHROMIUM = os.environ.get("QUARTIERS_CHROMIUM", "/usr/bin/chromium")
navigateur_requis = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="chromium absent : bash scripts/setup.sh --tests l'installe"),
]


@pytest.fixture
def navigateur(live_server, settings):  # type: ignore[no-untyped-def]
    """A page of a fresh browser context on the live server; nothing may leave it."""
    from playwright.sync_api import sync_playwright

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"])
        page = browser.new_context(locale="fr-FR").new_page()
        erreurs: list[str] = []
        dehors: list[str] = []
        page.on("pageerror", lambda e: erreurs.append(str(e)))
        page.on("request", lambda r: dehors.append(r.url)
                if not r.url.startswith((live_server.url, "data:", "blob:")) else None)
        page.base = live_server.url  # type: ignore[attr-defined]
        yield page
        browser.close()
        # the test's ORM calls ran while Playwright's event loop was running: Django kept
        # their connection in that context, where the test database's teardown cannot see it
        from django.db import connections

        connections.close_all()
    assert not erreurs and not dehors, (erreurs, dehors)


def _se_connecter(page, nom: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base + "/connexion/")
    page.fill("input[name='username']", nom)
    page.fill("input[name='password']", "x-Secret-12345")
    page.locator("form button[type='submit']").last.click()
    page.wait_for_load_state()


@dataclass
class Lyon:
    contrat: Any
    epci: Any


@pytest.fixture
def lyon(db) -> Lyon:  # type: ignore[no-untyped-def]
    """A 2015 contract of the Métropole de Lyon as ANCT lists it (no quartier link, no
    signature date), its chef de projet, another EPCI's chef, an agent of another
    département and a reader."""
    from django.contrib.auth import get_user_model

    from quartiers.registre.comptes.models import Profil, Role
    from quartiers.registre.contrats.models import ContratDeVille, Signataire
    from tests.registre.fabriques import auvergne_rhone_alpes

    _, _, d38, epci, autre = auvergne_rhone_alpes()
    contrat = ContratDeVille.objects.create(
        reference="CV246", intitule="Contrat de ville – Métropole de LYON", epci=epci,
        generation="2015", statut="signe", date_fin=dt.date(2023, 12, 31),
        population_qpv=158830)
    Signataire.objects.create(contrat=contrat, organisation="Préfecture du Rhône",
                              role="prefet", date_signature=dt.date(2015, 7, 2))
    User = get_user_model()
    for nom, profil in (("chef.lyon", {"role": Role.CHEF_PROJET_EPCI, "epci": epci}),
                        ("chef.grenoble", {"role": Role.CHEF_PROJET_EPCI, "epci": autre}),
                        ("agent.isere", {"role": Role.AGENT_DEPARTEMENTAL, "departement": d38}),
                        ("lecteur", {"role": Role.LECTEUR})):
        Profil.objects.create(user=User.objects.create_user(nom, password="x-Secret-12345"),
                              **profil)
    return Lyon(contrat, epci)


@pytest.mark.parametrize("nom", ["chef.grenoble", "agent.isere", "lecteur"])
def test_renouvellement_refuse_aux_autres(navigateur, lyon, nom):  # type: ignore[no-untyped-def]
    from quartiers.registre.contrats.models import ContratDeVille

    _se_connecter(navigateur, nom)
    navigateur.goto(navigateur.base + f"/registre/contrats/{lyon.contrat.pk}/")
    assert navigateur.locator("text=Renouveler en Engagements Quartiers 2030").count() == 0
    resp = navigateur.goto(navigateur.base + f"/registre/contrats/{lyon.contrat.pk}/renouveler/")
    assert resp is not None and resp.status == 403
    token = navigateur.evaluate("document.cookie.match(/csrftoken=([^;]+)/)?.[1] || ''")
    r = navigateur.request.post(
        navigateur.base + f"/registre/contrats/{lyon.contrat.pk}/renouveler/",
        form={"csrfmiddlewaretoken": token, "date_debut": "2024-01-01",
              "version": str(lyon.contrat.version)},
        headers={"X-CSRFToken": token, "Referer": navigateur.base + "/"})
    assert r.status == 403
    assert not ContratDeVille.objects.filter(generation="2024").exists()


def test_renouvellement_par_le_chef_de_projet(navigateur, lyon):  # type: ignore[no-untyped-def]
    from quartiers.registre.contrats.models import ContratDeVille

    page = navigateur
    _se_connecter(page, "chef.lyon")
    page.goto(page.base + "/registre/")  # the chef de projet lands on their EPCI
    assert page.url.endswith("/registre/tableaux/epci/200046977/")
    assert page.locator("text=Pas encore renouvelé").count() == 1
    page.click("text=CV246 – Contrat de ville – Métropole de LYON")
    page.click("text=Renouveler en Engagements Quartiers 2030")
    page.wait_for_load_state()
    assert page.locator("text=Préfecture du Rhône").count() == 1  # carried over
    assert page.locator("text=Entrées inconnues").count() == 1  # communes unknown: said
    page.fill("input[name='date_debut']", "2024-03-01")
    page.click("#renouveler")
    page.wait_for_load_state()
    nouveau = ContratDeVille.objects.get(contrat_precedent=lyon.contrat)
    assert page.url.endswith(f"/registre/contrats/{nouveau.pk}/")
    assert (nouveau.epci_id, nouveau.generation, str(nouveau.date_fin)) == (
        lyon.epci.pk, "2024", "2030-12-31")
    assert page.locator("text=repris du contrat précédent : à confirmer").count() == 1
    page.click("button:has-text('Confirmer')")
    page.wait_for_load_state()
    assert not nouveau.signataires.filter(a_confirmer=True).exists()
    assert page.locator("h3:has-text('Volet participation citoyenne')").count() == 1
    page.goto(page.base + f"/registre/contrats/{lyon.contrat.pk}/")
    assert page.locator("text=Renouvelé par").count() == 1


def test_archiver_et_retirer_demandent_confirmation(navigateur, lyon):  # type: ignore[no-untyped-def]
    from quartiers.registre.contrats.models import ContratDeVille, Signataire

    page = navigateur
    Signataire.objects.create(contrat=lyon.contrat, organisation="Partenaire à retirer",
                              role="partenaire")
    _se_connecter(page, "chef.lyon")
    page.goto(page.base + f"/registre/contrats/{lyon.contrat.pk}/")
    page.click("a:has-text('Retirer')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Retirer un élément du contrat"
    page.click("text=Annuler")  # nothing happens without the confirmation
    page.wait_for_load_state()
    assert Signataire.objects.filter(organisation="Partenaire à retirer").exists()
    page.click("a:has-text('Retirer')")
    page.click("#confirmer")
    page.wait_for_load_state()
    assert not Signataire.objects.filter(organisation="Partenaire à retirer").exists()
    page.click("a:has-text('Archiver')")
    page.wait_for_load_state()
    assert "désarchiver" in page.locator("body").inner_text().lower()  # says undo exists
    assert not ContratDeVille.objects.get(pk=lyon.contrat.pk).archive
    page.click("#confirmer")
    page.wait_for_load_state()
    assert ContratDeVille.objects.get(pk=lyon.contrat.pk).archive
    assert page.locator("text=Contrat archivé").count() >= 1
    page.click("a:has-text('Désarchiver')")
    page.click("#confirmer")
    page.wait_for_load_state()
    assert not ContratDeVille.objects.get(pk=lyon.contrat.pk).archive
    assert page.locator("a:has-text('Archiver')").count() == 1


for _test in (test_renouvellement_refuse_aux_autres, test_renouvellement_par_le_chef_de_projet,
              test_archiver_et_retirer_demandent_confirmation):
    for _marque in navigateur_requis:
        _marque(_test)


def test_fiche_publique_sans_donnees_de_demonstration(client, petit):
    """What the public sheet shows is decided by permissions.py: published records only."""
    petit.contrat_a.demonstration = True
    petit.contrat_a.save()
    html = client.get(f"/quartiers/{petit.qpv}/").content.decode()
    assert "Contrat A" not in html and "Projet de renouvellement A" in html
    assert client.get(f"/api/v1/quartiers/{petit.qpv}").json()["registre"]["contrats"] == []


def _poste_et_action(lyon) -> Any:  # type: ignore[no-untyped-def]
    """Synthetic register content of the Lyon contract: a funded post, an action with one
    financing line (enough for every table and chart of the pages to be drawn)."""
    from quartiers.registre.contrats.models import PILIERS
    from quartiers.registre.financements.models import Action, LigneFinancement, PosteFinance

    PosteFinance.objects.create(
        dispositif=PosteFinance.ADULTE_RELAIS, programme="147", annee=2023,
        identifiant="AR-TEST-1", code_tiers="12345678900011", beneficiaire_siret="12345678900011",
        beneficiaire_nom="Association (synthétique)", montant=2_256_500, contrat=lyon.contrat,
        departement=lyon.epci.departement, region=lyon.epci.departement.region,
        source="synthétique", enregistrement=1)
    action = Action.objects.create(reference="ACT-TEST", contrat=lyon.contrat,
                                   intitule="Action (synthétique)", porteur="Association",
                                   pilier=PILIERS[0][0], annee_debut=2022, annee_fin=2023)
    LigneFinancement.objects.create(action=action, partenaire="etat_bop147", annee=2023,
                                    montant_demande=1_000_000, montant_accorde=800_000)
    return action


@pytest.mark.parametrize("telephone", [False, True], ids=["bureau", "telephone-sombre"])
def test_pages_du_registre_sans_defaut_grave_axe(navigateur, lyon, telephone):  # type: ignore[no-untyped-def]
    """Every register page a chef de projet opens: 0 serious or critical axe-core finding,
    on a desktop and on a phone in dark mode."""
    from tests.web.axe import axe_graves

    page = navigateur
    action = _poste_et_action(lyon)
    if telephone:
        page.set_viewport_size({"width": 390, "height": 844})
        page.context.add_init_script("localStorage.setItem('scheme', 'dark')")
    _se_connecter(page, "chef.lyon")
    pk, dep, reg = lyon.contrat.pk, lyon.epci.departement, lyon.epci.departement.region
    pages = [
        "/registre/", "/registre/territoires/", f"/registre/tableaux/region/{reg.code}/",
        f"/registre/tableaux/departement/{dep.code}/", "/registre/tableaux/epci/200046977/",
        f"/registre/tableaux/contrat/{pk}/", "/registre/contrats/", "/registre/contrats/nouveau/",
        f"/registre/contrats/{pk}/", f"/registre/contrats/{pk}/modifier/",
        f"/registre/contrats/{pk}/historique/", f"/registre/contrats/{pk}/renouveler/",
        f"/registre/contrats/{pk}/archiver/", "/registre/actions/", "/registre/actions/postes/",
        f"/registre/actions/{action.pk}/", f"/registre/actions/{action.pk}/modifier/",
        "/registre/npnru/", "/registre/echanges/", "/registre/echanges/importer/",
    ]
    graves: dict[str, list[str]] = {}
    for url in pages:
        resp = page.goto(page.base + url)
        assert resp is not None and resp.status == 200, (url, resp and resp.status)
        bad = axe_graves(page)
        if bad:
            graves[url] = bad
    assert not graves, graves


for _marque in navigateur_requis:
    _marque(test_pages_du_registre_sans_defaut_grave_axe)
