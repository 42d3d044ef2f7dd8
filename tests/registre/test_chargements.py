"""Management commands on the real shared data: territories and the demo dataset."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.realdata


def test_charger_territoires_paca_et_epci_csv(db: Any, tmp_path: Any) -> None:
    from quartiers.registre.territoires.models import Commune, Epci, Quartier

    out = io.StringIO()
    call_command("charger_territoires", "--regions", "93", stdout=out)
    assert "Territoires chargés" in out.getvalue()
    assert Commune.objects.get(code="06088").nom == "Nice"
    assert Commune.objects.get(code="06088").uu_code != ""
    assert not Commune.objects.filter(code="69123").exists()  # région 84 not asked
    q = Quartier.objects.get(code="QN00601M", millesime="2024")
    assert q.nom == "Las Planas - Le Rouret" and q.communes.filter(code="06088").exists()
    assert q.population and q.population > 1000  # from the grid squares
    assert Quartier.objects.filter(millesime="calcul").exists()
    calc = Quartier.objects.filter(millesime="calcul").first()
    assert "non officiel" in calc.source and "(calculé)" in calc.nom
    csv = tmp_path / "epci.csv"
    csv.write_text("siren;nom;commune;nature\n200030195;Métropole Nice Côte d'Azur;06088;ME\n"
                   "200030195;Métropole Nice Côte d'Azur;06027;ME\n", encoding="utf-8")
    call_command("charger_territoires", "--regions", "93", "--sans-quartiers", "--epci",
                 str(csv), stdout=io.StringIO())
    e = Epci.objects.get(siren="200030195")
    assert e.departement.code == "06"
    assert set(e.communes.values_list("code", flat=True)) == {"06088", "06027"}


def test_demonstration_a_part_et_hors_des_totaux_reels(db: Any, settings: Any) -> None:
    """Demonstration records exist only where no real data is published (2024 contracts,
    NPNRU), are labelled on every page and export, and never enter a real total."""
    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.echanges import demonstration
    from quartiers.registre.npnru.models import EnveloppeCPER, ProjetNPNRU
    from quartiers.registre.territoires.models import Epci, Quartier, Region
    from quartiers.registre.territoires.tableaux import indicateurs

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("charger_territoires", "--regions", "84", "--sans-quartiers",
                 stdout=io.StringIO())
    call_command("charger_contrats_anct", "--wet-run", stdout=io.StringIO())
    region = Region.objects.get(code="84")
    avant = indicateurs(region)["reel"]
    epcis_reels = set(Epci.objects.values_list("pk", flat=True))
    out = io.StringIO()
    call_command("charger_demo", stdout=out)
    assert "demo-quartiers-2024" in out.getvalue()
    apres = indicateurs(region)
    # the real totals did not move
    assert apres["reel"] == avant and apres["reel"]["contrats"]["nombre"] == 45
    demo = ContratDeVille.objects.filter(demonstration=True)
    assert apres["demonstration"]["contrats"]["nombre"] == demo.count() == 44
    assert apres["demonstration"]["credits"]["total"]["accorde"] > 0
    assert avant["credits"]["total"] == {"demande": 0, "accorde": 0, "verse": 0}
    # only where no real data exists: 2024 contracts and NPNRU, nothing 2015, no new EPCI
    assert set(demo.values_list("generation", flat=True)) == {"2024"}
    assert set(Epci.objects.values_list("pk", flat=True)) == epcis_reels
    assert not demo.filter(epci__siren=demonstration.SIREN_LYON).exists()
    assert ProjetNPNRU.objects.filter(interet="national", demonstration=True).count() == 18
    assert ProjetNPNRU.objects.filter(interet="regional", demonstration=True).count() == 33
    assert not ProjetNPNRU.objects.filter(demonstration=False).exists()
    env = EnveloppeCPER.objects.get(region=region)
    assert env.demonstration and env.montant == 89_000_000 * 100
    assert all("fictif" in q.nom for q in Quartier.objects.filter(millesime="demo"))
    assert all("démonstration" in c.intitule for c in demo)
    # idempotent
    out = io.StringIO()
    call_command("charger_demo", stdout=out)
    assert "déjà chargées" in out.getvalue() and demo.count() == 44
    # labelled on pages and exports
    for username in demonstration.COMPTES:
        assert Client().login(username=username, password=demonstration.MOT_DE_PASSE_DEMO)
    c = Client()
    c.login(username="lecteur", password=demonstration.MOT_DE_PASSE_DEMO)
    page = c.get("/registre/tableaux/region/84/").content.decode()
    assert "Données de démonstration" in page and "hors de tout total réel" in page
    un = demo.first()
    assert "Données de démonstration" in c.get(f"/registre/contrats/{un.pk}/").content.decode()
    liste = c.get("/registre/contrats/", {"demonstration": "oui", "format": "csv"})
    lignes = liste.content.decode("utf-8-sig").strip().splitlines()
    assert len(lignes) == 45 and all(ligne.endswith(";oui;non") for ligne in lignes[1:])
    export = c.get("/registre/echanges/export/contrats.csv").content.decode("utf-8-sig")
    assert export.count(";oui\r\n") == 44
    # a public quartier sheet never shows demonstration records
    from django.contrib.auth import get_user_model

    from quartiers.web.fiches.registre import infos_registre

    q = un.quartiers.first()
    assert infos_registre(q.code, [])["contrats"] == []
    lecteur = get_user_model().objects.get(username="lecteur")
    assert infos_registre(q.code, [], lecteur)["contrats"][0]["demonstration"]
