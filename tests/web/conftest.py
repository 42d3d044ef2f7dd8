"""Fixtures of the web application tests: Django settings, known points built independently
of the application (from the official perimeter file read with geopandas), a temporary
media folder for the batch jobs."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartiers.web.settings")
# Playwright's sync API runs an event loop in the main thread; the ORM calls of the tests
# themselves are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django

django.setup()


@dataclass(frozen=True)
class PointConnu:
    lon: float
    lat: float
    code: str
    nom: str


@pytest.fixture(scope="session")
def qpv_2024(shared_data):  # type: ignore[no-untyped-def]
    import geopandas as gpd

    from quartiers.config import dataset

    return gpd.read_file(dataset("qpv_2024")).to_crs("EPSG:2154")


def _wgs84(x: float, y: float) -> tuple[float, float]:
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
    lon, lat = t.transform(x, y)
    return float(lon), float(lat)


@pytest.fixture(scope="session")
def point_dedans(qpv_2024) -> PointConnu:  # type: ignore[no-untyped-def]
    """Interior point (shapely point_on_surface) of the largest 2024 QPV."""
    row = qpv_2024.loc[qpv_2024.geometry.area.idxmax()]
    p = row.geometry.representative_point()
    lon, lat = _wgs84(p.x, p.y)
    return PointConnu(lon, lat, row["q"], row["n"])


@pytest.fixture(scope="session")
def point_proche(qpv_2024) -> PointConnu:  # type: ignore[no-untyped-def]
    """30 m east of the easternmost vertex of the largest 2024 QPV (outside it)."""
    import numpy as np
    import shapely

    row = qpv_2024.loc[qpv_2024.geometry.area.idxmax()]
    coords = shapely.get_coordinates(row.geometry)
    x, y = coords[int(np.argmax(coords[:, 0]))]
    lon, lat = _wgs84(x + 30, y)
    return PointConnu(lon, lat, row["q"], row["n"])


@pytest.fixture(scope="session")
def point_dehors() -> tuple[float, float]:
    """Mountain village far from any QPV (Saint-Martin-Vésubie area, Alpes-Maritimes)."""
    return (7.2565, 44.0686)


@pytest.fixture
def media(tmp_path, settings):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LOTS_TRAITEMENT_INTEGRE = False
    return settings.MEDIA_ROOT


def pytest_configure(config):  # type: ignore[no-untyped-def]
    # WhiteNoise warns when collectstatic has not run (tests serve static files by finders)
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")
