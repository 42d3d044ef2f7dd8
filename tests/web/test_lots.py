"""Batch lookup jobs: upload pages, background processing, downloads, bad files."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from quartiers.web.verification import lots
from quartiers.web.verification.models import LotVerification

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]


def _deposer(client, nom, contenu, **extra):  # type: ignore[no-untyped-def]
    data = {"fichier": SimpleUploadedFile(nom, contenu), "millesime": "2024", "tolerance": "0"}
    data.update(extra)
    return client.post("/verifier/lots/", data)


def _telecharger(client, lot, quoi):  # type: ignore[no-untyped-def]
    r = client.get(f"/verifier/lots/{lot.id}/{quoi}.csv")
    assert r.status_code == 200
    return b"".join(r.streaming_content).decode("utf-8-sig")


def _lignes(texte, sep=";"):  # type: ignore[no-untyped-def]
    import csv

    return list(csv.DictReader(io.StringIO(texte), delimiter=sep))


def test_csv_latin1_point_virgule(client, media, point_dedans, point_dehors):
    contenu = (
        "id;adresse;lon;lat\n"
        f"1;rue à l'intérieur;{point_dedans.lon};{point_dedans.lat}\n"
        f"2;route de montagne;{point_dehors[0]};{point_dehors[1]}\n"
        "3;sans coordonnées;;\n"
        "\n"
        "4;inversée;43,7;7,2\n"
        "5;texte;abc;43.7\n"
        "6;ligne;en;trop;de champs\n"
        "7;Marseille;5,3698;43,2965\n"
    ).encode("latin-1")
    r = _deposer(client, "adresses.csv", contenu)
    assert r.status_code == 302
    lot = LotVerification.objects.get()
    assert r["Location"] == f"/verifier/lots/{lot.id}/"
    page = client.get(r["Location"]).content.decode()
    assert "En attente" in page and "fermer cette page" in page
    assert client.get(f"/verifier/lots/{lot.id}/resultat.csv").status_code == 404
    assert lots.traiter_en_attente() == 1
    lot.refresh_from_db()
    assert lot.statut == "termine" and lot.total == 7 and lot.traitees == 7, lot.message
    assert (lot.oui, lot.non, lot.inconnu, lot.rejetees) == (1, 1, 4, 1)
    etat = client.get(f"/verifier/lots/{lot.id}/etat.json").json()
    assert etat["pourcentage"] == 100 and etat["statut"] == "termine"
    res = _lignes(_telecharger(client, lot, "resultat"))
    assert list(res[0])[:4] == ["id", "adresse", "lon", "lat"]
    assert [r["id"] for r in res] == ["1", "2", "3", "4", "5", "7"]  # every row, once
    assert [r["statut"] for r in res] == ["oui", "non", "inconnu", "inconnu", "inconnu",
                                          "inconnu"]
    assert res[0]["qpv_code"] == point_dedans.code and res[0]["dans_qpv"] == "true"
    assert res[0]["adresse"] == "rue à l'intérieur"
    assert "coordonnée manquante" in res[2]["motif"] and res[2]["dans_qpv"] == ""
    assert "inversées" in res[3]["motif"] and "« abc »" in res[4]["motif"]
    assert "ne couvre pas la commune Marseille" in res[5]["motif"]
    err = _lignes(_telecharger(client, lot, "erreurs"))
    assert [(e["ligne"], e["motif"]) for e in err] == [
        ("8", "ligne illisible : 5 champ(s) au lieu de 4")]  # its line in the file
    # the job is listed in the session of the browser that sent it
    assert "adresses.csv" in client.get("/verifier/lots/").content.decode()


def test_xlsx_lambert93(client, media, point_dedans):
    from openpyxl import Workbook
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True).transform(
        point_dedans.lon, point_dedans.lat)
    wb = Workbook()
    ws = wb.active
    ws.append(["nom", "x", "y"])
    ws.append(["dedans", x, y])
    buf = io.BytesIO()
    wb.save(buf)
    _deposer(client, "points.xlsx", buf.getvalue())
    lots.traiter_en_attente()
    lot = LotVerification.objects.get()
    assert lot.statut == "termine", lot.message
    assert point_dedans.code in _telecharger(client, lot, "resultat")


def test_fichier_sans_coordonnees_echoue_clairement(client, media):
    _deposer(client, "a.csv", b"nom,ville\na,b\n")
    lots.traiter_en_attente()
    lot = LotVerification.objects.get()
    assert lot.statut == "echec"
    assert "colonnes de coordonnées introuvables" in lot.message
    page = client.get(f"/verifier/lots/{lot.id}/").content.decode()
    assert "colonnes de coordonn" in page


def test_fichier_binaire_refuse(client, media):
    _deposer(client, "a.csv", b"\x00\x01\x02binaire")
    lots.traiter_en_attente()
    assert LotVerification.objects.get().statut == "echec"


@pytest.mark.parametrize("nom, contenu, message", [
    ("a.pdf", b"%PDF", "format non pris en charge"),
    ("a.csv", b"", "vide"),
])
def test_depot_refuse(client, media, nom, contenu, message):
    r = _deposer(client, nom, contenu)
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not LotVerification.objects.exists()


def test_depot_trop_gros(client, media, settings):
    settings.LOTS_TAILLE_MAX = 10
    r = _deposer(client, "a.csv", b"lon;lat\n7.2;43.7\n")
    assert "trop volumineux" in r.content.decode()


def test_lot_inconnu(client):
    u = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"/verifier/lots/{u}/").status_code == 404
    assert client.get(f"/verifier/lots/{u}/etat.json").status_code == 404
    assert client.get(f"/verifier/lots/{u}/resultat.csv").status_code == 404


def test_lot_abandonne_repris(client, media, point_dedans):
    """A job left 'en cours' by a stopped server is put back in the queue and finished."""
    from datetime import timedelta

    from django.utils import timezone

    _deposer(client, "a.csv", f"lon,lat\n{point_dedans.lon},{point_dedans.lat}\n".encode())
    lot = LotVerification.objects.get()
    LotVerification.objects.filter(pk=lot.pk).update(
        statut="en_cours", maj_le=timezone.now() - timedelta(minutes=10))
    assert lots.traiter_en_attente() == 1
    lot.refresh_from_db()
    assert lot.statut == "termine" and lot.dans_qpv == 1


def test_commande_traiter_lots(client, media, point_dedans):
    from django.core.management import call_command

    _deposer(client, "a.csv", f"lon,lat\n{point_dedans.lon},{point_dedans.lat}\n".encode())
    out = io.StringIO()
    call_command("traiter_lots", "--une-fois", stdout=out)
    assert "1 lot(s) traité(s)" in out.getvalue()
    assert LotVerification.objects.get().statut == "termine"


def test_gros_fichier_par_blocs(client, media, point_dedans):
    lignes = ["lon,lat"] + [f"{point_dedans.lon},{point_dedans.lat}"] * 3500
    _deposer(client, "gros.csv", ("\n".join(lignes) + "\n").encode())
    lots.traiter_en_attente()
    lot = LotVerification.objects.get()
    assert lot.statut == "termine" and lot.traitees == 3500 and lot.dans_qpv == 3500


def test_classeur_piege_echoue_une_fois_sans_toucher_au_serveur(client, media, tmp_path):
    """Issue 9, point 1: a 1.6 KB XLSX declaring a full sheet, posted without login."""
    from tests.tabular import hostile

    bombe = hostile.full_sheet_bomb(tmp_path / "bombe.xlsx").read_bytes()
    r = _deposer(client, "adresses.xlsx", bombe)
    assert r.status_code == 302
    assert lots.traiter_en_attente() == 1
    lot = LotVerification.objects.get()
    assert lot.statut == "echec" and lot.tentatives == 1
    assert "classeur refusé" in lot.message and "16\u202f384 colonnes" in lot.message
    assert lots.traiter_en_attente() == 0  # never queued again
    page = client.get(f"/verifier/lots/{lot.id}/").content.decode()
    assert "classeur refusé" in page
    assert client.get("/verifier/lots/").status_code == 200  # the server goes on


def test_un_processus_fils_qui_meurt_fait_echouer_le_lot(client, media, settings, point_dedans):
    """Whatever kills the child (here: too little memory to even start) fails the job once,
    with a reason, and the worker goes on."""
    settings.LOTS_MEMOIRE_MAX = 64 * 1024 * 1024
    _deposer(client, "a.csv", f"lon,lat\n{point_dedans.lon},{point_dedans.lat}\n".encode())
    assert lots.traiter_en_attente() == 1
    lot = LotVerification.objects.get()
    assert lot.statut == "echec" and "non traité" in lot.message, lot.message


def test_lot_abandonne_deux_fois_echoue_au_lieu_de_boucler(client, media, point_dedans):
    from datetime import timedelta

    from django.utils import timezone

    _deposer(client, "a.csv", f"lon,lat\n{point_dedans.lon},{point_dedans.lat}\n".encode())
    LotVerification.objects.update(statut="en_cours", tentatives=lots.TENTATIVES_MAX,
                                   maj_le=timezone.now() - timedelta(minutes=10))
    assert lots.traiter_en_attente() == 0
    lot = LotVerification.objects.get()
    assert lot.statut == "echec" and "abandonné après 2 tentatives" in lot.message


def test_quotas_des_depots_anonymes(client, media, settings):
    """Issue 9, point 7: 8 x 16 MB were accepted in 1.3 s from one anonymous address."""
    settings.LOTS_ANONYMES_EN_COURS_MAX = 2
    contenu = b"lon;lat\n7.2;43.7\n"
    for _ in range(2):
        assert _deposer(client, "a.csv", contenu).status_code == 302
    r = _deposer(client, "a.csv", contenu)
    assert r.status_code == 200 and "déjà 2 fichiers en cours" in r.content.decode()
    assert LotVerification.objects.count() == 2
    settings.LOTS_ANONYMES_EN_COURS_MAX = 10
    settings.LOTS_ANONYMES_OCTETS_HEURE = 3 * len(contenu)
    assert _deposer(client, "a.csv", contenu).status_code == 302
    r = _deposer(client, "a.csv", contenu)
    assert "quota dépassé" in r.content.decode()
    # an account is not held by the anonymous quotas
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("agent", password="x-Secret-123")
    client.force_login(user)
    assert _deposer(client, "a.csv", contenu).status_code == 302


def test_conservation_et_fichier_depose_supprime(client, media, settings, point_dedans):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    _deposer(client, "a.csv", f"lon,lat\n{point_dedans.lon},{point_dedans.lat}\n".encode())
    lots.traiter_en_attente()
    lot = LotVerification.objects.get()
    assert lot.statut == "termine" and not lot.fichier  # read, then deleted
    resultat = lot.resultat.path
    LotVerification.objects.update(
        cree_le=timezone.now() - timedelta(days=settings.LOTS_CONSERVATION_JOURS_ANONYMES + 1))
    out = io.StringIO()
    call_command("purger_lots", stdout=out)
    assert "1 lot(s) supprimé(s)" in out.getvalue()
    assert not LotVerification.objects.exists()
    import os

    assert not os.path.exists(resultat)


def test_fichier_d_adresses_colonnes_reconnues(client, media):
    """Issue 12: a CSV adresse;code_postal;commune gave "colonnes de coordonnées
    introuvables"; its address columns are now recognised and geocoded."""
    contenu = ("adresse;code_postal;commune\n"
               "8 rue Docteur Barbaroux;83170;Brignoles\n"
               "12 boulevard Pasteur;06000;Nice\n"
               "1 rue de la République;13001;Marseille\n").encode()
    assert _deposer(client, "adresses.csv", contenu).status_code == 302
    lots.traiter_en_attente()
    lot = LotVerification.objects.get()
    assert lot.statut == "termine", lot.message
    assert "adresses : adresse + code_postal + commune" in lot.message
    res = _lignes(_telecharger(client, lot, "resultat"))
    assert [r["statut"] for r in res] == ["oui", "non", "inconnu"]
    assert res[0]["geocodage_type"] == "numero" and res[0]["commune_insee"] == "83023"
    assert res[0]["commune"] == "Brignoles"  # the user's column, kept
