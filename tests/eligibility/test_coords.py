"""WGS84 <-> Lambert-93 round trips, CRS guessing and point validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quartiers.eligibility import coords, lookup

lons = st.floats(-4.7, 8.2)
lats = st.floats(42.4, 51.0)


@settings(max_examples=200, deadline=None)
@given(lon=lons, lat=lats)
def test_wgs84_lambert93_round_trip(lon, lat):
    x, y = coords.to_lambert93(np.array([lon]), np.array([lat]))
    assert coords.FRANCE_L93[0] <= x[0] <= coords.FRANCE_L93[2]
    assert coords.FRANCE_L93[1] <= y[0] <= coords.FRANCE_L93[3]
    lon2, lat2 = coords.to_wgs84(x, y)
    assert lon2[0] == pytest.approx(lon, abs=1e-9)
    assert lat2[0] == pytest.approx(lat, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(pts=st.lists(st.tuples(st.floats(6.8, 7.4), st.floats(43.5, 43.8)), min_size=1,
                    max_size=40))
def test_same_answer_in_both_crs(pts, chk2024):
    """A point given in WGS84 or in Lambert-93 gets the same answer."""
    lon = np.array([p[0] for p in pts])
    lat = np.array([p[1] for p in pts])
    x, y = coords.to_lambert93(lon, lat)
    a = lookup(lon, lat, perimeters=chk2024)
    b = lookup(x, y, perimeters=chk2024, crs="lambert93")
    assert a["statut"].tolist() == b["statut"].tolist()
    assert a["dans_qpv"].astype(object).tolist() == b["dans_qpv"].astype(object).tolist()
    np.testing.assert_allclose(a["distance_m"], b["distance_m"], atol=0.011)
    c = lookup(x, y, perimeters=chk2024)  # auto: values decide
    assert np.array_equal(c["distance_m"], b["distance_m"], equal_nan=True)


def test_known_point_in_lambert93():
    # Lambert-93 origin of the projection: 3°E, 46°30'N -> (700000, 6600000)
    x, y = coords.to_lambert93(np.array([3.0]), np.array([46.5]))
    assert x[0] == pytest.approx(700_000, abs=1e-3)
    assert y[0] == pytest.approx(6_600_000, abs=1e-3)


def test_validation_reasons():
    a = np.array([5.4, np.nan, 43.3, -70.0, 5.4])
    b = np.array([43.3, 43.3, 5.4, 18.0, np.inf])
    code = coords.validate(a, b, coords.INPUT_WGS84)
    assert code.tolist() == [coords.OK, coords.MISSING, coords.SWAPPED, coords.OUTSIDE,
                             coords.MISSING]
    assert "inversées" in coords.reason(coords.SWAPPED, coords.INPUT_WGS84, 43.3, 5.4)
    assert "hors de France" in coords.reason(coords.OUTSIDE, coords.INPUT_WGS84, -70, 18)
    l93 = coords.validate(np.array([6_600_000.0, 700_000.0]), np.array([700_000.0, 1.0]),
                          coords.INPUT_LAMBERT93)
    assert l93.tolist() == [coords.SWAPPED, coords.OUTSIDE]
    assert "x et y" in coords.reason(coords.SWAPPED, coords.INPUT_LAMBERT93, 6.6e6, 7e5)


def test_guess_and_normalise_crs():
    assert coords.guess_crs(np.array([5.0, 6.0]), np.array([43.0, 44.0])) == coords.INPUT_WGS84
    assert coords.guess_crs(np.array([9e5]), np.array([6.3e6])) == coords.INPUT_LAMBERT93
    assert coords.normalise_crs("EPSG:2154") == coords.INPUT_LAMBERT93
    assert coords.normalise_crs("4326") == coords.INPUT_WGS84
    with pytest.raises(ValueError):
        coords.normalise_crs("3857")
