"""Shared fixtures. Tests that need the real data read it from the data directory
(``QUARTIERS_DATA``, default ``../shared/data``); CI has it, so they never skip silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from quartiers.config import data_dir


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real open-data directory (fails loudly when absent)."""
    return data_dir()
