"""Search and batch geocoding on the SYNTHETIC BAN-format index: types, scores, numbers
that do not exist, invented streets, threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from quartiers.geocoding import GeocodeResult


@pytest.fixture(scope="module")
def rows(ban_file) -> pd.DataFrame:
    df = pd.read_csv(ban_file, sep=";", dtype=str, on_bad_lines="skip")
    df = df[df["numero"].str.fullmatch(r"\d+") & df["lat"].str.fullmatch(r"[\d.]+")
            & df["lon"].str.fullmatch(r"[\d.]+")].fillna("")
    return df.astype({"lat": float, "lon": float}).sample(400, random_state=3)


def _queries(rows: pd.DataFrame) -> list[str]:
    return [f"{n} {r} {v} {p} {c}".replace("  ", " ") for n, r, v, p, c in zip(
        rows.numero, rows.rep, rows.nom_voie, rows.code_postal, rows.nom_commune, strict=True)]


def test_batch_finds_house_numbers(ban_geocoder, rows):
    res = ban_geocoder.geocode(_queries(rows))
    assert isinstance(res, GeocodeResult) and len(res) == len(rows)
    assert (res.type == "numero").all()
    assert np.allclose(res.lat, rows.lat.values, atol=1e-6)
    assert np.allclose(res.lon, rows.lon.values, atol=1e-6)
    assert (res.score == 1.0).all() and (res.radius_m == 0).all()
    assert list(res.citycode) == list(rows.code_insee)
    first = rows.iloc[0]
    assert res.label[0].startswith(f"{first.numero} ")
    assert res.label[0].endswith(f"{first.code_postal} {first.nom_commune}")


def test_lower_case_no_postcode_and_typo_still_score_high(ban_geocoder, rows):
    r = rows.iloc[:50]
    typo = [v[:-2] + v[-1] + v[-2] for v in r.nom_voie]  # last two letters swapped
    queries = [f"{n} {t} {c}".lower() for n, t, c in zip(r.numero, typo, r.nom_commune,
                                                         strict=True)]
    res = ban_geocoder.geocode(queries)
    assert (res.type == "numero").mean() >= 0.95
    assert (res.score[res.type == "numero"] >= 0.8).all()


def test_unknown_number_returns_the_street_with_its_radius(ban_geocoder, rows):
    r = rows.iloc[0]
    res = ban_geocoder.geocode([f"9999 {r.nom_voie} {r.code_postal} {r.nom_commune}"])
    assert res.type[0] in ("rue", "lieudit")
    assert res.radius_m[0] >= 100 and 0.8 <= res.score[0] < 1.0
    assert not res.label[0].startswith("9999")


def test_invented_street_is_never_a_confident_number(ban_geocoder, rows):
    r = rows.iloc[0]
    res = ban_geocoder.geocode([f"12 rue Zorglub Vakmop {r.code_postal} {r.nom_commune}",
                                f"12 impasse des Brigantins {r.code_postal}"])
    assert (res.type != "numero").all() and (res.score < 0.5).all()
    assert res.type[0] == "commune" and res.citycode[0] == r.code_insee


def test_not_found_and_empty(ban_geocoder):
    res = ban_geocoder.geocode(["", None, "xqzw"])
    assert (res.score == 0).all() and np.isnan(res.lat).all()
    assert list(res.type) == [None, None, None]


def test_search_suggests_while_typing(ban_geocoder, rows):
    r = rows.iloc[1]
    typed = f"{r.numero} {r.nom_voie} {r.nom_commune}"
    found = ban_geocoder.search(typed[:-3], limit=5)
    assert found and found[0]["citycode"] == r.code_insee
    assert set(found[0]) == {"lat", "lon", "score", "label", "type", "citycode", "postcode",
                             "city", "radius_m"}
    scores = [f["score"] for f in found]
    assert scores == sorted(scores, reverse=True)


def test_threads_get_the_same_answers(ban_geocoder, rows):
    queries = _queries(rows)[:40]
    alone = [ban_geocoder.search(q, limit=3) for q in queries]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda q: ban_geocoder.search(q, limit=3), queries * 3))
    assert together == alone * 3
    big = _queries(rows) * 12  # split between two threads inside geocode
    res = ban_geocoder.geocode(big)
    assert (res.type == "numero").all()


def test_hostile_queries_are_cut_at_300_characters(ban_geocoder, rows):
    r = rows.iloc[2]
    address = f"{r.numero} {r.nom_voie} {r.code_postal} {r.nom_commune}"
    huge = address + " x" * 200_000
    res = ban_geocoder.geocode([huge, "é" * 5000, "12" * 3000])
    cut = ban_geocoder.geocode([huge[:300]])
    assert res.label[0] == cut.label[0] and res.score[0] == cut.score[0]
    assert res.type[0] == "numero"
    assert ban_geocoder.search(huge, limit=2) == ban_geocoder.search(huge[:300], limit=2)


def test_communes_are_found_by_their_other_names(ban_geocoder, ban_file):
    df = pd.read_csv(ban_file, sep=";", dtype=str, on_bad_lines="skip").fillna("")
    merged = df[df.nom_ancienne_commune != ""].drop_duplicates("code_insee").head(5)
    assert len(merged) == 5
    queries = [f"{n} {v} {old}" for n, v, old in zip(
        merged.numero, merged.nom_voie, merged.nom_ancienne_commune, strict=True)]
    res = ban_geocoder.geocode(queries)
    assert list(res.citycode) == list(merged.code_insee)
    assert (res.type == "numero").all() and (res.score == 1.0).all()
    assert list(res.city) == list(merged.nom_commune)  # shown under its current name
