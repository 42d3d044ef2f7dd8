"""Threshold arithmetic of décret n° 2014-767, art. 2 and 4, against hand-computed examples.

S = 0.6 x (0.7 x RMUC-nat + 0.3 x RMUC-UU), or 0.6 x (0.3 x RMUC-nat + 0.7 x RMUC-UU) for an
urban unit of 5 million inhabitants or more, rounded UP to the next 100 EUR. National median
used below: Filosofi 2018, France métropolitaine, 21 730 EUR.
"""

from __future__ import annotations

import numpy as np
import pytest

from quartiers.delimitation.thresholds import (
    national_weight,
    round_up,
    threshold,
    uu_is_eligible,
)
from quartiers.errors import QuartiersError
from quartiers.parameters import load_rules, parse_overrides, rule_sets

NAT = 21730.0


def s(median_uu: float, population: int, jeu: str = "2024", **overrides: object) -> int:
    rules = load_rules(jeu, overrides or None)
    return int(threshold(np.array([median_uu]), NAT, np.array([population]), rules)[0])


@pytest.mark.parametrize(
    ("median_uu", "population", "expected", "hand"),
    [
        # 0.6 x (15 211 + 6 639) = 13 110 -> 13 200
        (22130.0, 500_000, 13200, "Nice-like UU"),
        # 0.6 x 21 730 = 13 038 -> 13 100
        (21730.0, 500_000, 13100, "UU median = national median"),
        # 0.6 x (15 211 + 6 789) = 13 200 exactly: an exact multiple is NOT rounded up
        (22630.0, 500_000, 13200, "exact multiple of 100"),
        # one euro more on the UU median: 13 200.18 -> 13 300
        (22631.0, 500_000, 13300, "just above a multiple"),
        # 0.6 x (15 211 + 6 000) = 12 726.6 -> 12 800
        (20000.0, 200_000, 12800, "poorer UU"),
        # 0.6 x (15 211 + 5 967) = 12 706.8 -> 12 800 (Avignon 2018 median)
        (19890.0, 300_000, 12800, "Avignon-like UU"),
    ],
)
def test_threshold_small_uu(median_uu: float, population: int, expected: int, hand: str) -> None:
    assert s(median_uu, population) == expected, hand


def test_five_million_switch() -> None:
    # under 5 million: 0.6 x (0.7 x 21 730 + 0.3 x 24 000) = 13 446.6 -> 13 500
    assert s(24000.0, 4_999_999) == 13500
    # from 5 million (Paris): 0.6 x (0.3 x 21 730 + 0.7 x 24 000) = 13 991.4 -> 14 000
    assert s(24000.0, 5_000_000) == 14000
    assert s(24000.0, 10_800_000) == 14000
    rules = load_rules("2024")
    w = national_weight(np.array([4_999_999, 5_000_000, 0]), rules)
    assert w.tolist() == [0.7, 0.3, 0.7]


def test_switch_is_configurable() -> None:
    # the 5 million bound and the weights are parameters like the others
    assert s(24000.0, 4_999_999, seuil_grande_uu=1_000_000) == 14000
    # 0.6 x (0.5 x 21 730 + 0.5 x 24 000) = 13 719 -> 13 800
    assert s(24000.0, 100_000, poids_national=0.5) == 13800


def test_exact_multiple_with_overridden_coefficient() -> None:
    # 0.55 x (15 211 + 6 789) = 12 100 exactly; in floating point 12 100.000000000002,
    # which a naive ceil() would round to 12 200
    assert 0.55 * (0.7 * NAT + 0.3 * 22630.0) > 12100
    assert s(22630.0, 500_000, coefficient="0.55") == 12100


def test_other_rounding_step_and_coefficient() -> None:
    # 0.5 x 21 730 = 10 865 -> 10 900 (step 100) / 10 870 (step 10) / 10 865 (step 1)
    assert s(NAT, 500_000, coefficient=0.5) == 10900
    assert s(NAT, 500_000, coefficient=0.5, arrondi_seuil=10) == 10870
    assert s(NAT, 500_000, coefficient=0.5, arrondi_seuil=1) == 10865


def test_unknown_uu_median_gives_minus_one() -> None:
    rules = load_rules("2024")
    out = threshold(np.array([np.nan, 20000.0]), NAT, np.array([50_000, 50_000]), rules)
    assert out.tolist() == [-1, 12800]


def test_rule_sets_give_same_threshold() -> None:
    # the 2023 revision did not change the formula, only the data vintages
    assert s(22130.0, 500_000, jeu="2014") == s(22130.0, 500_000, jeu="2024") == 13200


def test_round_up_exact_multiples() -> None:
    assert round_up(np.array([0, 1, 99, 100, 101, 9901, 10000, 10001]), 100).tolist() == [
        0, 100, 100, 100, 200, 10000, 10000, 10100,
    ]


