"""The register on ANCT's real files: the 434 records of the contrats de ville 2015-2023
and the posts funded in 2023, loaded as real records; totals checked against sums computed
here, independently, from the JSON files."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

pytestmark = pytest.mark.realdata

AURA = {"01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"}


def _dossier() -> Path:
    from quartiers.config import data_dir

    return data_dir() / "contrats-de-ville-2015"


def _json(nom: str) -> Any:
    return json.loads((_dossier() / nom).read_text(encoding="utf-8"), parse_float=Decimal)


def _sommes(nom: str, garder: Any = None) -> tuple[int, int]:
    """(records, cents) of a posts file, summed here with exact decimals."""
    rows = [r for r in _json(nom) if garder is None or garder(r)]
    return len(rows), int(sum(Decimal(r["montant"]) for r in rows) * 100)


def _charger(*args: str) -> str:
    out = io.StringIO()
    call_command("charger_contrats_anct", *args, stdout=out)
    return out.getvalue()


def test_contrats_reels_et_totaux_exacts(db: Any) -> None:
    from django.db.models import Sum

    from quartiers.registre.contrats.models import ContratDeVille, TerritoireContrat
    from quartiers.registre.financements.models import PosteFinance
    from quartiers.registre.territoires.models import Region

    essai = _charger()
    assert "Essai (rien n'est écrit" in essai and "433 créés" in essai
    assert not ContratDeVille.objects.exists()  # the dry run wrote nothing
    sortie = _charger("--wet-run")
    assert "Chargement appliqué" in sortie
    features = _json("geom_cv_ctr.json")["features"]
    codes = Counter(f["properties"]["code_cv"] for f in features)
    assert len(features) == 434 and TerritoireContrat.objects.count() == 434
    # 434 records, one contract listed in two départements: 433 contracts, all real
    assert ContratDeVille.objects.reels().count() == len(codes) == 433
    assert not ContratDeVille.objects.filter(demonstration=True).exists()
    aura = ContratDeVille.objects.dans(Region.objects.get(code="84"))
    assert aura.count() == 45 == len({f["properties"]["code_cv"] for f in features
                                      if f["properties"]["insee_dep"] in AURA})
    lyon = ContratDeVille.objects.select_related("epci").get(reference="CV246")
    assert lyon.epci.siren == "200046977" and lyon.epci.nom.lower() == "métropole de lyon"
    assert lyon.epci.nature == "ME" and lyon.epci.departement.code == "69"
    assert lyon.generation == "2015" and lyon.date_debut is None
    assert str(lyon.date_fin) == "2023-12-31" and lyon.population_qpv == 158830
    aix = ContratDeVille.objects.get(reference="CV043")
    assert sorted(aix.territoires.values_list("code_departement", "population_qpv")) == [
        ("13", 21147), ("84", 1916)] and aix.population_qpv == 23063
    assert aix.epci.departement is None  # listed under two départements: unknown seat
    ajaccio = ContratDeVille.objects.get(reference="CV366")
    assert ajaccio.territoires.get().departement is None  # the file gives no département
    communes = sum(1 for f in features if len(f["properties"]["codgeo"]) == 5)
    assert ContratDeVille.objects.filter(epci=None).exclude(
        commune_porteuse="").count() == communes == 64
    assert str(ContratDeVille.objects.get(reference="CV429").date_fin) == "2024-12-31"
    # natures only from what the names say
    assert ContratDeVille.objects.get(reference="CV139").epci.nature == ""  # Roannais Agglo.
    assert ContratDeVille.objects.get(reference="CV001").epci.nature == "CC"
    # money: exact to the cent against sums computed here from the JSON files
    for dispositif, nom in (("adulte_relais", "adulte-relais-2023.json"),
                            ("fonjep", "postes-fonjep-2023.json")):
        postes = PosteFinance.objects.filter(dispositif=dispositif)
        n, cents = _sommes(nom)
        assert postes.count() == n
        assert postes.aggregate(s=Sum("montant"))["s"] == cents
        assert set(postes.values_list("programme", flat=True)) == {"147"}
        aura_n, aura_c = _sommes(nom, lambda r: r.get("insee_reg") == "84")
        ici = postes.filter(region__code="84")
        assert (ici.count(), ici.aggregate(s=Sum("montant"))["s"]) == (aura_n, aura_c)
        sans = _sommes(nom, lambda r: not r.get("code_cv") or len(r["code_cv"]) > 5)
        assert postes.filter(contrat=None).count() == sans[0] > 0
    assert _sommes("adulte-relais-2023.json") == (5416, 12_216_183_368)
    assert _sommes("postes-fonjep-2023.json") == (1478, 1_039_317_300)
    assert "122\u202f161\u202f833,68\u00a0€ (identique)" in sortie
    fonjep = PosteFinance.objects.filter(dispositif="fonjep").first()
    assert fonjep.beneficiaire_siret == "" and fonjep.annee == 2023  # a name, text year
    # the 23 adulte-relais posts of Saint-Martin: no département, no région, never dropped
    assert PosteFinance.objects.filter(code_contrat_source="CV415", region=None).count() == 23


def test_rechargement_sur_place_et_changements_comptes(db: Any, tmp_path: Any) -> None:
    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.financements.models import PosteFinance

    _charger("--wet-run")
    avant = (ContratDeVille.objects.count(), PosteFinance.objects.count())
    sortie = _charger("--wet-run")
    assert (ContratDeVille.objects.count(), PosteFinance.objects.count()) == avant
    assert "contrats : 433 inchangés" in sortie and "postes : 6894 inchangés" in sortie
    c = ContratDeVille.objects.get(reference="CV246")
    c.intitule = "changé à la main"
    c.save()
    PosteFinance.objects.filter(pk=PosteFinance.objects.first().pk).update(montant=1)
    rapport = tmp_path / "anomalies.csv"
    sortie = _charger("--wet-run", "--rapport", str(rapport))
    assert "contrats : 1 modifiés, 432 inchangés" in sortie
    assert "postes : 1 modifiés, 6893 inchangés" in sortie
    c.refresh_from_db()
    assert c.intitule == "Contrat de ville – Métropole de LYON" and c.version == 2
    # every post the files do not place is in the report, by file and record
    with open(rapport, encoding="utf-8") as f:
        lignes = list(csv.DictReader(f, delimiter=";"))
    sans_contrat = [r for r in lignes if r["champ"] == "code_cv"
                    and r["fichier"] == "adulte-relais-2023.json"]
    attendus = [i for i, r in enumerate(_json("adulte-relais-2023.json"), start=1)
                if not r.get("code_cv") or len(r["code_cv"]) > 5]
    assert sorted(int(r["enregistrement"]) for r in sans_contrat) == attendus


def _synthetique(dossier: Path, contrats: list[dict[str, Any]], ar: list[dict[str, Any]],
                 fonjep: list[dict[str, Any]]) -> None:
    """Synthetic files in ANCT's layout (for the error cases only)."""
    dossier.mkdir()
    geo = {"type": "FeatureCollection", "name": "synthetique", "features": [
        {"type": "Feature", "properties": p, "geometry": None} for p in contrats]}
    (dossier / "geom_cv_ctr.json").write_text(json.dumps(geo, indent=1), encoding="utf-8")
    (dossier / "adulte-relais-2023.json").write_text(json.dumps(ar, indent=1))
    (dossier / "postes-fonjep-2023.json").write_text(json.dumps(fonjep, indent=1))


