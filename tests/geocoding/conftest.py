"""Fixtures of the geocoder tests: a SYNTHETIC BAN-format file and its index (no data
directory needed), the index of the real reference addresses, a CLI runner."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

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


@pytest.fixture
def run_cli(monkeypatch, capsys) -> Callable[..., tuple[int, str]]:
    """Run ``quartiers ARGS`` in-process: (exit code, output, whitespace-normalised)."""
    from quartiers.cli import main

    def run(*args: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", ["quartiers", *map(str, args)])
        try:
            main()
            code = 0
        except SystemExit as e:
            code = int(e.code or 0)
        out = capsys.readouterr()
        return code, " ".join((out.out + out.err).split())

    return run
