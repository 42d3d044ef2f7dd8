"""Renewal of a 2015 contract into an « Engagements Quartiers 2030 » one: the matching of
2015 and 2024 quartiers by perimeter overlap (on synthetic perimeter sets, marked so), only
where both lists cover the place, and the renewal itself (rules and permissions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
import shapely
from django.core.exceptions import PermissionDenied, ValidationError

from quartiers.eligibility.coverage import Coverage
from quartiers.perimeters import PerimeterSet
from quartiers.registre.contrats.renouvellement import INCONNU, MAINTENU, SORTI, rapprocher


def _ensemble(millesime: str, quartiers: list[tuple[str, str, tuple[float, ...]]],
              couverture: set[str]) -> PerimeterSet:
    """A synthetic perimeter set: (code, commune, box in Lambert-93 metres), complete for
    the communes of ``couverture``."""
    return PerimeterSet(
        codes=np.array([q[0] for q in quartiers], dtype=object),
        names=np.array([f"{q[0]} (synthétique)" for q in quartiers], dtype=object),
        communes=np.array([q[1] for q in quartiers], dtype=object),
        departements=np.array([q[1][:2] for q in quartiers], dtype=object),
        geometry=np.array([shapely.box(*q[2]) for q in quartiers], dtype=object),
        millesime=millesime, source="synthétique",
        coverage=Coverage.of_codes(sorted(couverture), "couverture synthétique"))


P2015 = _ensemble("2015", [
    ("QP_A", "11111", (0, 0, 1000, 1000)),        # overlapped by QN_A: maintained
    ("QP_B", "11111", (5000, 0, 6000, 1000)),     # nothing in 2024: leaves the list
    ("QP_C", "22222", (9000, 0, 9500, 500)),      # 2024 file silent there: unknown
    ("QP_D", "11111", (0, 2000, 1000, 3000)),     # only a sliver along QN_A: leaves
    ("QP_E", "", (20000, 0, 21000, 1000)),        # communes unknown: unknown
], {"11111", "22222", "44444"})
P2024 = _ensemble("2024", [
    ("QN_A", "11111", (200, 200, 1200, 2005)),    # 64 % of QP_A, 0.4 % of QP_D
    ("QN_B", "11111", (3000, 3000, 3500, 3500)),  # new quartier of the territory: enters
    ("QN_C", "33333", (7000, 7000, 7500, 7500)),  # 2015 file silent there: unknown
    ("QN_D", "44444", (0, 9000, 500, 9500)),      # outside the territory
], {"11111", "33333", "44444"})


def test_rapprochement_seulement_ou_les_deux_listes_couvrent() -> None:
    p = rapprocher(["QP_A", "QP_B", "QP_C", "QP_D", "QP_E", "QP_Z"], P2015, P2024,
                   {"11111", "22222", "33333"})
    etats = {c.code: c for c in p.correspondances}
    assert etats["QP_A"].etat == MAINTENU
    assert [(code, round(part, 2)) for code, _n, part in etats["QP_A"].codes_2024] == [
        ("QN_A", 0.64)]
    assert etats["QP_B"].etat == SORTI and "sort de la liste" in etats["QP_B"].motif
    assert etats["QP_C"].etat == INCONNU and "ne couvre pas" in etats["QP_C"].motif
    assert etats["QP_D"].etat == SORTI  # 0.5 % is a sliver, not an overlap
    assert etats["QP_E"].etat == INCONNU and "communes du quartier inconnues" in \
        etats["QP_E"].motif
    assert etats["QP_Z"].etat == INCONNU and "absent des fichiers" in etats["QP_Z"].motif
    assert [c for c, _n in p.entrants] == ["QN_B"]
    assert [c for c, _n in p.sans_correspondance] == ["QN_C"]
    assert p.codes_2024 == ["QN_A", "QN_B"]


def test_entrees_inconnues_sans_les_communes_du_porteur() -> None:
    p = rapprocher(["QP_A"], P2015, P2024, None)
    assert p.entrants == [] and "communes du porteur inconnues" in p.entrants_inconnus
    assert p.codes_2024 == ["QN_A"]


@pytest.mark.realdata
def test_fichiers_partages_correspondance_inconnue(monde: Any) -> None:
    """With the shared files the 2015 list (Occitanie, Rennes, Saint-Malo) and the 2024
    list (PACA) cover no common commune: every correspondence is unknown."""
    from quartiers.perimeters import load_perimeters
    from quartiers.registre.contrats.renouvellement import passage
    from quartiers.registre.territoires.models import Quartier

    p15, p24 = load_perimeters("2015"), load_perimeters("2024")
    assert p15.coverage is not None and p24.coverage is not None
    assert p15.coverage.kind == p24.coverage.kind == "declaree"  # couverture-communes.csv
    c15, c24 = set(p15.coverage.codes.tolist()), set(p24.coverage.codes.tolist())
    assert c15 and c24 and not c15 & c24
    q = Quartier.objects.create(code=str(p15.codes[0]), nom=str(p15.names[0]),
                                millesime="2015")
    contrat = _contrat_2015(monde, [q])
    (c,) = passage(contrat).correspondances
    assert c.etat == INCONNU and "ne couvre pas ses communes" in c.motif


def _contrat_2015(monde: Any, quartiers: list[Any]) -> Any:
    from quartiers.registre.contrats.models import ContratDeVille, Signataire

    c = ContratDeVille.objects.create(
        reference="CV-2015", intitule="Contrat 2015 (test)", epci=monde.epci_a,
        generation="2015", statut="signe", date_debut=dt.date(2015, 6, 1),
        date_fin=dt.date(2023, 12, 31))
    c.quartiers.add(*quartiers)
    Signataire.objects.create(contrat=c, organisation="Préfecture du Rhône", role="prefet",
                              date_signature=dt.date(2015, 6, 1))
    Signataire.objects.create(contrat=c, organisation="Métropole de Lyon",
                              role="president_epci", date_signature=dt.date(2015, 6, 1))
    return c


def test_renouvellement_service(monde: Any) -> None:
    from quartiers.registre.commun import Conflit
    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.contrats.renouvellement import renouveler

    ancien = _contrat_2015(monde, [monde.qa1])
    chef, autre = monde.users["chef_a"], monde.users["lecteur"]
    with pytest.raises(PermissionDenied):
        renouveler(autre, ancien, dt.date(2024, 3, 1), ancien.version, ["QN06902M"])
    with pytest.raises(Conflit):
        renouveler(chef, ancien, dt.date(2024, 3, 1), ancien.version + 1, ["QN06902M"])
    nouveau = renouveler(chef, ancien, dt.date(2024, 3, 1), ancien.version, ["QN06902M"])
    assert (nouveau.epci, nouveau.generation, nouveau.statut) == (monde.epci_a, "2024",
                                                                  "preparation")
    assert nouveau.contrat_precedent == ancien and nouveau.date_fin == dt.date(2030, 12, 31)
    assert [(s.organisation, s.a_confirmer, s.date_signature) for s in
            nouveau.signataires.order_by("id")] == [
        ("Préfecture du Rhône", True, None), ("Métropole de Lyon", True, None)]
    lien = nouveau.liens.get()
    assert lien.quartier == monde.qa2 and lien.affirme_par == chef
    assert "renouvellement de CV-2015" in lien.origine
    assert ContratDeVille.objects.get(pk=ancien.pk).quartiers.get() == monde.qa1  # untouched
    with pytest.raises(ValidationError, match="déjà été renouvelé"):
        renouveler(chef, ancien, dt.date(2024, 3, 1), ancien.version, [])
    with pytest.raises(ValidationError, match="génération 2015"):
        renouveler(chef, nouveau, dt.date(2024, 3, 1), nouveau.version, [])


def test_renouvellement_par_les_pages(monde: Any, client_de: Any) -> None:
    from quartiers.registre.contrats.models import ContratDeVille

    ancien = _contrat_2015(monde, [])
    url = f"/registre/contrats/{ancien.pk}/renouveler/"
    assert client_de("lecteur").get(url).status_code == 403
    autre = client_de("agent69")  # agent of the département: allowed, but check chef
    assert autre.get(url).status_code == 200
    chef = client_de("chef_a")
    page = chef.get(url).content.decode()
    assert "Aucun quartier lié au contrat 2015" in page
    resp = chef.post(url, {"date_debut": "2023-06-01", "version": ancien.version})
    assert resp.status_code == 200 and "au plus tôt" in resp.content.decode()
    resp = chef.post(url, {"date_debut": "2024-02-01"})
    assert resp.status_code == 200 and not ContratDeVille.objects.filter(
        contrat_precedent=ancien).exists()  # no version: refused, nothing created
    resp = chef.post(url, {"date_debut": "2024-02-01", "version": ancien.version})
    assert resp.status_code == 302
    nouveau = ContratDeVille.objects.get(contrat_precedent=ancien)
    assert resp["Location"] == f"/registre/contrats/{nouveau.pk}/"
    page = chef.get(resp["Location"]).content.decode()
    assert "à confirmer" in page and "Renouvelle" in page
