"""The whole shared extract (real INSEE data): one delimitation under the default 2024 rules,
its invariants, and the validity of every output file."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from quartiers.delimitation import Delimitation, delimit
from quartiers.delimitation.decision import REASONS, RETENU
from quartiers.delimitation.export import write_delimitation
from quartiers.inputs import Inputs, load_inputs
from quartiers.parameters import load_rules

from .invariants import check_invariants

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def inputs(shared_data: Path) -> Inputs:
    return load_inputs()


@pytest.fixture(scope="module")
def result(inputs: Inputs) -> Delimitation:
    return delimit(inputs.grid, inputs.uus, load_rules("2024"),
                   commune_names=inputs.uus.commune_names)


@pytest.fixture(scope="module")
def outputs(result: Delimitation, inputs: Inputs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("delimitation-reelle")
    write_delimitation(result, inputs.uus, directory, with_squares=True)
    return directory


def test_whole_extract_read(inputs: Inputs) -> None:
    assert len(inputs.grid) == 74_661  # documented in the data README
    assert inputs.grid.ind.sum() == pytest.approx(5.19e6, rel=0.01)


def test_invariants_on_real_data(result: Delimitation, inputs: Inputs) -> None:
    check_invariants(result, result.rules, inputs.uus)
    q = result.quartiers
    assert len(q) >= 20, "implausibly few quartiers on five large urban areas"
    assert q["uu_code"].nunique() >= 4
    assert set(q["type_statistique"]) == {"moyenne"}  # the public grid has no medians
    assert q["code"].str.fullmatch(r"QC\d{5}-CRS3035RES200mN\d+E\d+").all()


def test_row_order_does_not_matter_on_real_data(result: Delimitation, inputs: Inputs) -> None:
    perm = np.random.default_rng(20240101).permutation(len(inputs.grid))
    shuffled = delimit(inputs.grid.take(perm), inputs.uus, result.rules, with_geometry=False,
                       commune_names=inputs.uus.commune_names)
    cols = ["code", "population", "statistique", "nb_carreaux", "motif", "nom"]
    a = result.explanations[cols].sort_values("code").reset_index(drop=True)
    b = shuffled.explanations[cols].sort_values("code").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_geojson_is_rfc7946(outputs: Path, result: Delimitation) -> None:
    data = json.loads((outputs / "quartiers.geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert "crs" not in data  # RFC 7946: WGS 84 implied, no crs member
    features = data["features"]
    assert len(features) == len(result.quartiers) > 0
    codes = []
    for f in features:
        props = f["properties"]
        for key in ("code", "uu_code", "population", "statistique", "seuil"):
            assert props.get(key) not in (None, ""), key
        assert props["population"] >= 1000
        assert props["statistique"] > 0 and props["seuil"] > 0
        codes.append(props["code"])
        geom = shapely.geometry.shape(f["geometry"])
        assert geom.is_valid and geom.geom_type in ("Polygon", "MultiPolygon")
        lon0, lat0, lon1, lat1 = geom.bounds
        assert 4.0 < lon0 < lon1 < 8.0 and 43.0 < lat0 < lat1 < 46.5  # Rhône, Provence
        for poly in getattr(geom, "geoms", [geom]):
            assert poly.exterior.is_ccw  # right-hand rule: exterior counter-clockwise
            assert all(not ring.is_ccw for ring in poly.interiors)
    assert sorted(codes) == sorted(result.quartiers["code"])
    assert len(set(codes)) == len(codes)


def test_gpkg_in_lambert93_with_valid_geometries(outputs: Path, result: Delimitation) -> None:
    path = outputs / "quartiers.gpkg"
    info = pyogrio.read_info(path)
    assert info["crs"] == "EPSG:2154"
    gdf = gpd.read_file(path)
    assert len(gdf) == len(result.quartiers)
    assert gdf.is_valid.all() and not gdf.is_empty.any()
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    x0, y0, x1, y1 = gdf.total_bounds
    assert 700_000 < x0 < x1 < 1_100_000 and 6_200_000 < y0 < y1 < 6_600_000
    # the union of the squares: nb_carreaux x 4 ha (LAEA -> Lambert-93 scale)
    np.testing.assert_allclose(gdf.area, gdf["nb_carreaux"] * 40_000, rtol=3e-3)
    parquet = gpd.read_parquet(outputs / "quartiers.parquet")
    assert parquet.crs.to_epsg() == 2154 and len(parquet) == len(gdf)


def test_explanations_list_every_candidate_zone(outputs: Path, result: Delimitation) -> None:
    table = pd.read_csv(outputs / "explications.csv", dtype={"uu_code": str})
    assert len(table) == result.zones.count
    assert table["code"].is_unique
    assert set(table["motif"]) <= set(REASONS)
    assert table["explication"].notna().all() and (table["explication"].str.len() > 0).all()
    for col in ("population", "statistique", "seuil", "seuil_applique", "uu_code", "decision"):
        assert col in table and table[col].notna().all(), col
    kept = table[table["motif"] == RETENU]
    assert sorted(kept["code"]) == sorted(result.quartiers["code"])
    assert (table.loc[table["motif"] != RETENU, "explication"].str.startswith("rejeté")).all()
    assert (kept["decision"] == "retenu").all()
    # the reasons are consistent with the numbers behind them
    small = table[table["motif"] == "population_insuffisante"]
    assert (small["population"] < 1000).all()
    above = table[table["motif"] == "revenu_au_dessus_du_seuil"]
    assert (above["statistique"] >= above["seuil_applique"]).all()


def test_summary_and_square_table(outputs: Path, result: Delimitation) -> None:
    summary = json.loads((outputs / "resume.json").read_text(encoding="utf-8"))
    assert summary["nb_quartiers"] == len(result.quartiers)
    assert summary["nb_carreaux"] == 74_661
    assert summary["statistique"] == "moyenne" and "substitution" in summary["methode"]
    squares = pd.read_parquet(outputs / "carreaux.parquet")
    assert len(squares) == 74_661
    kept_squares = squares[squares["decision_zone"] == RETENU]
    assert set(kept_squares["zone"]) == set(result.quartiers["code"])
    params = pd.read_csv(outputs / "parametres.csv")
    assert {"coefficient", "connexite"} <= set(params["parametre"])
