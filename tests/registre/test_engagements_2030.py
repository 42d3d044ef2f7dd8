"""« Engagements Quartiers 2030 » rules, the follow-up of a contract (CPO share, reviews,
what is missing), links to quartiers asserted when the rule cannot be checked, and the
versions every write needs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError


def test_volet_participation_obligatoire_pour_signer(monde: Any) -> None:
    from quartiers.registre.contrats.services import enregistrer_contrat

    ca, admin = monde.contrat_a, monde.users["admin"]
    ca.statut = "signe"
    with pytest.raises(ValidationError) as e:
        enregistrer_contrat(admin, ca, [monde.qa1], ca.version)
    assert "participation citoyenne est obligatoire" in " ".join(e.value.messages)
    ca.participation_citoyenne = "Conseils citoyens des deux quartiers."
    enregistrer_contrat(admin, ca, [monde.qa1], ca.version)
    ca.refresh_from_db()
    assert ca.statut == "signe" and ca.version == 2


def test_dates_des_parametres_dates(monde: Any) -> None:
    from quartiers.parameters.dated import value
    from quartiers.registre.contrats.models import fin_par_defaut

    assert value("contrats.fin_generation_2024").valeur == dt.date(2030, 12, 31)
    assert "31 août 2023" in value("contrats.fin_generation_2024").reference.titre
    assert fin_par_defaut(dt.date(2024, 5, 1), "2024") == dt.date(2030, 12, 31)
    assert value("contrats.duree").valeur == 6 and value("contrats.duree").unite == "annees"
    assert value("contrats.fin_generation_2015", "2021-06-01").valeur == dt.date(2022, 12, 31)
    assert value("contrats.fin_generation_2015").valeur == dt.date(2023, 12, 31)
    assert value("contrats.part_cpo_cible").valeur == 50
    assert value("contrats.programme_budgetaire").valeur == "147"
    for nom in ("debut_generation_2024", "revue_mi_parcours", "periodicite_revue",
                "fin_generation_2015_outre_mer"):
        assert value(f"contrats.{nom}").reference.url.startswith("https://")


def test_revues_indicateurs_et_mi_parcours(monde: Any) -> None:
    from quartiers.registre.contrats.models import RevueAnnuelle
    from quartiers.registre.contrats.suivi import etat_mi_parcours, manques, revue_attendue

    ca = monde.contrat_a
    r = RevueAnnuelle(contrat=ca, annee=2031)
    with pytest.raises(ValidationError, match="hors de la période"):
        r.full_clean()
    r = RevueAnnuelle(contrat=ca, annee=2025, date_reunion=dt.date(2026, 1, 10),
                      indicateurs="Habitants associés ; 120 ; 150\nsans valeur")
    with pytest.raises(ValidationError) as e:
        r.full_clean()
    assert set(e.value.message_dict) == {"date_reunion", "indicateurs"}
    assert "Ligne 2" in " ".join(e.value.message_dict["indicateurs"])
    jour = dt.date(2026, 3, 1)
    assert revue_attendue(ca, jour) == 2025
    assert any("Revue annuelle 2025" in m for m in manques(ca, jour))
    RevueAnnuelle.objects.create(contrat=ca, annee=2025, indicateurs="Habitants ; 120 ; 150")
    assert revue_attendue(ca, jour) is None
    assert RevueAnnuelle(contrat=ca, annee=2027).mi_parcours
    assert etat_mi_parcours(ca, jour) == "a_venir"
    assert etat_mi_parcours(ca, dt.date(2028, 1, 1)) == "en_retard"
    RevueAnnuelle.objects.create(contrat=ca, annee=2027)
    assert etat_mi_parcours(ca, dt.date(2028, 1, 1)) == "faite"
    assert ca.revues.get(annee=2025).lignes_indicateurs() == [("Habitants", "120", "150")]


def test_part_des_credits_en_cpo(monde: Any) -> None:
    from quartiers.registre.contrats.suivi import manques, part_cpo
    from quartiers.registre.financements.models import LigneFinancement

    p = part_cpo(monde.contrat_a)
    assert (p.accorde_etat, p.accorde_cpo, p.taux, p.cible) == (800_000, 0, 0.0, 50.0)
    assert any("CPO : 0.0 % (cible 50 %)" in m for m in manques(monde.contrat_a))
    LigneFinancement.objects.create(action=monde.action_a, partenaire="etat_bop147",
                                    annee=2025, montant_demande=800_000,
                                    montant_accorde=800_000, cpo=True)
    p = part_cpo(monde.contrat_a)
    assert (p.taux, p.atteinte) == (50.0, True)


def test_liens_affirmes_quand_la_regle_ne_peut_pas_etre_verifiee(monde: Any) -> None:
    from quartiers.registre.contrats.services import enregistrer_contrat
    from quartiers.registre.territoires.models import Epci, Quartier

    ca, chef = monde.contrat_a, monde.users["chef_a"]
    # the EPCI's communes are known: checked, and refused outside
    enregistrer_contrat(chef, ca, [monde.qa1], ca.version)
    assert ca.liens.get().verification == "verifie"
    # communes unknown (as for every EPCI loaded from ANCT's list): accepted, asserted
    inconnu = Epci.objects.create(siren="200040590", nom="EPCI sans communes connues",
                                  departement=monde.dep69)
    ca.epci = inconnu
    ca.refresh_from_db(fields=["version"])
    enregistrer_contrat(monde.users["admin"], ca, [monde.qa1, monde.qb1], ca.version)
    liens = {lien.quartier.code: lien for lien in ca.liens.select_related("affirme_par")}
    assert liens["QN03801M"].verification == "non_verifiable"
    assert liens["QN03801M"].affirme_par.username == "admin"
    assert liens["QN06901M"].verification == "non_verifiable"  # carrier changed: rechecked
    sans_commune = Quartier.objects.create(code="QN99998X", nom="Sans commune",
                                           millesime="2024")
    ca.quartiers.add(sans_commune)  # any code path: the guard records what it can check
    assert ca.liens.get(quartier=sans_commune).verification == "non_verifiable"


def test_version_obligatoire_partout(monde: Any, client_de: Any) -> None:
    from quartiers.registre.contrats.services import archiver_contrat, enregistrer_contrat
    from quartiers.registre.financements.services import enregistrer_action

    admin, ca = monde.users["admin"], monde.contrat_a
    ca.intitule = "sans version"
    with pytest.raises(ValidationError, match="Version lue manquante"):
        enregistrer_contrat(admin, ca, [monde.qa1])
    with pytest.raises(ValidationError, match="Version lue manquante"):
        enregistrer_action(admin, monde.action_a, [])
    with pytest.raises(ValidationError, match="Version lue manquante"):
        archiver_contrat(admin, ca, None)
    c = client_de("admin")
    for url, data in ((f"/registre/contrats/{ca.pk}/archiver/", {}),
                      (f"/registre/contrats/{ca.pk}/archiver/", {"version": "abc"}),
                      (f"/registre/contrats/{ca.pk}/archiver/", {"version": "²"})):
        resp = c.post(url, data)
        assert resp.status_code == 400 and "version" in resp.content.decode()
    page = c.get(f"/registre/actions/{monde.action_a.pk}/modifier/").content.decode()
    assert 'name="version"' in page
    ca.refresh_from_db()
    assert ca.intitule == "Contrat A" and not ca.archive
