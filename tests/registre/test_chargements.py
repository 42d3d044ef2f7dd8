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


def test_charger_demo_reproduit_les_chiffres_regionaux(db: Any, settings: Any) -> None:
    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.echanges import demonstration
    from quartiers.registre.npnru.models import EnveloppeCPER, ProjetNPNRU
    from quartiers.registre.territoires.models import Epci, Quartier

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("charger_territoires", "--regions", "84", stdout=io.StringIO())
    out = io.StringIO()
    call_command("charger_demo", stdout=out)
    assert "demo-quartiers-2024" in out.getvalue()
    contrats = ContratDeVille.objects.filter(epci__departement__region__code="84")
    assert contrats.count() == 45 and not contrats.filter(demonstration=False).exists()
    assert ProjetNPNRU.objects.filter(interet="national").count() == 18
    assert ProjetNPNRU.objects.filter(interet="regional").count() == 33
    env = EnveloppeCPER.objects.get(region__code="84")
    assert env.montant == 89_000_000 * 100
    assert 0 < env.engage() <= env.montant
    # real territories, invented names marked as such
    assert all("démonstration" in n for n in Epci.objects.values_list("nom", flat=True))
    lyon = ContratDeVille.objects.get(epci__nom="EPCI de démonstration – Lyon")
    assert lyon.quartiers.filter(millesime="calcul").exists()  # engine's quartiers
    assert not lyon.quartiers.exclude(millesime="calcul").exists()
    assert all("fictif" in q.nom for q in Quartier.objects.filter(millesime="demo"))
    assert Quartier.objects.filter(contrats__in=contrats).distinct().count() == 145
    for c in contrats.prefetch_related("quartiers__communes"):
        for q in c.quartiers.all():  # rule holds on the demo data
            assert {m.epci_id for m in q.communes.all()} == {c.epci_id}
    # idempotent
    out = io.StringIO()
    call_command("charger_demo", stdout=out)
    assert "déjà chargées" in out.getvalue()
    assert ContratDeVille.objects.count() == 45
    # demo accounts work with their documented password and roles
    for username in demonstration.COMPTES:
        assert Client().login(username=username, password=demonstration.MOT_DE_PASSE_DEMO)
    c = Client()
    c.login(username="chef.lyon", password=demonstration.MOT_DE_PASSE_DEMO)
    assert c.get(f"/registre/contrats/{lyon.pk}/modifier/").status_code == 200
    autre = contrats.exclude(pk=lyon.pk).first()
    assert c.get(f"/registre/contrats/{autre.pk}/modifier/").status_code == 403
    page = c.get("/registre/tableaux/region/84/").content.decode()
    assert "données de démonstration" in page.lower()
    assert "89\u202f000\u202f000,00\u00a0€" in page
