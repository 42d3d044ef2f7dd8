"""Fixtures of the geocoder tests: a SYNTHETIC BAN-format file and its index (no data
directory needed), the index of the real reference addresses, the CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest

# the CLI runner of the eligibility tests (tests/ is on pytest's import path)
from eligibility.conftest import run_cli  # noqa: F401

from quartiers.geocoding.engine import EmbeddedGeocoder
from quartiers.geocoding.indexing import build_index
from quartiers.geocoding.synthetic import write_ban


@pytest.fixture(scope="session")
def ban_file(tmp_path_factory) -> Path:
    """A synthetic BAN-format file (made-up addresses), 6 000 rows, 4 malformed."""
    return write_ban(tmp_path_factory.mktemp("ban") / "adresses-99.csv.gz", 6_000,
                     n_communes=40, bad_rows=4)


@pytest.fixture(scope="session")
def ban_index(ban_file, tmp_path_factory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("index") / "adresses"
    report = build_index(ban=[ban_file], output=folder, root=Path("/nonexistent"))
    return folder, report


@pytest.fixture(scope="session")
def ban_geocoder(ban_index) -> EmbeddedGeocoder:
    return EmbeddedGeocoder(ban_index[0])


@pytest.fixture(scope="session")
def reference_geocoder(shared_data, tmp_path_factory) -> EmbeddedGeocoder:
    folder = tmp_path_factory.mktemp("reference") / "adresses"
    build_index(reference=True, output=folder, root=shared_data)
    return EmbeddedGeocoder(folder)
