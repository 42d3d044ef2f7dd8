"""The Python API: quartiers.lookup on arrays and DataFrames, Checker.point, tolerance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

import quartiers
from quartiers.eligibility import Checker, coords
from quartiers.perimeters import load_perimeters

from .helpers import covered_set, synthetic_territory


@pytest.fixture(scope="module")
def square() -> Checker:
    # a 100 m square around the Lambert-93 origin (3°E, 46.5°N), in a synthetic commune the
    # list covers
    commune = synthetic_territory({"99001": (690_000, 6_590_000, 710_000, 6_610_000)})
    return Checker(covered_set([shapely.box(699_950, 6_599_950, 700_050, 6_600_050)],
                               ["99001"], codes=["QN99999Z"]), territory=commune)


def test_lookup_on_arrays(square):
    x = np.array([700_000.0, 700_050.0, 700_080.0, 700_300.0])
    y = np.full(4, 6_600_000.0)
    r = quartiers.lookup(x, y, perimeters=square, crs="lambert93", tolerance=50)
    assert r["dans_qpv"].tolist() == [True, True, False, False]
    assert r["statut"].tolist() == ["oui", "oui", "non", "non"]
    assert r["qpv_code"].tolist()[:2] == ["QN99999Z", "QN99999Z"]
    assert r["qpv_code"].isna().tolist() == [False, False, True, True]
    assert r["distance_m"].tolist() == [-50.0, 0.0, 30.0, 250.0]
    assert r["qpv_proche"].tolist()[:3] == ["QN99999Z"] * 3
    assert pd.isna(r["qpv_proche"].iloc[3])
    assert r["distance_proche_m"].tolist()[:3] == [0.0, 0.0, 30.0]
    assert np.isnan(r["distance_proche_m"].iloc[3])
    assert r["erreur"].isna().all()


def test_lookup_on_a_dataframe_keeps_columns_and_index(square):
    lon, lat = coords.to_wgs84(np.array([700_000.0, 700_200.0]), np.array([6_600_000.0] * 2))
    df = pd.DataFrame({"id": ["a", "b", "c"], "Longitude": [lon[0], lon[1], 43.0],
                       "Latitude": [lat[0], lat[1], 3.0]}, index=[10, 11, 12])
    r = quartiers.lookup(df, perimeters=square)
    assert list(r.index) == [10, 11, 12]
    assert list(r.columns[:3]) == ["id", "Longitude", "Latitude"]
    assert r["dans_qpv"].tolist()[:2] == [True, False]
    assert r["distance_m"].iloc[1] == pytest.approx(150.0, abs=0.01)
    assert "inversées" in r["erreur"].iloc[2]
    assert pd.isna(r["dans_qpv"].iloc[2]) and r["statut"].iloc[2] == "inconnu"


def test_point_is_fast_and_complete(chk2024):
    ps = chk2024.perimeters
    p = shapely.point_on_surface(ps.geometry[5])
    lon, lat = coords.to_wgs84(np.array([p.x]), np.array([p.y]))
    out = chk2024.point(float(lon[0]), float(lat[0]))
    assert out["dans_qpv"] is True
    assert out["qpv_code"] == ps.codes[5]
    assert out["distance_m"] < 0 and out["erreur"] is None
    bad = chk2024.point(float(lat[0]), float(lon[0]))
    assert "inversées" in bad["erreur"] and bad["dans_qpv"] is None


def test_load_perimeters_by_vintage_and_unknown(shared_data):
    assert load_perimeters("2015").millesime == "2015"
    from quartiers.errors import QuartiersError

    with pytest.raises(QuartiersError, match="inconnus"):
        load_perimeters("2031")


def test_lookup_requires_both_arrays(square):
    with pytest.raises(TypeError):
        quartiers.lookup([1.0], perimeters=square)
