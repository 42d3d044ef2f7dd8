"""SYNTHETIC grids with known answers: each test builds a few squares whose fate is known by
hand (contiguity, holes, gaps, imputed squares, minimums, thresholds, urban units, medians,
squares listing several communes, INSEE file layouts)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from quartiers.delimitation import Delimitation, delimit
from quartiers.delimitation.decision import RETENU
from quartiers.delimitation.export import write_delimitation
from quartiers.delimitation.squares import assign_urban_units
from quartiers.errors import QuartiersError
from quartiers.io.grid import read_grid
from quartiers.io.urban_units import UrbanUnits, load_urban_units
from quartiers.parameters import Rules

from .synth import (
    COMMUNE_A,
    COMMUNE_A2,
    COMMUNE_B,
    COMMUNE_JUST,
    COMMUNE_OUT,
    COMMUNE_SMALL,
    HIGH,
    LOW,
    RES,
    S_A,
    S_B,
    Cell,
    SynthUU,
    block,
    inspire_id,
    make_grid,
    make_uus,
    rules,
    write_csv_2015,
    write_csv_2019,
    write_uu_files,
)

SQUARE_AREA = RES * RES


def run(
    cells: list[Cell], r: Rules | None = None, uus: UrbanUnits | None = None, *,
    with_median: bool = False, geometry: bool = False, unknown: str = "erreur",
) -> Delimitation:
    uus = uus or make_uus()
    return delimit(
        make_grid(cells, with_median=with_median), uus, r or rules(),
        with_geometry=geometry, unknown_communes=unknown, commune_names=uus.commune_names,
    )


def motifs(result: Delimitation) -> list[str]:
    return sorted(result.explanations["motif"])


def populations(result: Delimitation) -> list[float]:
    return sorted(result.quartiers["population"].tolist())


# --- one zone, every number by hand ----------------------------------------------------


def test_single_zone_every_number() -> None:
    cells = block(0, 0, 4, 3, ind=100.0)
    cells[6].ind = 150.0  # (2, 1): the most populous square anchors the identifier
    result = run(cells, geometry=True)
    assert len(result.quartiers) == 1
    q = result.quartiers.iloc[0]
    assert q["code"] == f"QC90001-{inspire_id(cells[6].x, cells[6].y)}"
    assert q["uu_code"] == "90001"
    assert q["uu_nom"] == "Synthville-A"
    assert q["communes"] == COMMUNE_A
    assert q["population"] == 1250
    assert q["statistique"] == LOW
    assert q["type_statistique"] == "moyenne"
    assert q["seuil"] == S_A == 12800
    assert q["seuil_applique"] == S_A  # ratio_moyenne_mediane pinned to 1.0
    assert q["nb_carreaux"] == 12
    assert q["nb_carreaux_bas_revenus"] == 12
    assert q["regles"] == "2024"
    assert q["nom"] == f"Commune {COMMUNE_A} – quartier 1"
    assert result.quartiers.crs.to_epsg() == 2154
    geom = q["geometry"]
    assert geom.is_valid and geom.geom_type == "Polygon"
    assert geom.area == pytest.approx(12 * SQUARE_AREA, rel=2e-3)  # LAEA -> Lambert-93


def test_mean_to_median_ratio_scales_applied_threshold() -> None:
    cells = block(0, 0, 4, 3, ind=100.0, mean=13500.0)  # above S_A, below S_A x 1.1
    assert run(cells).quartiers.empty
    kept = run(cells, rules(ratio_moyenne_mediane=1.1)).quartiers
    assert len(kept) == 1
    assert kept.iloc[0]["seuil"] == S_A
    assert kept.iloc[0]["seuil_applique"] == pytest.approx(S_A * 1.1)


def test_statistic_equal_to_threshold_is_not_below() -> None:
    assert len(run(block(0, 0, 4, 3, ind=100.0, mean=S_A - 1)).quartiers) == 1
    result = run(block(0, 0, 4, 3, ind=100.0, mean=float(S_A)))
    assert result.explanations.empty and result.quartiers.empty


# --- contiguity -------------------------------------------------------------------------


def corner_touching_blocks() -> list[Cell]:
    # two blocks of 600 people that touch only by the corner (1,2)-(2,3)
    return block(0, 0, 2, 3, ind=100.0) + block(2, 3, 2, 3, ind=100.0)


def test_edge_contiguity_splits_corner_touching_blocks() -> None:
    result = run(corner_touching_blocks(), rules(connexite="cote"))
    assert len(result.explanations) == 2
    assert motifs(result) == ["population_insuffisante"] * 2
    assert result.quartiers.empty


def test_corner_contiguity_joins_corner_touching_blocks() -> None:
    result = run(corner_touching_blocks(), rules(connexite="coin"), geometry=True)
    assert motifs(result) == [RETENU]
    assert populations(result) == [1200]
    geom = result.quartiers.geometry.iloc[0]
    assert geom.is_valid
    assert geom.area == pytest.approx(12 * SQUARE_AREA, rel=2e-3)


def test_zones_never_cross_urban_units() -> None:
    cells = block(0, 0, 2, 3, ind=100.0) + block(2, 0, 2, 3, ind=100.0, commune=COMMUNE_B)
    result = run(cells, rules(connexite="coin", combler_trous=4, combler_ecarts="oui"))
    assert sorted(result.explanations["uu_code"]) == ["90001", "90002"]
    assert motifs(result) == ["population_insuffisante"] * 2


# --- hole filling ------------------------------------------------------------------------


def ring(ind: float = 150.0, **kw: object) -> list[Cell]:
    """A 3x3 ring of 8 squares around the empty cell (1, 1): 1 200 people."""
    return [c for c in block(0, 0, 3, 3, ind=ind, **kw) if (c.col, c.row) != (1, 1)]


def test_hole_kept_without_filling() -> None:
    result = run(ring(), rules(combler_trous=0), geometry=True)
    q = result.quartiers.iloc[0]
    assert q["nb_carreaux"] == 8 and q["population"] == 1200
    assert len(q["geometry"].interiors) == 1
    assert q["geometry"].area == pytest.approx(8 * SQUARE_AREA, rel=2e-3)


def test_empty_hole_filled() -> None:
    result = run(ring(), rules(combler_trous=1), geometry=True)
    q = result.quartiers.iloc[0]
    assert q["nb_carreaux"] == 9  # the empty cell joins the zone
    assert q["nb_carreaux_bas_revenus"] == 8
    assert q["population"] == 1200
    assert q["geometry"].geom_type == "Polygon" and len(q["geometry"].interiors) == 0
    assert q["geometry"].area == pytest.approx(9 * SQUARE_AREA, rel=2e-3)


def test_filled_rich_square_raises_zone_statistic_above_threshold() -> None:
    cells = [*ring(), Cell(1, 1, ind=1000.0, mean=HIGH)]
    kept = run(cells, rules(combler_trous=0))
    assert populations(kept) == [1200]
    result = run(cells, rules(combler_trous=1))
    row = result.explanations.iloc[0]
    # (1 200 x 9 000 + 1 000 x 30 000) / 2 200 = 18 545.45 >= 12 800
    assert row["motif"] == "revenu_au_dessus_du_seuil"
    assert row["population"] == 2200
    assert row["statistique"] == pytest.approx(18545.5, abs=0.1)
    assert row["nb_carreaux"] == 9 and row["nb_carreaux_bas_revenus"] == 8
    assert result.quartiers.empty


def test_hole_larger_than_limit_not_filled() -> None:
    # 4x3 rectangle around the 2-cell hole (1,1)-(2,1): 10 squares of 120 people
    cells = [c for c in block(0, 0, 4, 3, ind=120.0) if (c.col, c.row) not in {(1, 1), (2, 1)}]
    assert run(cells, rules(combler_trous=1)).quartiers.iloc[0]["nb_carreaux"] == 10
    assert run(cells, rules(combler_trous=2)).quartiers.iloc[0]["nb_carreaux"] == 12


def test_hole_holding_another_urban_unit_not_filled() -> None:
    cells = [*ring(), Cell(1, 1, ind=10.0, mean=HIGH, commune=COMMUNE_B)]
    q = run(cells, rules(combler_trous=4)).quartiers
    assert q.iloc[0]["nb_carreaux"] == 8 and q.iloc[0]["population"] == 1200


def diamond() -> list[Cell]:
    # four squares around (1, 1), touching each other only by corners
    return [Cell(c, r, ind=300.0) for c, r in ((1, 0), (0, 1), (2, 1), (1, 2))]


def test_hole_of_corner_ring_filled_only_under_corner_contiguity() -> None:
    coin = run(diamond(), rules(connexite="coin", combler_trous=1))
    assert coin.quartiers.iloc[0]["nb_carreaux"] == 5
    cote = run(diamond(), rules(connexite="cote", combler_trous=1))
    # with edge contiguity the centre is connected to the outside by its corners
    assert sorted(cote.explanations["nb_carreaux"]) == [1, 1, 1, 1]


# --- gap bridging ------------------------------------------------------------------------


def two_blocks_with_gap(gap: int = 1, **gap_cells: object) -> list[Cell]:
    left = block(0, 0, 3, 3, ind=60.0)  # 540 people
    right = block(3 + gap, 0, 3, 3, ind=60.0)
    middle = block(3, 0, gap, 3, **gap_cells) if gap_cells else []
    return left + right + middle


def test_gap_not_bridged_by_default() -> None:
    result = run(two_blocks_with_gap(), rules(combler_ecarts="non", connexite="coin"))
    assert motifs(result) == ["population_insuffisante"] * 2


def test_one_square_gap_bridged() -> None:
    result = run(two_blocks_with_gap(), rules(combler_ecarts="oui"), geometry=True)
    assert motifs(result) == [RETENU]
    q = result.quartiers.iloc[0]
    assert q["population"] == 1080
    assert q["nb_carreaux_bas_revenus"] == 18
    assert q["nb_carreaux"] > 18  # bridging cells are part of the quartier
    assert q["geometry"].is_valid
    assert q["geometry"].area == pytest.approx(q["nb_carreaux"] * SQUARE_AREA, rel=2e-3)


def test_wide_gap_not_bridged() -> None:
    result = run(two_blocks_with_gap(gap=3), rules(combler_ecarts="oui"))
    assert motifs(result) == ["population_insuffisante"] * 2


def test_gap_of_another_urban_unit_not_bridged() -> None:
    cells = two_blocks_with_gap(ind=50.0, mean=HIGH, commune=COMMUNE_B)
    result = run(cells, rules(combler_ecarts="oui", connexite="coin"))
    assert motifs(result) == ["population_insuffisante"] * 2


def test_bridged_rich_square_of_same_uu_counts_in_statistic() -> None:
    cells = two_blocks_with_gap(ind=400.0, mean=HIGH)
    result = run(cells, rules(combler_ecarts="oui"))
    row = result.explanations.iloc[0]
    assert len(result.explanations) == 1
    assert row["population"] >= 1080 + 400
    assert row["motif"] == "revenu_au_dessus_du_seuil"


# --- imputed near-empty squares ---------------------------------------------------------


def bridge_by_tiny_square(imputed: bool) -> list[Cell]:
    return (block(0, 0, 2, 3, ind=100.0) + block(3, 0, 2, 3, ind=100.0)
            + [Cell(2, 1, ind=3.0, imputed=imputed)])


def test_imputed_near_empty_square_kept_by_default() -> None:
    result = run(bridge_by_tiny_square(imputed=True), rules(population_min_carreau=0))
    assert populations(result) == [1203]


def test_imputed_near_empty_square_dropped() -> None:
    result = run(bridge_by_tiny_square(imputed=True), rules(population_min_carreau=5))
    assert motifs(result) == ["population_insuffisante"] * 2
    assert sorted(result.explanations["population"]) == [600, 600]
    assert not result.squares.low[-1]


def test_observed_tiny_square_not_dropped() -> None:
    result = run(bridge_by_tiny_square(imputed=False), rules(population_min_carreau=5))
    assert populations(result) == [1203]


def test_empty_square_is_never_low_income() -> None:
    cells = [*block(0, 0, 4, 3, ind=100.0), Cell(5, 5, ind=0.0, mean=0.0)]
    result = run(cells)
    assert not result.squares.low[-1]
    assert len(result.explanations) == 1


# --- population minimum -----------------------------------------------------------------


def test_population_minimum_exactly_reached() -> None:
    assert populations(run(block(0, 0, 5, 2, ind=100.0))) == [1000]


def test_population_minimum_missed() -> None:
    result = run(block(0, 0, 5, 2, ind=99.9))
    row = result.explanations.iloc[0]
    assert row["motif"] == "population_insuffisante"
    assert row["population"] == pytest.approx(999.0)
    assert "1000 habitants" in row["explication"]
    assert row["decision"] == "rejete"
    assert result.quartiers.empty


def test_population_minimum_override() -> None:
    assert populations(run(block(0, 0, 5, 2, ind=90.0), rules(population_min_quartier=900))) == [
        900
    ]


# --- urban units ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("commune", "motif"),
    [
        (COMMUNE_OUT, "hors_unite_urbaine"),
        (COMMUNE_SMALL, "unite_urbaine_trop_petite"),  # 9 900 inhabitants
        (COMMUNE_JUST, RETENU),  # 9 901, rounded up to 10 000
        (COMMUNE_A, RETENU),
        (COMMUNE_B, RETENU),
    ],
)
def test_zone_urban_unit_eligibility(commune: str, motif: str) -> None:
    result = run(block(0, 0, 4, 3, ind=100.0, commune=commune))
    assert motifs(result) == [motif]
    if motif != RETENU:
        assert result.quartiers.empty
        assert result.explanations.iloc[0]["explication"].startswith("rejeté")


def test_threshold_per_urban_unit() -> None:
    # A (S = 12 800) and B (S = 13 500), a mean of 13 000 is low in B only
    cells = block(0, 0, 4, 3, ind=100.0, mean=13000.0) + block(
        10, 0, 4, 3, ind=100.0, mean=13000.0, commune=COMMUNE_B
    )
    result = run(cells)
    assert result.quartiers["uu_code"].tolist() == ["90002"]
    assert result.quartiers["seuil"].tolist() == [S_B]


def test_uu_eligibility_uses_the_minimum_parameter() -> None:
    cells = block(0, 0, 4, 3, ind=100.0, commune=COMMUNE_A)  # UU of 200 000
    assert motifs(run(cells, rules(population_min_uu=250_000))) == ["unite_urbaine_trop_petite"]


def test_squares_listing_several_communes() -> None:
    grid = make_grid([
        Cell(0, 0, commune=COMMUNE_OUT + COMMUNE_A),  # outside UU, then A -> A
        Cell(1, 0, commune=COMMUNE_A + COMMUNE_B),  # A then B -> first one, A
        Cell(2, 0, commune=COMMUNE_B + COMMUNE_A),  # B then A -> B
        Cell(3, 0, commune=COMMUNE_OUT + "90902"),  # both outside -> outside group
        Cell(4, 0, commune=COMMUNE_OUT + COMMUNE_OUT + COMMUNE_B),  # third code counts
    ])
    uus = make_uus()
    uu = assign_urban_units(grid, uus)
    assert uus.codes[uu].tolist() == ["90001", "90001", "90002", "90000", "90002"]


def test_zone_communes_listed_by_population() -> None:
    cells = block(0, 0, 2, 3, ind=100.0) + block(2, 0, 2, 3, ind=150.0, commune=COMMUNE_A2)
    q = run(cells).quartiers.iloc[0]
    assert q["communes"] == f"{COMMUNE_A2},{COMMUNE_A}"
    assert q["population"] == 1500


def test_unknown_commune_is_an_error_naming_line_and_field() -> None:
    cells = [*block(0, 0, 2, 2), Cell(5, 5, commune="99999")]
    with pytest.raises(QuartiersError) as err:
        run(cells)
    assert err.value.ligne == 6  # fifth square, after the header
    assert err.value.champ == "lcog_geo"
    assert "99999" in err.value.message


def test_unknown_commune_ignored_on_request() -> None:
    cells = [*block(0, 0, 4, 3, ind=100.0), *block(8, 0, 4, 3, ind=100.0, commune="99999")]
    result = run(cells, unknown="ignorer")
    assert result.squares.uu[-1] == -1
    assert populations(result) == [1200]


def test_arrondissement_codes_mapped_to_their_commune() -> None:
    lyon = SynthUU("00760", "Lyon (synthétique)", 1_700_000, 22990.0, ("69123",))
    uus = make_uus((lyon,))
    result = run(block(0, 0, 4, 3, ind=100.0, commune="69383"), uus=uus)
    assert result.quartiers["uu_code"].tolist() == ["00760"]


def test_uu_without_median_is_an_error(tmp_path) -> None:
    files = write_uu_files(tmp_path, drop_median="90002")
    uus = load_urban_units(*files)
    with pytest.raises(QuartiersError) as err:
        run(block(0, 0, 2, 2, commune=COMMUNE_B), uus=uus)
    assert "90002" in err.value.message and err.value.champ == "MED18"


def test_uu_files_in_insee_layout(tmp_path) -> None:
    uus = load_urban_units(*write_uu_files(tmp_path))
    assert uus.codes.tolist() == ["90000", "90001", "90002", "90003", "90004"]
    # populations are the lower bounds of the TDUU2017 brackets
    assert uus.population.tolist() == [0, 200_000, 100_000, 7_000, 10_000]
    assert uus.is_urban.tolist() == [False, True, True, True, True]
    assert uus.national_median == 21730
    assert uus.median[1] == 20000
    idx = uus.index_of_communes(np.array([COMMUNE_A, COMMUNE_B, "99999"]))
    assert idx.tolist() == [1, 2, -1]
    result = run(block(0, 0, 4, 3, ind=100.0), uus=uus)
    assert result.quartiers["seuil"].tolist() == [S_A]


# --- per-square medians -----------------------------------------------------------------


def test_median_column_used_instead_of_proxy() -> None:
    # rich on average, poor by median: the median decides
    cells = block(0, 0, 4, 3, ind=100.0, mean=HIGH, median=9000.0)
    result = run(cells, rules(ratio_moyenne_mediane=1.1), with_median=True)
    q = result.quartiers.iloc[0]
    assert q["type_statistique"] == "mediane"
    assert q["statistique"] == 9000.0
    assert q["seuil_applique"] == S_A  # the mean-to-median ratio does not apply
    assert "médiane" in q["methode"]
    assert run(cells, rules(statistique="moyenne"), with_median=True).quartiers.empty
    assert run(cells).quartiers.empty  # same squares, no median column: the proxy says rich


def test_zone_median_is_population_weighted() -> None:
    cells = block(0, 0, 5, 1, ind=100.0, median=8000.0) + block(
        0, 1, 5, 1, ind=200.0, median=10000.0
    )
    q = run(cells, with_median=True).quartiers.iloc[0]
    # 500 people at 8 000, 1 000 at 10 000: the weighted median is 10 000
    assert q["statistique"] == 10000.0
    assert q["population"] == 1500


def test_median_requested_but_absent() -> None:
    with pytest.raises(QuartiersError) as err:
        run(block(0, 0, 2, 2), rules(statistique="mediane"))
    assert err.value.champ == "median"


# --- INSEE file layouts -----------------------------------------------------------------


def layout_cells() -> list[Cell]:
    return (
        block(0, 0, 4, 3, ind=100.5)
        + block(6, 0, 2, 2, ind=12.0, mean=HIGH, commune=COMMUNE_A + COMMUNE_B)
        + [Cell(9, 9, ind=4.0, imputed=True, commune=COMMUNE_B)]
        + block(20, 0, 4, 4, ind=80.0, commune=COMMUNE_B)
    )


def summary(result: Delimitation) -> list[tuple]:
    q = result.quartiers
    return sorted(zip(q["code"], q["population"], q["statistique"], q["nb_carreaux"],
                      strict=True))


@pytest.mark.parametrize("layout", ["2019", "2019;", "2015"])
def test_csv_layouts_read_like_the_direct_grid(tmp_path, uus, layout: str) -> None:
    path = tmp_path / "carreaux.csv"
    if layout == "2015":
        write_csv_2015(path, layout_cells())
    else:
        write_csv_2019(path, layout_cells(), sep=layout[4:] or ",")
    grid = read_grid(path)
    expected = make_grid(layout_cells())
    assert grid.ids.tolist() == expected.ids.tolist()
    np.testing.assert_array_equal(grid.x, expected.x)
    np.testing.assert_array_equal(grid.y, expected.y)
    np.testing.assert_allclose(grid.ind, expected.ind)
    np.testing.assert_allclose(grid.snv, expected.snv, atol=0.06)
    np.testing.assert_array_equal(grid.imputed, expected.imputed)
    assert grid.communes.tolist() == expected.communes.tolist()
    assert grid.median is None
    r = rules()
    assert summary(delimit(grid, uus, r)) == summary(delimit(expected, uus, r))
    assert len(summary(delimit(grid, uus, r))) == 2


def test_csv_with_median_column(tmp_path, uus) -> None:
    cells = block(0, 0, 4, 3, ind=100.0, mean=HIGH, median=9000.0)
    cells[0].median = None  # an empty cell is a missing median
    grid = read_grid(write_csv_2019(tmp_path / "carreaux.csv", cells, median=True))
    assert grid.median is not None and np.isnan(grid.median[0])
    result = delimit(grid, uus, rules())
    assert result.squares.statistic_kind == "mediane"
    assert result.quartiers.iloc[0]["nb_carreaux_bas_revenus"] == 11


@pytest.mark.parametrize("fmt", ["gpkg", "parquet"])
def test_geopackage_and_parquet_grids(tmp_path, uus, fmt: str) -> None:
    cells = layout_cells()
    g = make_grid(cells)
    frame = gpd.GeoDataFrame(
        {"idcar_200m": g.ids, "i_est_200": g.imputed.astype(int), "lcog_geo": g.communes,
         "ind": g.ind, "ind_snv": g.snv},
        geometry=shapely.box(g.x, g.y, g.x + RES, g.y + RES), crs="EPSG:3035",
    )
    path = tmp_path / f"carreaux.{fmt}"
    if fmt == "gpkg":
        frame.to_file(path, driver="GPKG", layer="carreaux", engine="pyogrio")
    else:
        frame.to_parquet(path)
    grid = read_grid(path)
    r = rules()
    assert summary(delimit(grid, uus, r)) == summary(delimit(g, uus, r))


# --- outputs ----------------------------------------------------------------------------


def test_outputs_with_no_quartier(tmp_path, uus) -> None:
    result = delimit(make_grid(block(0, 0, 2, 2, mean=HIGH)), uus, rules())
    assert result.quartiers.empty
    names = write_delimitation(result, uus, tmp_path, with_squares=True)
    assert {"quartiers.geojson", "quartiers.gpkg", "explications.csv"} <= set(names)
    assert gpd.read_file(tmp_path / "quartiers.geojson").empty
    assert pd.read_csv(tmp_path / "carreaux.csv")["bas_revenu"].sum() == 0


def test_per_square_table(uus) -> None:
    cells = [*block(0, 0, 4, 3, ind=100.0), Cell(8, 8, ind=50.0, mean=HIGH)]
    result = delimit(make_grid(cells), uus, rules())
    table = result.square_table(uus)
    assert len(table) == 13
    assert table["bas_revenu"].tolist() == [True] * 12 + [False]
    assert set(table["zone"][:12]) == {result.quartiers.iloc[0]["code"]}
    assert table["zone"].iloc[12] == ""
    assert set(table["decision_zone"][:12]) == {RETENU}
    assert set(table["uu_code"]) == {"90001"}
