"""Import (dry run listing every error by line and field, all-or-nothing) and export."""

from __future__ import annotations

import io
from typing import Any

import pytest

from quartiers.registre.echanges.importation import Rapport, importer

ENTETE_C = "reference;intitule;epci_siren;generation;date_debut;date_fin;statut;quartiers"
ENTETE_CP = ENTETE_C + ";participation_citoyenne"
ENTETE_A = "reference;contrat;intitule;porteur;pilier;quartiers;annee_debut;annee_fin"
ENTETE_F = "action;partenaire;annee;montant_demande;montant_accorde;montant_verse"


def _csv(*lignes: str) -> bytes:
    return ("\n".join(lignes) + "\n").encode("utf-8")


def _erreurs(r: Rapport) -> set[tuple[int, str]]:
    return {(e.ligne, e.champ) for e in r.erreurs}


def _msg(r: Rapport, ligne: int, champ: str) -> str:
    return " ".join(e.message for e in r.erreurs if e.ligne == ligne and e.champ == champ)


def test_contrats_essai_puis_application(monde: Any) -> None:
    from quartiers.registre.contrats.models import ContratDeVille

    admin = monde.users["admin"]
    data = _csv(ENTETE_CP,
                "CV-N1;Nouveau 1;200046977;2024;2024-01-01;;signé;QN06901M;Conseil citoyen",
                "CV-N2;Nouveau 2;200040715;2024;01/02/2024;2030-12-31;preparation;QN03801M;",
                "CV-A;Contrat A renommé;200046977;2024;2024-01-01;;preparation;"
                '"QN06901M;QN06902M";')
    r = importer("c.csv", data, "contrats", admin, appliquer=False)
    assert r.ok and not r.applique, r.erreurs
    assert r.crees == {"contrats": 2} and r.modifies == {"contrats": 1}
    assert not ContratDeVille.objects.filter(reference__startswith="CV-N").exists()
    assert ContratDeVille.objects.get(reference="CV-A").intitule == "Contrat A"
    r = importer("c.csv", data, "contrats", admin, appliquer=True)
    assert r.applique
    n1 = ContratDeVille.objects.get(reference="CV-N1")
    assert n1.statut == "signe" and [q.code for q in n1.quartiers.all()] == ["QN06901M"]
    assert ContratDeVille.objects.get(reference="CV-A").intitule == "Contrat A renommé"
    assert n1.history.order_by("history_date", "history_id").first().history_type == "+"
    # the links to quartiers record who asserted them, and when
    lien = n1.liens.get()
    assert lien.affirme_par == admin and lien.origine == "import de fichier"
    assert lien.verification == "verifie"  # the EPCI's communes are known here
    # a signed « Engagements Quartiers 2030 » contract needs its participation section
    sans = _csv(ENTETE_C, "CV-N3;Nouveau 3;200046977;2024;2024-01-01;;signé;")
    r = importer("c.csv", sans, "contrats", admin, appliquer=False)
    assert _erreurs(r) == {(2, "participation_citoyenne")}


def test_contrats_toutes_les_erreurs_par_ligne_et_champ(monde: Any) -> None:
    from quartiers.registre.contrats.models import ContratDeVille

    data = _csv(ENTETE_C,
                "CV-OK;Bon;200046977;2024;2024-01-01;;;QN06901M",            # 2 ok
                ";Sans référence;200046977;2024;2024-01-01;;;",              # 3
                "CV-E4;Inconnu;999999999;2024;2024-01-01;;;",               # 4
                "CV-E5;Date;200046977;2024;2024-13-45;;;",                  # 5
                "CV-E6;Fin;200046977;2024;2024-06-01;2024-01-01;;",         # 6
                "CV-E7;Statut;200046977;2024;2024-01-01;;valide;",          # 7
                "CV-E8;Quartier;200046977;2024;2024-01-01;;;QN99999X",      # 8
                "CV-E9;Hors EPCI;200046977;2024;2024-01-01;;;QN03801M",     # 9
                "CV-OK;Doublon;200046977;2024;2024-01-01;;;",               # 10
                "CV-E11;Génération;200046977;2030;2024-01-01;;;",           # 11
                "CV-E12;EQ2030 trop tôt;200046977;2024;2020-01-01;;;",      # 12
                )
    r = importer("c.csv", data, "contrats", monde.users["admin"], appliquer=True)
    assert not r.applique
    assert _erreurs(r) == {
        (3, "reference"), (4, "epci_siren"), (5, "date_debut"), (6, "date_fin"),
        (7, "statut"), (8, "quartiers"), (9, "quartiers"), (10, "reference"),
        (11, "generation"), (12, "date_debut")}
    assert "obligatoire" in _msg(r, 3, "reference")
    assert "999999999" in _msg(r, 4, "epci_siren")
    assert "2024-13-45" in _msg(r, 5, "date_debut")
    assert "postérieure" in _msg(r, 6, "date_fin")
    assert "valeurs possibles" in _msg(r, 7, "statut")
    assert "QN99999X" in _msg(r, 8, "quartiers") and "inconnu" in _msg(r, 8, "quartiers")
    assert "n'est pas dans les communes" in _msg(r, 9, "quartiers")
    assert "déjà ligne 2" in _msg(r, 10, "reference")
    # all-or-nothing: the good row 2 was not written either
    assert not ContratDeVille.objects.filter(reference="CV-OK").exists()


