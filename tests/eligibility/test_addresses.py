"""Addresses to answers end to end (issue 12): real reference addresses typed as people type
them, against the shared 2024 and 2015 lists, through the embedded geocoder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quartiers.eligibility import checker

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def adresses(shared_data) -> pd.DataFrame:
    """Reference addresses positioned at the house number, with the 2024 answer of their
    published position (the truth the geocoded answer must match)."""
    df = pd.read_csv(shared_data / "adresses-reference" / "adresses-reelles-06-13-69-83-84.csv",
                     dtype=str).fillna("")
    df = df[df.precision.isin(["Géocodé au numéro", "Parfaite/Numéro de rue"])
            & df.address.str.match(r"^\d+ ") & (df.postcode.str.len() == 5)]
    df = df.astype({"lat": float, "lon": float})
    import quartiers

    r = quartiers.lookup(df.lon.to_numpy(), df.lat.to_numpy(), perimeters="2024")
    df["attendu"] = r["statut"].to_numpy()
    df["distance"] = r["distance_m"].to_numpy()
    return df


def _write(path, rows):  # type: ignore[no-untyped-def]
    pd.DataFrame(rows, columns=["id", "adresse", "cp", "ville"]).to_csv(path, sep=";",
                                                                        index=False)
    return path


def test_adresses_oui_non_inconnu(tmp_path, run_cli, adresses):
    # clear-cut cases: more than 30 m from any limit, so that the house-number position
    # and the published one cannot fall on two sides
    oui = adresses[(adresses.attendu == "oui") & (adresses.distance < -30)].iloc[0]
    non = adresses[(adresses.attendu == "non") & (adresses.distance > 200)
                   & (adresses.citycode == "06088")].iloc[0]
    marseille = adresses[adresses.citycode.str.startswith("132")].iloc[0]
    rows = [
        [1, oui.address.lower(), oui.postcode, oui.city],
        [2, non.address, "", non.city.title()],  # no postcode
        [3, marseille.address, marseille.postcode, marseille.city],
        [4, "17 rue des Licornes Bleues", non.postcode, non.city],  # made up
        [5, "", "", ""],
    ]
    src = _write(tmp_path / "adresses.csv", rows)
    out = tmp_path / "reponses.csv"
    code, text = run_cli("verifier", src, "--adresse", "adresse,cp,ville", "--perimetres",
                         "2024,2015", "--sortie", out)
    assert code == 0, text
    assert "adresses adresse + cp + ville" in text
    r = pd.read_csv(out, sep=";", dtype=str, keep_default_na=False)
    assert r["statut_2024"].tolist() == ["oui", "non", "inconnu", "inconnu", "inconnu"]
    assert r["geocodage_type"].tolist()[:3] == ["numero"] * 3
    assert all(float(s) >= 0.8 for s in r["geocodage_score"][:3])
    assert "ne couvre pas la commune Marseille" in r["motif_2024"][2]
    assert r["motif_2024"][3].startswith("adresse introuvable : seule la commune")
    assert r["motif_2024"][4] == "adresse vide"
    assert r["dans_qpv_2024"].tolist()[2:] == ["", "", ""]
    assert (r["statut_2015"] == "inconnu").all()  # Occitanie's list says nothing of PACA


def test_many_addresses_match_their_published_answer(tmp_path, run_cli, adresses):
    """Typed in lower case without accents, the reference addresses get the answer of their
    published position (away from the limits, where positions can differ by a few metres)."""
    import unicodedata

    sample = adresses[(adresses.distance.abs() > 50) | adresses.distance.isna()]
    sample = sample.sample(400, random_state=12)

    def plain(s: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFD", s.lower())
                       if unicodedata.category(c) != "Mn")

    rows = [[i, plain(a), p, plain(c)] for i, (a, p, c) in
            enumerate(zip(sample.address, sample.postcode, sample.city, strict=True))]
    out = tmp_path / "r.csv"
    code, text = run_cli("verifier", _write(tmp_path / "a.csv", rows), "--adresse",
                         "adresse,cp,ville", "--perimetres", "2024", "--sortie", out)
    assert code == 0, text
    r = pd.read_csv(out, sep=";", dtype=str, keep_default_na=False)
    same = r["statut"].to_numpy() == sample["attendu"].to_numpy()
    assert same.mean() >= 0.97, r[~same][["adresse", "geocodage_libelle", "statut"]]
    # never a confident contradiction: a wrong answer is always a missed one (inconnu)
    wrong = ~same & (r["statut"].to_numpy() != "inconnu")
    assert wrong.sum() <= 2


def test_address_columns_are_suggested_when_coordinates_are_missing(tmp_path, run_cli):
    src = _write(tmp_path / "a.csv", [[1, "1 place Masséna", "06000", "Nice"]])
    code, text = run_cli("verifier", src, "--perimetres", "2024", "--sortie", tmp_path / "o.csv")
    assert code == 2
    assert "colonnes de coordonnées introuvables" in text
    assert "ce fichier semble contenir des adresses : --adresse adresse,cp,ville" in text


def test_both_lists_share_one_placement(shared_data):
    import quartiers

    r = quartiers.lookup(np.array([7.2619, 3.8767]), np.array([43.7031, 43.6108]),
                         perimeters=["2024", "2015"])
    assert r["commune"].tolist() == ["06088", "34172"]
    assert r["statut_2024"].tolist()[1] == "inconnu" and r["statut_2015"].tolist()[0] == \
        "inconnu"
    assert checker("2015").perimeters.coverage.covers(np.array(["34172"])).all()
