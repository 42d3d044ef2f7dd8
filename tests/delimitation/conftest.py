"""Fixtures of the delimitation tests (synthetic helpers live in ``synth.py``)."""

from __future__ import annotations

import pytest

from quartiers.io.urban_units import UrbanUnits

from .synth import make_uus


@pytest.fixture
def uus() -> UrbanUnits:
    """SYNTHETIC urban units (see ``synth.SYNTH_UUS``)."""
    return make_uus()
