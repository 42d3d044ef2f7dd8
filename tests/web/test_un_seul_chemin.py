"""One lookup, one set of rules (issue 11, point 1): the web page and the REST API give, point
for point, the answers of ``Checker.columns``; and the index gives GEOS's answers."""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely

import quartiers
from quartiers.eligibility import checker, coords
from quartiers.eligibility.reference import geos_query

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]


@pytest.fixture(scope="module")
def pres_des_limites() -> tuple[np.ndarray, np.ndarray]:
    """3 000 points within 30 m of the 2024 perimeters' limits, and a few far ones."""
    ps = checker("2024").perimeters
    rng = np.random.default_rng(2024)
    vertices = shapely.get_coordinates(shapely.boundary(ps.geometry))
    pick = vertices[rng.integers(0, len(vertices), 3000)]
    angle = rng.uniform(0, 2 * np.pi, 3000)
    r = rng.uniform(0, 30, 3000)
    x = np.r_[pick[:, 0] + r * np.cos(angle), 1_043_000, 890_000, 843_000]
    y = np.r_[pick[:, 1] + r * np.sin(angle), 6_298_000, 6_246_000, 6_519_000]
    return coords.to_wgs84(x, y)


def test_l_index_donne_les_reponses_de_geos(pres_des_limites):
    chk = checker("2024")
    lon, lat = pres_des_limites
    x, y = coords.to_lambert93(lon, lat)
    r = chk.query(x, y)
    inside, distance = geos_query(chk.perimeters, x, y)
    assert (r.inside == inside).all()
    assert np.allclose(r.distance, distance, atol=0.01)


def test_api_et_checker_meme_reponse_point_par_point(client, pres_des_limites):
    lon, lat = pres_des_limites
    attendu = quartiers.lookup(lon, lat, perimeters="2024", crs="wgs84")
    points = [{"id": i, "lon": float(a), "lat": float(b)}
              for i, (a, b) in enumerate(zip(lon, lat, strict=True))]
    r = client.post("/api/v1/verification/lot", {"millesime": "2024", "points": points},
                    content_type="application/json")
    assert r.status_code == 200
    res = r.json()["resultats"]
    assert [x["statut"] for x in res] == attendu["statut"].tolist()
    assert [x["qpv_code"] for x in res] == [v if isinstance(v, str) else None
                                            for v in attendu["qpv_code"]]
    assert [x["distance_m"] for x in res] == [None if np.isnan(v) else v
                                              for v in attendu["distance_m"]]
    assert [x["bande_300m"] for x in res] == [None if v is None or v is np.nan or
                                              str(v) == "<NA>" else bool(v)
                                              for v in attendu["bande_300m"].astype(object)]
    assert {"oui", "non"} <= set(attendu["statut"])  # both sides of the limits were asked


def test_page_et_api_meme_reponse(client, pres_des_limites):
    lon, lat = pres_des_limites
    attendu = quartiers.lookup(lon[::150], lat[::150], perimeters="2024", crs="wgs84")
    for a, b, statut in zip(lon[::150], lat[::150], attendu["statut"], strict=True):
        html = client.get("/verifier/", {"lon": f"{a:.12f}", "lat": f"{b:.12f}"}).content
        assert re.search(rf'data-statut="{statut}"', html.decode()), (a, b, statut)
        api = client.get("/api/v1/verification", {"lon": a, "lat": b}).json()
        assert api["statut"] == statut
