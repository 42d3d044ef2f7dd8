"""Invariants of a delimitation, shared by the property tests and the real-data test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from quartiers.delimitation import Delimitation
from quartiers.delimitation.decision import RETENU
from quartiers.delimitation.zones import CORNER, EDGE
from quartiers.io.urban_units import UrbanUnits
from quartiers.parameters import Rules


def zone_cells(result: Delimitation, z: int) -> np.ndarray:
    """(col, row) raster cells of zone ``z``: its squares and the empty cells it filled."""
    zones, grid = result.zones, result.grid
    members = zones.square_zone == z
    cols = (grid.x[members] - zones.x0) // zones.resolution
    rows = (grid.y[members] - zones.y0) // zones.resolution
    extra = zones.extra_cells[zones.extra_cells[:, 2] == z]
    return np.column_stack([np.r_[cols, extra[:, 0]], np.r_[rows, extra[:, 1]]])


def check_invariants(result: Delimitation, r: Rules, uus: UrbanUnits) -> None:
    """Invariants every delimitation must satisfy (synthetic or real)."""
    zones, grid, table = result.zones, result.grid, result.explanations
    squares = result.squares
    assert len(table) == zones.count
    assert table["zone"].tolist() == list(range(zones.count))
    structure = CORNER if r.connexite == "coin" else EDGE
    col = (grid.x - zones.x0) // zones.resolution
    row = (grid.y - zones.y0) // zones.resolution
    occupied = {(int(c), int(w)) for c, w in zip(col, row, strict=True)}
    for z in range(zones.count):
        cells = zone_cells(result, z)
        assert len(cells) == table["nb_carreaux"].iloc[z]
        # connected under the chosen contiguity
        cells = cells - cells.min(axis=0)
        raster = np.zeros((cells[:, 1].max() + 3, cells[:, 0].max() + 3), dtype=bool)
        raster[cells[:, 1] + 1, cells[:, 0] + 1] = True
        assert ndimage.label(raster, structure=structure)[1] == 1, f"zone {z} not connected"
        # in one urban unit
        members = zones.square_zone == z
        assert set(squares.uu[members].tolist()) == {int(zones.zone_uu[z])}
        assert table["uu_code"].iloc[z] == uus.codes[zones.zone_uu[z]]
        # filled cells were empty
        extra = zones.extra_cells[zones.extra_cells[:, 2] == z]
        assert not {(int(c), int(w)) for c, w, _ in extra} & occupied
        assert table["population"].iloc[z] == pytest.approx(grid.ind[members].sum(), abs=0.06)
    # every low-income square of a known UU seeds a zone
    low = squares.low & (squares.uu >= 0)
    assert (zones.square_zone[low] >= 0).all()
    kept = table[table["motif"] == RETENU]
    assert (kept["population"] >= r.population_min_quartier).all()
    # both rounded to 0.1 EUR in the table: strictly below becomes at most
    assert (kept["statistique"] <= kept["seuil_applique"]).all()
    assert kept["uu_code"].isin(uus.codes[squares.uu_eligible & uus.is_urban]).all()
    assert sorted(result.quartiers["code"]) == sorted(kept["code"])
    assert table["code"].is_unique
