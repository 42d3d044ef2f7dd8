"""Every delimitation parameter has its effect: changed alone on a SYNTHETIC grid built for
it, the outputs change (quartiers, explanations, per-square decisions or warnings; the
parameters table itself does not count), or the override is refused with a French reason.
A parameter added to ``regles.yaml`` without a case here fails ``test_every_parameter_has_a
case``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import shapely

from quartiers.delimitation import Delimitation, delimit
from quartiers.delimitation.export import vintage_warnings
from quartiers.errors import QuartiersError
from quartiers.io.urban_units import UrbanUnits
from quartiers.parameters import rule_names

from .synth import (
    COMMUNE_B,
    COMMUNE_JUST,
    COMMUNE_SMALL,
    HIGH,
    SYNTH_UUS,
    Cell,
    SynthUU,
    block,
    make_grid,
    make_uus,
    rules,
)


@dataclasses.dataclass
class Case:
    """Changing ``name`` from the default (with ``base`` overrides) to ``value`` on
    ``cells`` must change the outputs, or be refused with ``refused`` in the message."""

    value: object
    cells: Callable[[], list[Cell]] = lambda: block(0, 0, 4, 3, ind=100.0)
    base: dict[str, object] = dataclasses.field(default_factory=dict)
    uus: Callable[[], UrbanUnits] = make_uus
    jeu: str = "2024"
    run: dict[str, Any] = dataclasses.field(default_factory=dict)
    refused: str = ""
    default_refused: str = ""  # the default itself is refused (the change lifts it)


def fingerprint(result: Delimitation, uus: UrbanUnits) -> tuple:
    """What the output files hold, but the parameters table: explanations, quartiers with
    their outlines, the decision of every square, the warnings."""
    q = result.quartiers
    return (
        result.explanations.drop(columns=["zone"]).to_csv(index=False),
        q.drop(columns=["geometry", "zone"]).to_csv(index=False),
        tuple(shapely.to_wkb(q.geometry.to_numpy(), hex=True)),
        result.square_table(uus).to_csv(index=False),
        tuple(vintage_warnings(result, uus)),
    )


def outcome(case: Case, overrides: dict[str, object]) -> tuple | str:
    uus = case.uus()
    try:
        result = delimit(make_grid(case.cells(), with_median=case.run.get("median", False)),
                         uus, rules(case.jeu, **case.base, **overrides),
                         derogation_uu=case.run.get("derogation"),
                         commune_names=uus.commune_names)
    except QuartiersError as e:
        return f"refusé : {e.champ} : {e.message}"
    return fingerprint(result, uus)


def with_fiscal_population(people: float) -> Callable[[], UrbanUnits]:
    """SYNTHETIC units whose unit A has ``people`` in fiscal households (calibration)."""
    def build() -> UrbanUnits:
        uus = make_uus()
        fiscal = np.where(uus.codes == "90001", people, np.nan)
        return dataclasses.replace(uus, fiscal_population=fiscal)

    return build


def with_big_unit() -> UrbanUnits:
    """SYNTHETIC units plus one of 6 million inhabitants (commune 90501), median 24 000."""
    big = SynthUU("90005", "Grandeville", 6_000_000, 24000.0, ("90501",), "80")
    return make_uus((*SYNTH_UUS, big))


def ring_around_rich_square() -> list[Cell]:
    cells = block(0, 0, 4, 3, ind=100.0)
    cells[5] = Cell(1, 1, ind=10.0, mean=HIGH)  # rich and little populated, in the middle
    return cells


CASES: dict[str, Case] = {
    # legal values (décret n° 2014-767)
    "population_min_uu": Case(250_000),  # unit A has 200 000 inhabitants
    "arrondi_population_uu": Case(1, lambda: block(0, 0, 4, 3, commune=COMMUNE_JUST)),
    "population_min_quartier": Case(1201),  # 1 200 people
    "coefficient": Case(0.5, lambda: block(0, 0, 4, 3, mean=12000.0)),
    "poids_national": Case(0.0, lambda: block(0, 0, 4, 3, mean=12500.0)),
    "poids_national_grande_uu": Case(1.0, lambda: block(0, 0, 4, 3, mean=13500.0,
                                                       commune="90501"), uus=with_big_unit),
    "seuil_grande_uu": Case(100_000, lambda: block(0, 0, 4, 3, mean=13700.0,
                                                   commune=COMMUNE_B)),
    "arrondi_seuil": Case(1, lambda: block(0, 0, 4, 3, mean=12750.0)),
    "derogation_liste_precedente": Case(
        "oui", lambda: block(0, 0, 4, 3, commune=COMMUNE_SMALL), jeu="2014",
        run={"derogation": ["90003"]}, default_refused="ne prévoient pas de dérogation"),
    "cote_carreau": Case(1000, refused="carreaux de 200 m"),
    "millesime_revenus": Case("Filosofi 2021", refused="non modifiable"),
    "zonage_uu": Case("UU2010", refused="non modifiable"),
    # method choices
    "statistique": Case("moyenne", lambda: block(0, 0, 4, 3, mean=HIGH, median=9000.0),
                        run={"median": True}),
    "calibration_moyenne_mediane": Case(
        "uu", lambda: block(0, 0, 4, 3, mean=12000.0), uus=with_fiscal_population(1200)),
    "couverture_min_uu": Case(0.5, lambda: block(0, 0, 4, 3, mean=12000.0),
                              base={"calibration_moyenne_mediane": "uu"},
                              uus=with_fiscal_population(2000)),
    "ratio_moyenne_mediane": Case(1.1, lambda: block(0, 0, 4, 3, mean=13500.0)),
    "ratio_disponible_declare": Case(1.1, lambda: block(0, 0, 4, 3, mean=13500.0)),
    "connexite": Case("coin", lambda: block(0, 0, 2, 3) + block(2, 3, 2, 3)),
    "combler_trous": Case(1, lambda: [c for c in block(0, 0, 3, 3, ind=150.0)
                                      if (c.col, c.row) != (1, 1)]),
    "combler_ecarts": Case("oui", lambda: block(0, 0, 3, 3, ind=60.0)
                           + block(4, 0, 3, 3, ind=60.0)),
    "lissage": Case(1, ring_around_rich_square),
    # 0.5 person: decimal, as the grid's populations are (an integer type refused it)
    "population_min_carreau": Case(0.5, lambda: block(0, 0, 2, 3) + block(3, 0, 2, 3) + [
        Cell(2, 1, ind=0.4, imputed=True)]),
}


def test_every_parameter_has_a_case() -> None:
    assert set(CASES) == set(rule_names())


@pytest.mark.parametrize("name", sorted(CASES))
def test_parameter_changes_the_outputs_or_is_refused(name: str) -> None:
    case = CASES[name]
    before = outcome(case, {})
    if case.default_refused:
        assert isinstance(before, str) and case.default_refused in before, before
    else:
        assert not isinstance(before, str), before  # the default runs
    after = outcome(case, {name: case.value})
    if case.refused:
        assert isinstance(after, str) and case.refused in after, after
        assert after.startswith(f"refusé : {name}")
    else:
        assert not isinstance(after, str), after
        assert after != before, f"« {name} = {case.value} » ne change aucune sortie"


def test_locked_parameters_give_their_reason() -> None:
    for name in ("millesime_revenus", "zonage_uu"):
        with pytest.raises(QuartiersError) as err:
            rules(**{name: "x"})
        assert err.value.champ == name
        assert "paramètre non modifiable : il décrit" in err.value.message
        assert "avertissements" in err.value.message
