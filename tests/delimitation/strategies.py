"""Hypothesis strategies of SYNTHETIC grids, shared by the property and oracle tests."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from . import synth
from .synth import Cell

SIDE = 12
COMMUNES = [synth.COMMUNE_A, synth.COMMUNE_A, synth.COMMUNE_A2, synth.COMMUNE_B,
            synth.COMMUNE_OUT, synth.COMMUNE_SMALL, synth.COMMUNE_JUST,
            synth.COMMUNE_OUT + synth.COMMUNE_A, synth.COMMUNE_B + synth.COMMUNE_A]
UUS = synth.make_uus()
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

cell_st = st.builds(
    Cell,
    col=st.integers(0, SIDE - 1),
    row=st.integers(0, SIDE - 1),
    ind=st.sampled_from([0.0, 2.0, 4.0, 60.0, 150.0, 400.0]),
    mean=st.sampled_from([synth.LOW, 12000.0, 13000.0, 14000.0, synth.HIGH]),
    commune=st.sampled_from(COMMUNES),
    imputed=st.booleans(),
)


@st.composite
def cells_st(draw: st.DrawFn) -> list[Cell]:
    """Clumpy grids: a few rectangles of similar squares, then scattered squares."""
    cells: dict[tuple[int, int], Cell] = {}
    for _ in range(draw(st.integers(0, 4))):
        proto = draw(cell_st)
        w, h = draw(st.integers(1, 6)), draw(st.integers(1, 6))
        for r in range(proto.row, min(proto.row + h, SIDE)):
            for c in range(proto.col, min(proto.col + w, SIDE)):
                cells.setdefault((c, r), Cell(c, r, proto.ind, proto.mean, proto.commune,
                                              proto.imputed))
    for cell in draw(st.lists(cell_st, max_size=60)):
        cells.setdefault((cell.col, cell.row), cell)
    if not cells:
        cells[(0, 0)] = draw(cell_st)
    return list(cells.values())
