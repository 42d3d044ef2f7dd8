"""The three answers and their reasons, on synthetic communes and quartiers (issue 12).

The world of these tests (synthetic): three communes side by side along x, 10 km wide —
99001 and 99002 covered by the list, 99003 not — and one 200 m square quartier in 99001.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

import quartiers
from quartiers.eligibility import Checker, answers

from .helpers import covered_set, synthetic_territory

Y0 = 6_600_000.0
COMMUNES = {
    "99001": (690_000, 6_590_000, 700_000, 6_610_000),
    "99002": (700_000, 6_590_000, 710_000, 6_610_000),
    "99003": (710_000, 6_590_000, 720_000, 6_610_000),
}
QUARTIER = shapely.box(694_900, Y0 - 100, 695_100, Y0 + 100)


@pytest.fixture(scope="module")
def world() -> Checker:
    ps = covered_set([QUARTIER], ["99001", "99002"], codes=["QN99001A"])
    return Checker(ps, territory=synthetic_territory(COMMUNES))


def ask(chk: Checker, x: list[float], y: list[float] | None = None, **kw) -> pd.DataFrame:
    y = [Y0] * len(x) if y is None else y
    return quartiers.lookup(np.array(x, float), np.array(y, float), perimeters=chk,
                            crs="lambert93", **kw)


def test_oui_non_inconnu_and_their_reasons(world):
    r = ask(world, [695_000, 697_000, 715_000, 730_000, 709_950])
    assert r["statut"].tolist() == ["oui", "non", "inconnu", "inconnu", "inconnu"]
    assert r["commune"].tolist()[:3] == ["99001", "99001", "99003"]
    assert pd.isna(r["commune"][3])
    assert r["motif"].isna().tolist()[:2] == [True, True]
    assert "ne couvre pas la commune Commune 99003 (99003)" in r["motif"][2]
    assert "hors des communes connues" in r["motif"][3]
    assert "à moins de 100 m de la commune Commune 99003" in r["motif"][4]
    # dans_qpv is empty exactly when the answer is inconnu
    assert r["dans_qpv"].tolist()[:2] == [True, False]
    assert r["dans_qpv"].isna().tolist() == [False, False, True, True, True]
    # where the list says nothing, no distance to "the nearest quartier" either
    assert r["distance_m"].tolist()[:2] == [-100.0, 1900.0]
    assert r["distance_m"][2:].isna().all() and r["qpv_proche"][2:].isna().all()


def test_unusable_coordinates_are_answers_not_errors(world):
    r = quartiers.lookup(np.array([np.nan, 48.0, 2.35]), np.array([43.7, 2.3, 48.86]),
                         perimeters=world, crs="wgs84")
    assert r["statut"].tolist() == ["inconnu"] * 3
    assert r["motif"][0].startswith("coordonnées inutilisables : coordonnée manquante")
    assert "inversées" in r["motif"][1] and "inversées" in r["erreur"][1]
    assert "hors des communes connues" in r["motif"][2] and pd.isna(r["erreur"][2])


def test_vat_bands(world):
    # 150 m, 350 m, 450 m and 800 m from the quartier's limit, all in covered communes
    r = ask(world, [695_250, 695_450, 695_550, 695_900])
    assert r["bande_300m"].tolist() == [True, False, False, False]
    # no renewal convention known: near a quartier the 500 m band is unknown
    assert r["bande_500m"].isna().tolist() == [True, True, True, False]
    assert r["bande_500m"].tolist()[3] is False
    npnru = Checker(world.perimeters, territory=world.territory, npnru=["QN99001A"])
    r = ask(npnru, [695_250, 695_450, 695_550, 695_900])
    assert r["bande_500m"].tolist() == [True, True, True, False]
    # near a commune the list does not cover, "no quartier within 300 m" cannot be said
    r = ask(world, [709_800, 708_000])
    assert r["bande_300m"].isna().tolist() == [True, False]


def test_a_rough_position_is_answered_only_when_the_whole_disc_agrees(world):
    x = np.array([695_000.0, 697_000.0, 695_300.0, 707_000.0])
    place = world.locate(x, np.full(4, Y0))
    place.radius = np.array([50.0, 1_000.0, 300.0, 3_500.0])  # street or commune matches
    cols = world.columns(x, place.y, place=place)
    assert cols["statut"].tolist() == ["oui", "non", "inconnu", "inconnu"]
    assert "à 300 m près" in cols["motif"][2]
    assert cols["_categorie"].tolist()[2:] == [answers.IMPRECIS, answers.LIMITE]


def test_several_lists_in_one_call(world):
    other = Checker(covered_set([shapely.box(704_900, Y0 - 100, 705_100, Y0 + 100)],
                                ["99002"], codes=["QP99002B"]), territory=world.territory)
    world.perimeters.millesime, other.perimeters.millesime = "2024", "2015"
    r = quartiers.lookup(np.array([695_000.0, 705_000.0]), np.array([Y0, Y0]),
                         perimeters=[world, other], crs="lambert93")
    assert r["statut_2024"].tolist() == ["oui", "non"]
    assert r["statut_2015"].tolist() == ["inconnu", "oui"]
    assert list(r.columns[:2]) == ["commune", "erreur"]


def test_coverage_from_the_features_by_default(tmp_path):
    import geopandas as gpd

    from quartiers.perimeters import read_perimeters

    path = tmp_path / "mes-qpv.geojson"
    gpd.GeoDataFrame({"code_qp": ["QP99001A"], "nom_qp": ["Q"], "insee_com": ["99001"],
                      "dep": ["99"]}, geometry=[QUARTIER], crs="EPSG:2154").to_file(path)
    ps = read_perimeters(path)
    assert ps.coverage.kind == "communes_du_fichier"
    assert ps.coverage.codes.tolist() == ["99001"]
    assert "communes nommées dans le fichier" in ps.coverage.describe
    (tmp_path / "couverture.csv").write_text("code_commune\n99001\n99002\n")
    ps = read_perimeters(path, coverage=str(tmp_path / "couverture.csv"))
    assert ps.coverage.codes.tolist() == ["99001", "99002"] and ps.coverage.kind == "declaree"
    assert read_perimeters(path, coverage="national").coverage.covers(
        np.array(["75056"])).tolist() == [True]


def test_bad_coverage_file_names_line_and_field(tmp_path):
    from quartiers.eligibility.coverage import read_coverage
    from quartiers.errors import QuartiersError

    (tmp_path / "c.csv").write_text("code_commune\n06088\n6088\n")
    with pytest.raises(QuartiersError) as e:
        read_coverage(tmp_path / "c.csv")
    assert e.value.ligne == 3 and e.value.champ == "code_commune"