def test_import_refuse_hors_perimetre(monde: Any) -> None:
    from quartiers.registre.contrats.models import ContratDeVille

    data = _csv(ENTETE_C, "CV-A;A modifié;200046977;2024;2024-01-01;;;",
                "CV-B;B piraté;200040715;2024;2024-01-01;;;")
    r = importer("c.csv", data, "contrats", monde.users["chef_a"], appliquer=True)
    assert _erreurs(r) == {(3, "reference")}
    assert "refusé" in _msg(r, 3, "reference")
    assert ContratDeVille.objects.get(reference="CV-A").intitule == "Contrat A"
    r = importer("c.csv", data, "contrats", monde.users["lecteur"], appliquer=False)
    assert _erreurs(r) == {(2, "reference"), (3, "reference")}


def test_actions_et_financements_erreurs(monde: Any) -> None:
    from quartiers.registre.financements.models import LigneFinancement

    admin = monde.users["admin"]
    actions = _csv(ENTETE_A,
                   "ACT-N;CV-A;Nouvelle;Asso;emploi;QN06901M;2024;2025",   # 2 ok
                   "ACT-2;CV-Z;x;y;emploi;;2024;2025",                    # 3 unknown contract
                   "ACT-3;CV-A;x;y;sport;;2024;2025",                     # 4 pillar
                   "ACT-4;CV-A;x;y;emploi;;20x4;2025",                    # 5 year
                   "ACT-5;CV-A;x;y;emploi;;2020;2021",                    # 6 outside contract
                   "ACT-6;CV-A;x;y;emploi;QN03801M;2024;2025",            # 7 quartier
                   "ACT-7;CV-A;;y;emploi;;2024;2025")                     # 8 title missing
    r = importer("a.csv", actions, "actions", admin, appliquer=True)
    assert _erreurs(r) == {(3, "contrat"), (4, "pilier"), (5, "annee_debut"),
                           (6, "annee_debut"), (7, "quartiers"), (8, "intitule")}
    assert "période du contrat" in _msg(r, 6, "annee_debut")
    assert "n'est pas couvert" in _msg(r, 7, "quartiers")
    credits = _csv(ENTETE_F,
                   "ACT-A;etat_bop147;2025;10 000,00;8000;0",            # 2 ok
                   "ACT-Z;caf;2024;1;1;0",                               # 3 unknown action
                   "ACT-A;banque;2024;1;1;0",                            # 4 partner
                   "ACT-A;caf;2024;-10;0;0",                             # 5 negative
                   "ACT-A;epci;2024;abc;0;0",                            # 6 not an amount
                   "ACT-A;commune;2024;10,123;0;0",                      # 7 decimals
                   "ACT-A;region;2024;100;150;0",                        # 8 granted > requested
                   "ACT-A;departement;2024;100;100;120",                 # 9 paid > granted
                   "ACT-A;autre;2031;1;1;0",                             # 10 year outside
                   "ACT-A;etat_bop147;2025;1;1;0")                       # 11 duplicate
    r = importer("f.csv", credits, "financements", admin, appliquer=True)
    assert _erreurs(r) == {(3, "action"), (4, "partenaire"), (5, "montant_demande"),
                           (6, "montant_demande"), (7, "montant_demande"),
                           (8, "montant_accorde"), (9, "montant_verse"), (10, "annee"),
                           (11, "action")}
    assert "dépasse le montant demandé" in _msg(r, 8, "montant_accorde")
    assert "deux décimales" in _msg(r, 7, "montant_demande")
    assert not LigneFinancement.objects.filter(annee=2025, action=monde.action_a).exists()
    ok = _csv(ENTETE_F, "ACT-A;etat_bop147;2025;10 000,00;8000;0",
              "ACT-A;etat_bop147;2024;10000;9000,5;0")  # update of the existing line
    r = importer("f.csv", ok, "financements", admin, appliquer=True)
    assert r.applique and r.crees == {"financements": 1} and r.modifies == {"financements": 1}
    assert LigneFinancement.objects.get(action=monde.action_a, annee=2025).montant_demande \
        == 1_000_000
    assert LigneFinancement.objects.get(action=monde.action_a, annee=2024).montant_accorde \
        == 900_050