def _debuts(chemin: Path, prefixe: str) -> list[int]:
    """Line numbers (from 1) where the records of an indented JSON array start."""
    return [i for i, ligne in enumerate(chemin.read_text().splitlines(), start=1)
            if ligne == prefixe]


def test_erreurs_nommees_par_fichier_enregistrement_et_champ(db: Any, tmp_path: Any) -> None:
    from quartiers.registre.contrats.models import ContratDeVille

    bon = {"codgeo": "200046977", "code_cv": "CV900", "lib_cv": "69 - EPCI synthétique",
           "insee_dep": "69", "pop": 1000.0}
    poste = {"id_poste": "P1", "code_tiers": "12345678900011", "raison_sociale": "Asso",
             "annee": 2023, "montant": 10.5, "code_cv": "CV900", "insee_dep": "69",
             "insee_reg": "84"}
    _synthetique(tmp_path / "d", [
        bon, {**bon, "code_cv": "CV901", "codgeo": "200046978"},  # bad SIREN key
        {**bon, "code_cv": "", "codgeo": "200040715"},             # no code
        {**bon, "code_cv": "CV903", "codgeo": "200040715", "pop": -3.0}],
        [poste, {**poste, "id_poste": "P2", "montant": "abc"},
         {**poste, "id_poste": "P3", "montant": 1.005},
         {**poste, "id_poste": "P4", "annee": "²⁰²⁴"}, poste],
        [{**poste, "id_poste": "F1", "montant": -7164, "annee": "2023"}])
    with pytest.raises(CommandError) as e:
        call_command("charger_contrats_anct", "--wet-run", "--dossier", str(tmp_path / "d"),
                     stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert "rien n'a été chargé" in str(e.value)
    texte = err.getvalue()
    g, a = _debuts(tmp_path / "d" / "geom_cv_ctr.json", "  {"), \
        _debuts(tmp_path / "d" / "adulte-relais-2023.json", " {")
    for attendu in (
            f"geom_cv_ctr.json, enregistrement 2, ligne {g[1]}, champ « codgeo » : SIREN "
            "« 200046978 » : clé de contrôle invalide",
            f"geom_cv_ctr.json, enregistrement 3, ligne {g[2]}, champ « code_cv » : valeur "
            "obligatoire absente",
            f"geom_cv_ctr.json, enregistrement 4, ligne {g[3]}, champ « pop »",
            f"adulte-relais-2023.json, enregistrement 2, ligne {a[1]}, champ « montant » : "
            "montant invalide",
            f"adulte-relais-2023.json, enregistrement 3, ligne {a[2]}, champ « montant » : "
            "montant invalide : « 1.005 » a plus de deux décimales",
            f"adulte-relais-2023.json, enregistrement 4, ligne {a[3]}, champ « annee »",
            f"adulte-relais-2023.json, enregistrement 5, ligne {a[4]}, champ « id_poste » : "
            "poste P1 de 12345678900011 en double (déjà enregistrement 1)",
            "postes-fonjep-2023.json, enregistrement 1, ligne 2, champ « montant » : montant "
            "négatif"):
        assert attendu in texte, texte
    assert not ContratDeVille.objects.exists()


def test_tableaux_de_bord_et_vues_par_personne(db: Any, settings: Any) -> None:
    from django.contrib.auth import get_user_model

    from quartiers.registre.comptes.models import Profil, Role
    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.territoires.models import Departement, Epci, Region

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _charger("--wet-run")
    User = get_user_model()
    comptes = {
        "dreets": dict(role=Role.ADMINISTRATEUR, region=Region.objects.get(code="84")),
        "agent": dict(role=Role.AGENT_DEPARTEMENTAL,
                      departement=Departement.objects.get(code="69")),
        "chef": dict(role=Role.CHEF_PROJET_EPCI, epci=Epci.objects.get(siren="200046977")),
    }
    clients = {}
    for nom, profil in comptes.items():
        u = User.objects.create_user(nom, password="x-Secret-12345")
        Profil.objects.create(user=u, **profil)
        clients[nom] = Client()
        clients[nom].force_login(u)
    # each lands on their territory
    assert clients["dreets"].get("/registre/")["Location"] == "/registre/tableaux/region/84/"
    assert clients["agent"].get("/registre/")["Location"] == \
        "/registre/tableaux/departement/69/"
    assert clients["chef"].get("/registre/")["Location"] == "/registre/tableaux/epci/200046977/"
    n_ar, c_ar = _sommes("adulte-relais-2023.json", lambda r: r.get("insee_reg") == "84")
    region = clients["dreets"].get("/registre/tableaux/region/84/").content.decode()
    from quartiers.registre.commun import centimes_en_euros

    assert f">{n_ar}<" in region and centimes_en_euros(c_ar) == "8\u202f909\u202f513,35\u00a0€"
    assert centimes_en_euros(c_ar) in region
    assert "1\u202f076\u202f988,00\u00a0€" in region and "Rhône (69)" in region
    epci = clients["chef"].get("/registre/tableaux/epci/200046977/").content.decode()
    assert "CV246" in epci and "Contrats et ce qui manque" in epci
    assert "Communes" in epci and "inconnues" in epci  # what the data does not say
    assert "Pas encore renouvelé" in epci and "Aucun quartier lié" in epci
    cv246 = ContratDeVille.objects.get(reference="CV246")
    n_lyon, c_lyon = _sommes("adulte-relais-2023.json", lambda r: r.get("code_cv") == "CV246")
    page = clients["chef"].get(f"/registre/tableaux/contrat/{cv246.pk}/").content.decode()
    assert f">{n_lyon}<" in page
    # lists filter on a column and export exactly that
    csv_ = clients["agent"].get("/registre/actions/postes/", {
        "contrat": "CV246", "dispositif": "adulte_relais", "format": "csv"})
    lignes = csv_.content.decode("utf-8-sig").strip().splitlines()
    assert len(lignes) == n_lyon + 1
    total = sum(Decimal(ligne.split(";")[9]) for ligne in lignes[1:])
    assert int(total * 100) == c_lyon