@pytest.mark.parametrize(
    ("population", "eligible"),
    [
        (9_900, False),  # 9 900 stays 9 900 < 10 000
        (9_900.5, True),  # 9 901 -> 10 000
        (9_901, True),  # rounded up to 10 000
        (9_999, True),
        (10_000, True),
        (10_001, True),
        (0, False),
        (5_000, False),
    ],
)
def test_uu_population_rounded_up_to_100(population: float, eligible: bool) -> None:
    rules = load_rules("2024")
    assert bool(uu_is_eligible(np.array([population]), rules)[0]) is eligible


def test_uu_minimum_and_rounding_step_overridable() -> None:
    rules = load_rules("2024", {"population_min_uu": "20000", "arrondi_population_uu": "1000"})
    got = uu_is_eligible(np.array([19_000, 19_001, 20_000]), rules).tolist()
    assert got == [False, True, True]


# --- rule sets, references, dates, overrides ----------------------------------------------


def test_rule_sets_known() -> None:
    sets = rule_sets()
    assert set(sets) >= {"2014", "2024"}
    assert "2014-767" in sets["2014"]
    assert "2023-1312" in sets["2024"]


@pytest.mark.parametrize("jeu", ["2014", "2024"])
def test_legal_values_of_both_rule_sets(jeu: str) -> None:
    r = load_rules(jeu)
    assert r.jeu == jeu
    assert r.population_min_uu == 10000
    assert r.arrondi_population_uu == 100
    assert r.population_min_quartier == 1000
    assert r.coefficient == 0.6
    assert r.poids_national == 0.7
    assert r.poids_national_grande_uu == 0.3
    assert r.seuil_grande_uu == 5_000_000
    assert r.arrondi_seuil == 100
    assert r.cote_carreau == 200
    assert r.overridden == ()
    for name in ("population_min_uu", "population_min_quartier", "coefficient",
                 "poids_national", "seuil_grande_uu", "arrondi_seuil"):
        assert r.reference(name).startswith("Décret n° 2014-767"), name
        assert r.en_vigueur[name] == "2014-07-06"


def test_vintages_differ_between_rule_sets() -> None:
    r14, r24 = load_rules("2014"), load_rules("2024")
    assert r14.zonage_uu == "UU2010" and r24.zonage_uu == "UU2020"
    assert "2011" in r14.millesime_revenus and "2019" in r24.millesime_revenus
    assert "2023-1312" in r24.reference("millesime_revenus")
    assert r24.en_vigueur["millesime_revenus"] == "2024-01-01"
    assert r14.en_vigueur["millesime_revenus"] == "2014-07-06"


def test_method_choices_are_not_law() -> None:
    r = load_rules("2024")
    assert "méthode" in r.reference("connexite")
    rows = {row["parametre"]: row for row in r.describe()}
    assert rows["coefficient"]["reference"].startswith("Décret")
    assert rows["connexite"]["modifie"] is False
    assert {"jeu", "references"}.isdisjoint(rows)


def test_overrides_are_typed_and_recorded() -> None:
    r = load_rules("2024", {"coefficient": "0.55", "connexite": "cote", "combler_trous": "2",
                            "combler_ecarts": "oui", "population_min_quartier": "1500"})
    assert r.coefficient == 0.55
    assert r.connexite == "cote"
    assert r.combler_trous == 2
    assert r.combler_ecarts is True
    assert r.population_min_quartier == 1500
    assert set(r.overridden) == {"coefficient", "connexite", "combler_trous", "combler_ecarts",
                                 "population_min_quartier"}
    assert {row["parametre"] for row in r.describe() if row["modifie"]} == set(r.overridden)
    # the reference is kept: an override is a scenario on the same law
    assert r.reference("coefficient").startswith("Décret")
    assert load_rules("2024", {"combler_ecarts": "non"}).combler_ecarts is False


@pytest.mark.parametrize(
    ("overrides", "champ", "words"),
    [
        ({"coefficent": "0.5"}, "--param", "inconnu"),
        ({"coefficient": "abc"}, "coefficient", "n'est pas un nombre"),
        ({"population_min_quartier": "999.5"}, "population_min_quartier", "entier"),
        ({"combler_ecarts": "peut-être"}, "combler_ecarts", "booléen"),
        ({"connexite": "diagonale"}, "connexite", "inconnue"),
        ({"statistique": "mode"}, "statistique", "inconnue"),
    ],
)
def test_bad_overrides(overrides: dict[str, str], champ: str, words: str) -> None:
    with pytest.raises(QuartiersError) as err:
        load_rules("2024", overrides)
    assert err.value.champ == champ
    assert words in err.value.message


def test_unknown_rule_set() -> None:
    with pytest.raises(QuartiersError) as err:
        load_rules("2030")
    assert err.value.champ == "--regles"
    assert "2014" in err.value.message and "2024" in err.value.message


def test_parse_overrides() -> None:
    assert parse_overrides(["coefficient=0.55", " connexite = coin "]) == {
        "coefficient": "0.55", "connexite": "coin",
    }
    assert parse_overrides(None) == {}
    with pytest.raises(QuartiersError, match="nom=valeur"):
        parse_overrides(["coefficient"])