def test_fichiers_invalides(monde: Any) -> None:
    admin = monde.users["admin"]
    r = importer("c.csv", _csv("reference;intitule"), "contrats", admin, appliquer=False)
    assert {(e.ligne, e.champ) for e in r.erreurs} == {(1, "epci_siren"), (1, "date_debut")}
    assert all("colonne obligatoire absente" in e.message for e in r.erreurs)
    r = importer("c.csv", _csv(ENTETE_C), "contrats", admin, appliquer=False)
    assert "aucune ligne" in r.erreurs[0].message
    r = importer("c.csv", b"", "contrats", admin, appliquer=False)
    assert "vide" in r.erreurs[0].message
    r = importer("c.xlsx", b"PK\x03\x04pas un zip", "contrats", admin, appliquer=False)
    assert "XLSX lisible" in r.erreurs[0].message
    r = importer("c.pdf", b"%PDF-1.4", "contrats", admin, appliquer=False)
    assert "CSV, XLSX ou ODS attendu" in r.erreurs[0].message
    r = importer("c.csv", b"\x00\x01\x02binaire", "contrats", admin, appliquer=False)
    assert "contenu binaire" in r.erreurs[0].message
    # a line with a field too many is reported on its own line, never shifted or cut
    r = importer("c.csv", _csv(ENTETE_C, "CV-X;X;200046977;2024;2024-01-01;;signé;QN06901M;trop"),
                 "contrats", admin, appliquer=False)
    assert [(e.ligne, e.message) for e in r.erreurs] == [
        (2, "ligne illisible : 9 champ(s) au lieu de 8")]
    # Windows-1252 CSV with commas is read too
    data = (ENTETE_C.replace(";", ",") + "\nCV-W,Contrat é,200046977,2024,2024-01-01,,,\n"
            ).encode("cp1252")
    r = importer("w.csv", data, "contrats", admin, appliquer=True)
    assert r.applique, r.erreurs


def test_export_puis_reimport_xlsx_aller_retour(monde: Any, client_de: Any) -> None:
    from openpyxl import load_workbook

    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.financements.models import LigneFinancement

    c = client_de("lecteur")
    resp = c.get("/registre/echanges/export/tout.xlsx")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["contrats", "actions", "financements"]
    rows = list(wb["financements"].iter_rows(values_only=True))
    assert rows[0] == ("action", "partenaire", "annee", "montant_demande", "montant_accorde",
                       "montant_verse", "demonstration")
    assert ("ACT-A", "etat_bop147", 2024, "10000.00", "8000.00", "0.00", "non") in rows
    csv_resp = c.get("/registre/echanges/export/contrats.csv")
    text = csv_resp.content.decode("utf-8-sig")
    from quartiers.registre.echanges.formats import COLONNES

    assert text.splitlines()[0].split(";") == COLONNES["contrats"]
    assert "CV-A;Contrat A;200046977;2024;2024-01-01;2030-12-31;preparation;QN06901M;QN06902M" \
        not in text  # quartiers are one field, quoted when needed
    assert "QN06901M;QN06902M" in text
    # modify the workbook and re-import everything (all three sheets)
    wb["contrats"]["B2"] = "Contrat A (réimporté)"
    buf = io.BytesIO()
    wb.save(buf)
    avant = LigneFinancement.objects.count()
    r = importer("tout.xlsx", buf.getvalue(), "contrats", monde.users["admin"],
                 appliquer=True)
    assert r.applique, r.erreurs
    assert r.modifies == {"contrats": 2, "actions": 2, "financements": 2}
    assert ContratDeVille.objects.get(reference="CV-A").intitule == "Contrat A (réimporté)"
    assert LigneFinancement.objects.count() == avant
    # csv round trip unchanged
    r = importer("c.csv", csv_resp.content, "contrats", monde.users["admin"], appliquer=False)
    assert r.ok, r.erreurs


