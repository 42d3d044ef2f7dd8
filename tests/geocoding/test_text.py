"""Normalisation of address text, on SYNTHETIC strings."""

from __future__ import annotations

import pytest

from quartiers.geocoding.text import fold, name_tokens, parse


def one(text: str):
    p = parse([text])
    return (int(p.number[0]), p.rep[0], int(p.postcode[0]), p.arrondissement[0],
            p.tokens[0].as_py())


@pytest.mark.parametrize("text, expected", [
    ("12 BOULEVARD PASTEUR", ["boulevard", "pasteur"]),
    ("12 bd pasteur", ["boulevard", "pasteur"]),
    ("12 bld Pasteur", ["boulevard", "pasteur"]),
    ("3 av. Jean Médecin", ["avenue", "jean", "medecin"]),
    ("3 r. de l'Église", ["rue", "de", "l", "eglise"]),
    ("3 ch des Oliviers", ["chemin", "des", "oliviers"]),
    ("3 che des Oliviers", ["chemin", "des", "oliviers"]),
    ("3 chem. des Oliviers", ["chemin", "des", "oliviers"]),
    ("3 pl. Masséna", ["place", "massena"]),
    ("3 imp. des Lilas", ["impasse", "des", "lilas"]),
    ("3 all. des Pins", ["allee", "des", "pins"]),
    ("3 rte de Grasse", ["route", "de", "grasse"]),
    ("3 sq. Carpeaux", ["square", "carpeaux"]),
    ("3 qu des Docks", ["quai", "des", "docks"]),
    ("3 fg Saint-Jean", ["faubourg", "saint", "jean"]),
    ("3 r St Roch", ["rue", "saint", "roch"]),
    ("3 r Ste Anne", ["rue", "sainte", "anne"]),
    ("3 av du Gal de Gaulle", ["avenue", "du", "general", "de", "gaulle"]),
    ("3 av Mal Juin", ["avenue", "marechal", "juin"]),
    ("3 rue du Onze Novembre", ["rue", "du", "11", "novembre"]),
    ("3 rue du 1er Mai", ["rue", "du", "1", "er", "mai"]),
    ("3 rue du premier mai", ["rue", "du", "1", "mai"]),
    ("RN 7", ["route", "nationale", "7"]),
    ("3 AVENUE DE L’EUROPE", ["avenue", "de", "l", "europe"]),
    ("3 Rue Nôtre-Dame-des-Œillets", ["rue", "notre", "dame", "des", "oeillets"]),
])
def test_words_and_abbreviations(text, expected):
    assert one(text)[4] == expected


@pytest.mark.parametrize("text, number, rep", [
    ("12 bis rue X", 12, "bis"),
    ("12bis rue X", 12, "bis"),
    ("12 B rue X", 12, "bis"),
    ("12 ter rue X", 12, "ter"),
    ("12 T rue X", 12, "ter"),
    ("12 a rue X", 12, "a"),
    ("20-22 rue X", 20, ""),
    ("20-22, RN 7", 20, ""),
    ("4 et 6 rue X", 4, ""),
    ("n° 5 rue X", 5, ""),
    ("0012 rue X", 12, ""),
    ("rue X", -1, ""),
    ("Bâtiment C, 18 allée des Pins", 18, ""),
])
def test_house_number_and_repetition(text, number, rep):
    got = one(text)
    assert (got[0], got[1]) == (number, rep)


@pytest.mark.parametrize("text", [
    "12 rue de la Paix BP 12 06000 Nice",
    "12 rue de la Paix CS 1234 06000 Nice",
    "12 rue de la Paix 06000 NICE CEDEX 1",
    "12 rue de la Paix, bâtiment C, 06000 Nice",
    "12 rue de la Paix bat. C 06000 Nice",
    "12 rue de la Paix, appartement 4, 3e étage, 06000 Nice",
    "12 rue de la Paix esc. B 06000 Nice",
    "Résidence Les Pins, 12 rue de la Paix, 06000 Nice",
    "12 rue de la Paix résidence Les Pins 06000 Nice",
    "Bâtiment C 12 rue de la Paix 06000 Nice",
])
def test_complements_are_stripped(text):
    assert one(text) == (12, "", 6000, None, ["rue", "de", "la", "paix", "nice"])


@pytest.mark.parametrize("text, code, tokens", [
    ("13007 MARSEILLE 7", "13207", ["marseille"]),
    ("Marseille 7e", "13207", ["marseille"]),
    ("Marseille 1er arrondissement", "13201", ["marseille"]),
    ("Lyon 3ème", "69383", ["lyon"]),
    ("4 montée Saint-Barthélemy 69321 Lyon 5e Arrondissement", "69385",
     ["montee", "saint", "barthelemy", "lyon"]),
    ("Paris 16e", "75116", ["paris"]),
    ("Lyon 12e", None, ["lyon"]),  # Lyon has 9 arrondissements
])
def test_arrondissements(text, code, tokens):
    got = one(text)
    assert got[3] == code
    assert got[4] == tokens


def test_postcode_is_the_last_five_digits_and_the_city_follows():
    p = parse(["1 rue X 06000 Nice", "rue X, Nice", "06300"])
    assert p.postcode.tolist() == [6000, -1, 6300]
    assert p.street_end.tolist() == [2, 3, 0]  # tokens after this index: the city part


def test_fold_and_none():
    assert fold(__import__("pyarrow").array(["ÉCOLE  Saint-Éloi", None])).to_pylist() == [
        "ecole saint eloi", None]
    p = parse([None, ""])
    assert p.number.tolist() == [-1, -1] and p.tokens.to_pylist() == [[], []]


def test_names_share_the_query_normal_form():
    assert name_tokens(["Boulevard du Général de Gaulle"]).to_pylist()[0] == \
        one("bd du gal de gaulle")[4]


def test_small_and_large_batches_parse_alike():
    """A few queries are parsed with Python's re, batches with pyarrow: same results."""
    from quartiers.geocoding.synthetic import spellings

    base = ["12 bis bd Pasteur, bat. C, 06000 NICE CEDEX 1", "13007 MARSEILLE 7",
            "Résidence Les Pins, 4 et 6 r. St-Roch 69003 Lyon 3ème", "20-22, RN 7",
            "l#039;Île, 3 av du Gal de Gaulle s/ Mer", None, "", " ,, "]
    texts = base + [s.query for s in spellings(
        ["18,Avenue Pasteur", "90 B AVENUE DES CHUTES LAVIE", "2 place de l'Église"],
        ["84500", "13004", "06000"], ["Bollène", "MARSEILLE", "Nice"], *([[0.0] * 3] * 2))]
    big = parse(texts * 3)  # more than SMALL_BATCH: pyarrow
    for i in range(len(texts)):
        small = parse([texts[i]])
        assert small.tokens.to_pylist()[0] == big.tokens.to_pylist()[i]
        for field in ("number", "rep", "postcode", "arrondissement", "street_end"):
            assert getattr(small, field)[0] == getattr(big, field)[i], (texts[i], field)
