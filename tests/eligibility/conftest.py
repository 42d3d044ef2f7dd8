"""Fixtures for the eligibility tests: real perimeter sets (shared data) and a CLI runner."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from quartiers.eligibility import Checker, checker


@pytest.fixture(scope="session")
def chk2024(shared_data) -> Checker:
    return checker("2024")


@pytest.fixture(scope="session")
def chk2015(shared_data) -> Checker:
    return checker("2015")


@pytest.fixture
def run_cli(monkeypatch, capsys) -> Callable[..., tuple[int, str]]:
    """Run ``quartiers ARGS`` in-process: (exit code, stdout + stderr, whitespace-normalised)."""
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