def test_page_import_essai_puis_confirmation(monde: Any, client_de: Any, settings: Any,
                                            tmp_path: Any) -> None:
    """The import is a background job: the page shows its state, the errors (capped, the
    full report downloadable), then the confirmation applies it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.echanges.models import ImportRegistre
    from quartiers.registre.echanges.travaux import traiter_en_attente

    settings.MEDIA_ROOT = tmp_path
    settings.REGISTRE_IMPORTS_INTEGRES = False  # the worker is run by hand below
    c = client_de("chef_a")
    bad = _csv(ENTETE_C, "CV-P;P;200046977;2024;2024-01-01;;;QN03801M",
               "CV-Q;Q;200046977;2024;pas une date;;;")
    resp = c.post("/registre/echanges/importer/", {
        "fichier": SimpleUploadedFile("c.csv", bad), "type": "contrats"})
    assert resp.status_code == 302
    url = resp["Location"]
    page = c.get(url).content.decode()
    assert "en attente" in page and 'http-equiv="refresh"' in page
    assert traiter_en_attente() == 1
    page = c.get(url).content.decode()
    assert "2 erreur(s)" in page and "rien n'a été enregistré" in page
    assert "date_debut" in page and "QN03801M" in page
    rapport = c.get(url + "erreurs.csv")
    assert rapport.status_code == 200 and b"QN03801M" in b"".join(rapport.streaming_content)
    # another account cannot see this job
    assert client_de("agent69").get(url).status_code == 403
    good = _csv(ENTETE_C, "CV-P;P;200046977;2024;2024-01-01;;;QN06901M")
    resp = c.post("/registre/echanges/importer/", {
        "fichier": SimpleUploadedFile("c.csv", good), "type": "contrats"})
    url = resp["Location"]
    traiter_en_attente()
    assert "Essai réussi" in c.get(url).content.decode()
    assert not ContratDeVille.objects.filter(reference="CV-P").exists()
    job = ImportRegistre.objects.get(statut=ImportRegistre.PRET)
    c.post(f"/registre/echanges/imports/{job.pk}/confirmer/")
    traiter_en_attente()
    assert "Import appliqué" in c.get(url).content.decode()
    assert ContratDeVille.objects.filter(reference="CV-P").exists()
    # the confirmation cannot be replayed
    resp = c.post(f"/registre/echanges/imports/{job.pk}/confirmer/", follow=True)
    assert "attend pas de confirmation" in resp.content.decode()


def test_rapport_d_erreurs_plafonne(monde: Any, client_de: Any, settings: Any,
                                    tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from quartiers.registre.echanges.models import ImportRegistre
    from quartiers.registre.echanges.travaux import traiter_en_attente

    settings.MEDIA_ROOT = tmp_path
    settings.REGISTRE_IMPORTS_INTEGRES = False
    c = client_de("admin")
    lignes = [f"CV-E{i};E;999999999;2024;2024-01-01;;;" for i in range(500)]
    resp = c.post("/registre/echanges/importer/", {
        "fichier": SimpleUploadedFile("c.csv", _csv(ENTETE_C, *lignes)), "type": "contrats"})
    traiter_en_attente()
    page = c.get(resp["Location"]).content.decode()
    job = ImportRegistre.objects.get()
    assert job.nb_erreurs == 500 and len(job.erreurs_apercu) == ImportRegistre.APERCU
    assert "500 erreur(s)" in page and page.count("999999999") == ImportRegistre.APERCU
    assert "Télécharger le rapport complet" in page
    contenu = b"".join(c.get(resp["Location"] + "erreurs.csv").streaming_content)
    assert contenu.decode("utf-8-sig").count("999999999") == 500


@pytest.mark.parametrize("kind", ["contrats", "actions", "financements"])
def test_export_csv_par_type(monde: Any, client_de: Any, kind: str) -> None:
    resp = client_de("lecteur").get(f"/registre/echanges/export/{kind}.csv")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    assert len(resp.content.decode("utf-8-sig").strip().splitlines()) == 3
    assert client_de(None).get(f"/registre/echanges/export/{kind}.csv").status_code == 302


def test_classeur_piege_refuse_a_l_import(monde: Any, tmp_path: Any) -> None:
    """Issue 9, point 1: the full-sheet workbook named as a register import."""
    from tests.tabular import hostile

    bombe = hostile.xlsx(tmp_path / "b.xlsx", hostile.HEADER_ROW, dimension="A1:XFD1048576",
                         sheet="contrats").read_bytes()
    r = importer("b.xlsx", bombe, "contrats", monde.users["admin"], appliquer=False)
    assert not r.ok and "classeur refusé" in r.erreurs[0].message
    # a million rows: refused by the row limit, not read for minutes
    lignes = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(2, 20_010))
    gros = hostile.xlsx(tmp_path / "g.xlsx", '<row r="1"><c r="A1" t="inlineStr"><is><t>'
                        'reference</t></is></c></row>' + lignes, sheet="contrats").read_bytes()
    r = importer("g.xlsx", gros, "contrats", monde.users["admin"], appliquer=False)
    assert not r.ok and "trop de lignes" in r.erreurs[0].message
