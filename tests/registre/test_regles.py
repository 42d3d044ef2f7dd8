"""The register's rules, enforced server-side with French messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


def _messages(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


def test_periode_par_defaut_et_dates_coherentes(monde: Any) -> None:
    from quartiers.registre.contrats.models import ContratDeVille

    c = ContratDeVille(reference="CV-2015", intitule="x", epci=monde.epci_a,
                       generation="2015", date_debut=dt.date(2015, 7, 1))
    c.full_clean()
    assert c.date_fin == dt.date(2021, 6, 30)  # six years
    assert monde.contrat_a.date_fin == dt.date(2030, 12, 31)  # Engagements Quartiers 2030
    c.date_fin = dt.date(2015, 1, 1)
    with pytest.raises(ValidationError) as e:
        c.full_clean()
    assert "postérieure à la date de début" in _messages(e)
    c2 = ContratDeVille(reference="CV-EQ", intitule="x", epci=monde.epci_a,
                        generation="2024", date_debut=dt.date(2022, 1, 1))
    with pytest.raises(ValidationError) as e:
        c2.full_clean()
    assert "commence en 2024 au plus tôt" in _messages(e)


def test_quartiers_dans_les_communes_de_l_epci(monde: Any) -> None:
    from quartiers.registre.contrats.services import enregistrer_contrat

    admin = monde.users["admin"]
    ca = monde.contrat_a
    with pytest.raises(ValidationError) as e:
        enregistrer_contrat(admin, ca, [monde.qa1, monde.qb1])
    assert "QN03801M" in _messages(e) and "n'est pas dans les communes" in _messages(e)
    with pytest.raises(ValidationError) as e:
        enregistrer_contrat(admin, ca, [monde.qx])
    assert "38185" in _messages(e)  # the commune outside the EPCI is named
    # any code path: direct many-to-many add is refused too
    with pytest.raises(ValidationError), transaction.atomic():
        ca.quartiers.add(monde.qb1)
    with pytest.raises(ValidationError), transaction.atomic():
        monde.qb1.contrats.add(ca)
    assert set(ca.quartiers.all()) == {monde.qa1, monde.qa2}


def test_contrat_signe_archive_jamais_supprime(monde: Any, client_de: Any) -> None:
    from quartiers.registre.contrats.models import ContratDeVille, Signataire

    ca = monde.contrat_a
    Signataire.objects.create(contrat=ca, organisation="Préfecture du Rhône", role="prefet",
                              date_signature=dt.date(2024, 3, 1))
    c = client_de("admin")
    from quartiers.registre.financements.models import Action

    Action.objects.filter(contrat__in=[ca, monde.contrat_b]).delete()
    # deleting asks first: the page names the contract, nothing is deleted yet
    page = c.get(f"/registre/contrats/{ca.pk}/supprimer/").content.decode()
    assert "Supprimer CV-A" in page and "définitive" in page
    resp = c.post(f"/registre/contrats/{ca.pk}/supprimer/", follow=True)
    assert "ne peut pas être supprimé, seulement archivé" in resp.content.decode()
    assert ContratDeVille.objects.filter(pk=ca.pk).exists()
    with pytest.raises(ValidationError), transaction.atomic():
        ca.delete()
    with pytest.raises(ValidationError), transaction.atomic():
        ContratDeVille.objects.filter(pk=ca.pk).delete()
    cb = monde.contrat_b
    cb.statut = "signe"
    cb.save()
    with pytest.raises(ValidationError), transaction.atomic():
        cb.delete()
    # archive: then read-only
    resp = c.post(f"/registre/contrats/{ca.pk}/archiver/", {"version": ca.version})
    assert resp.status_code == 302
    ca.refresh_from_db()
    assert ca.archive
    resp = c.get(f"/registre/contrats/{ca.pk}/modifier/", follow=True)
    assert "archivé : il ne peut plus être modifié" in resp.content.decode()
    from quartiers.registre.contrats.services import enregistrer_contrat

    with pytest.raises(ValidationError) as e:
        enregistrer_contrat(monde.users["admin"], ca, [monde.qa1], ca.version)
    assert "archivé" in _messages(e)
    # an archived contract is never deleted, even unsigned; unarchiving undoes it
    cb.statut = "preparation"
    cb.save()
    cb.archive = True
    cb.save()
    resp = c.post(f"/registre/contrats/{cb.pk}/supprimer/", follow=True)
    assert "archivé : il ne peut pas être supprimé" in resp.content.decode()
    with pytest.raises(ValidationError), transaction.atomic():
        cb.delete()
    cb.refresh_from_db()
    assert c.post(f"/registre/contrats/{cb.pk}/desarchiver/",
                  {"version": cb.version}).status_code == 302
    cb.refresh_from_db()
    assert not cb.archive
    # a contract in preparation without signature can be deleted
    assert c.post(f"/registre/contrats/{cb.pk}/supprimer/").status_code == 302
    assert not ContratDeVille.objects.filter(pk=cb.pk).exists()


def test_montants_positifs_accorde_inferieur_demande(monde: Any) -> None:
    from quartiers.registre.financements.models import LigneFinancement

    lf = LigneFinancement(action=monde.action_a, partenaire="commune", annee=2025,
                          montant_demande=100_000, montant_accorde=150_050)
    with pytest.raises(ValidationError) as e:
        lf.full_clean()
    msg = _messages(e)
    assert "dépasse le montant demandé" in msg and "500,50" in msg  # by how much
    lf.montant_accorde, lf.montant_verse = 100_000, 100_001
    with pytest.raises(ValidationError) as e:
        lf.full_clean()
    assert "dépasse le montant accordé" in _messages(e)
    lf.montant_verse, lf.montant_demande = 0, -5
    with pytest.raises(ValidationError) as e:
        lf.full_clean()
    assert "ne peut pas être négatif" in _messages(e)
    lf.montant_demande, lf.annee = 100_000, 2027
    with pytest.raises(ValidationError) as e:
        lf.full_clean()
    assert "hors des années de l'action" in _messages(e)
    # the database refuses it too, whatever the code path
    with pytest.raises(IntegrityError), transaction.atomic():
        LigneFinancement.objects.filter(pk=monde.ligne_a.pk).update(montant_accorde=10**9)
    with pytest.raises(IntegrityError), transaction.atomic():
        LigneFinancement.objects.filter(pk=monde.ligne_a.pk).update(montant_verse=-1)


def test_montants_saisis_en_euros_exacts(monde: Any, client_de: Any) -> None:
    from quartiers.registre.commun import centimes_en_euros, euros_en_centimes
    from quartiers.registre.financements.models import LigneFinancement

    assert euros_en_centimes("1 234,56") == 123456
    assert euros_en_centimes("0.1") == 10
    for bad in ("12,345", "abc", "", "1e400"):
        with pytest.raises(ValueError):
            euros_en_centimes(bad)
    assert centimes_en_euros(123456) == "1\u202f234,56\u00a0€"
    c = client_de("chef_a")
    url = f"/registre/actions/{monde.action_a.pk}/financements/ajouter/"
    resp = c.post(url, {"partenaire": "region", "annee": 2025, "montant_demande": "1000",
                        "montant_accorde": "1200", "montant_verse": "0"})
    assert resp.status_code == 200
    assert "dépasse le montant demandé" in resp.content.decode()
    resp = c.post(url, {"partenaire": "region", "annee": 2025, "montant_demande": "-3",
                        "montant_accorde": "0", "montant_verse": "0"})
    assert "ne peut pas être négatif" in resp.content.decode()
    resp = c.post(url, {"partenaire": "region", "annee": 2025, "montant_demande": "0,10",
                        "montant_accorde": "0,10", "montant_verse": "0"})
    assert resp.status_code == 302
    assert LigneFinancement.objects.get(action=monde.action_a, partenaire="region") \
        .montant_demande == 10


def test_annees_action_et_quartiers_du_contrat(monde: Any) -> None:
    from quartiers.registre.financements.models import Action
    from quartiers.registre.financements.services import enregistrer_action

    a = Action(reference="ACT-X", contrat=monde.contrat_a, intitule="x", porteur="y",
               pilier="emploi", annee_debut=2023, annee_fin=2024)
    with pytest.raises(ValidationError) as e:
        a.full_clean()
    assert "dans la période du contrat (2024-2030)" in _messages(e)
    a.annee_debut, a.annee_fin = 2026, 2025
    with pytest.raises(ValidationError) as e:
        a.full_clean()
    assert "ne peut pas précéder" in _messages(e)
    a.annee_debut = 2025
    with pytest.raises(ValidationError) as e:
        enregistrer_action(monde.users["admin"], a, [monde.qb1])
    assert "n'est pas couvert par le contrat CV-A" in _messages(e)
    assert not Action.objects.filter(reference="ACT-X").exists()  # rolled back


def test_enveloppe_cper_non_depassee(monde: Any, client_de: Any) -> None:
    from quartiers.registre.npnru.models import ProjetNPNRU
    from quartiers.registre.npnru.services import enregistrer_enveloppe, enregistrer_projet

    admin = monde.users["admin"]
    # envelope 1 000 000 €, already 600 000 € engaged by projet A
    p = ProjetNPNRU(reference="NPNRU-B", nom="B", interet="regional", region=monde.region,
                    epci=monde.epci_b, subventions=30_000_000, prets=15_000_000)
    with pytest.raises(ValidationError) as e:
        enregistrer_projet(admin, p, [monde.qb1])
    msg = _messages(e)
    assert "dépasseraient l'enveloppe CPER" in msg
    assert "50\u202f000,00\u00a0€" in msg  # by how much: 1 050 000 - 1 000 000
    assert not ProjetNPNRU.objects.filter(reference="NPNRU-B").exists()
    p.prets = 10_000_000  # exactly the envelope
    enregistrer_projet(admin, p, [monde.qb1])
    # national interest projects are outside the CPER envelope
    n = ProjetNPNRU(reference="NPNRU-N", nom="N", interet="national", region=monde.region,
                    subventions=10**12)
    enregistrer_projet(admin, n, [])
    # the envelope cannot be lowered below what is engaged
    env = monde.enveloppe
    env.montant = 90_000_000
    with pytest.raises(ValidationError) as e:
        enregistrer_enveloppe(admin, env)
    assert "dépassent ce montant de 100\u202f000,00\u00a0€" in _messages(e)
    # and the page shows it
    resp = client_de("admin").post(f"/registre/npnru/{monde.projet_a.pk}/modifier/", {
        "reference": "NPNRU-A", "nom": "Projet A", "interet": "regional",
        "etape": "protocole", "region": monde.region.pk, "epci": monde.epci_a.pk,
        "quartiers": [monde.qa1.pk], "subventions": "500000", "prets": "200000",
        "version": 1})
    assert resp.status_code == 200
    assert "dépasseraient l&#x27;enveloppe CPER" in resp.content.decode()


def test_etapes_et_dates_npnru(monde: Any) -> None:
    from quartiers.registre.npnru.models import ProjetNPNRU

    p = ProjetNPNRU(reference="NP-D", nom="D", interet="national", region=monde.region,
                    etape="convention", date_protocole=dt.date(2018, 1, 1))
    with pytest.raises(ValidationError) as e:
        p.full_clean()
    assert "doit avoir sa date de signature" in _messages(e)
    p.date_convention = dt.date(2017, 1, 1)
    with pytest.raises(ValidationError) as e:
        p.full_clean()
    assert "ne peut pas précéder le protocole" in _messages(e)
    p.subventions = -1
    p.date_convention = dt.date(2019, 1, 1)
    with pytest.raises(ValidationError) as e:
        p.full_clean()
    assert "négatif" in _messages(e)


def test_siren_et_signataires(monde: Any) -> None:
    from quartiers.registre.contrats.models import Avenant, Signataire
    from quartiers.registre.territoires.models import valider_siren

    valider_siren("200046977")
    for bad in ("20004697", "200046978", "abcdefghi"):
        with pytest.raises(ValidationError):
            valider_siren(bad)
    s = Signataire(contrat=monde.contrat_a, organisation="x", role="maire",
                   date_signature=dt.date(2031, 1, 1))
    with pytest.raises(ValidationError) as e:
        s.full_clean()
    assert "postérieure à la fin du contrat" in _messages(e)
    a = Avenant(contrat=monde.contrat_a, numero=1, date=dt.date(2023, 1, 1), objet="x")
    with pytest.raises(ValidationError) as e:
        a.full_clean()
    assert "ne peut pas précéder le début du contrat" in _messages(e)


def test_tableau_de_bord_chiffres(monde: Any, client_de: Any) -> None:
    from quartiers.registre.territoires.tableaux import indicateurs

    ind = indicateurs(monde.region)
    reel = ind["reel"]
    assert reel["contrats"]["nombre"] == 2 and ind["demonstration"] is None
    assert reel["contrats"]["quartiers"] == 3
    assert reel["credits"]["total"] == {"demande": 1_500_000, "accorde": 800_000, "verse": 0}
    assert {r["cle"]: r["accorde"] for r in reel["credits"]["par_partenaire"]} == {
        "État (BOP 147)": 800_000, "CAF": 0}
    assert reel["npnru"][1]["nombre"] == 1 and reel["npnru"][1]["concours"] == 60_000_000
    assert ind["enveloppe"]["reste"] == 40_000_000
    dep = indicateurs(monde.dep38)
    assert dep["reel"]["contrats"]["nombre"] == 1
    epci = indicateurs(monde.epci_a)
    assert epci["reel"]["contrats"]["quartiers"] == 2 and epci["reel"]["npnru"][1]["nombre"] == 1
    page = client_de("lecteur").get("/registre/tableaux/region/84/").content.decode()
    assert "Cohésion sociale" in page
