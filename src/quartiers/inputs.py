"""Default inputs of the delimitation, read from the data directory unless named."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from quartiers.config import dataset
from quartiers.io.grid import Grid, read_grid
from quartiers.io.urban_units import UrbanUnits, load_urban_units


@dataclass
class Inputs:
    grid: Grid
    uus: UrbanUnits


def load_inputs(
    carroyage: Path | None = None,
    unites_urbaines: Path | None = None,
    revenus_uu: Path | None = None,
    revenus_nat: Path | None = None,
    resolution: int | None = None,
) -> Inputs:
    """Read the grid and the urban units (data directory defaults); ``resolution`` is the
    side the grid's squares must have (the rules' ``cote_carreau``), checked line by line."""
    grid = read_grid(carroyage or dataset("carroyage"), resolution)
    uus = load_urban_units(
        unites_urbaines or dataset("uu_composition"),
        revenus_uu or dataset("uu_revenus"),
        revenus_nat or dataset("national_revenus"),
    )
    return Inputs(grid, uus)


@functools.cache
def default_inputs() -> Inputs:
    """The data directory's grid and urban units, read once per process (shared by the
    web pages, the ``calcul`` perimeters and the register's loading)."""
    return load_inputs()
