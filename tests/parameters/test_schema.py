"""The parameter files against their schema: every file of the package loads, every key is
read by the code, every legal value has a Légifrance link; a broken file (unknown or
duplicated key, wrong type, unit or date) is refused with its file, line and key. The broken
files here are SYNTHETIC, written in the tests."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from quartiers.errors import QuartiersError
from quartiers.parameters import (
    Rules,
    dated,
    load_rules,
    parameter_info,
    rule_names,
    rule_sets,
)
from quartiers.parameters.catalogue import catalogue, read_file
from quartiers.parameters.usage import unread

GOOD = """\
parametres:
  duree:
    description: "Durée (SYNTHÉTIQUE)"
    unite: annees
    valeurs:
      "2024-01-01":
        valeur: 6
        reference:
          titre: "Texte synthétique"
          url: "https://www.legifrance.gouv.fr/exemple"
"""


def broken(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


def test_every_file_of_the_package_loads() -> None:
    files = {p.fichier for p in catalogue().parameters.values()}
    assert {"regles", "eligibilite"} <= files
    assert set(rule_sets()) == {"2014", "2024"}


def test_every_declared_parameter_is_read_by_the_code() -> None:
    assert unread() == [], "paramètres déclarés que le code ne lit jamais"


def test_unread_parameter_is_reported(tmp_path) -> None:
    code = tmp_path / "module.py"
    code.write_text("def f(rules):\n    return rules.coefficient, v('duree')\n")
    params, _ = read_file("essai.yaml", GOOD)
    from quartiers.parameters.catalogue import Catalogue

    reported = unread(Catalogue({p.nom: p for p in params}, {}), root=tmp_path)
    assert reported == []
    code.write_text("def f(rules):\n    return rules.coefficient\n")
    from quartiers.parameters import usage

    usage._names_in_code.cache_clear()
    assert unread(Catalogue({p.nom: p for p in params}, {}), root=tmp_path) == ["essai.duree"]


def test_a_good_synthetic_file() -> None:
    params, jeux = read_file("essai.yaml", GOOD)
    (p,) = params
    assert (p.nom, p.type, p.unite, jeux) == ("essai.duree", "entier", "annees", {})
    assert p.at("2030-01-01").valeur == 6
    with pytest.raises(QuartiersError, match="aucune valeur en vigueur au 2023-12-31"):
        p.at(dt.date(2023, 12, 31))


@pytest.mark.parametrize(
    ("text", "line", "champ", "words"),
    [
        (broken("    unite: annees", "    unite: annees\n    unit: annees"), 5,
         "parametres.duree.unit", "clé « unit » inconnue"),
        (broken("        valeur: 6", "        valeur: 6\n        valeurs: 7"), 8,
         "parametres.duree.valeurs.2024-01-01.valeurs", "clé « valeurs » inconnue"),
        (broken('          titre: "Texte synthétique"', '          titre: "Texte"\n'
                '          lien: "x"'), 10, "parametres.duree.valeurs.2024-01-01.reference.lien",
         "clé « lien » inconnue"),
        (broken("    unite: annees", "    unite: années"), 4, "parametres.duree.unite",
         "unité « années » inconnue"),
        (broken("        valeur: 6", "        valeur: 6.5"), 7,
         "parametres.duree.valeurs.2024-01-01.valeur", "n'est pas un nombre entier"),
        (broken('"2024-01-01"', '"2024-13-01"'), 6, "parametres.duree.valeurs.2024-13-01",
         "date « 2024-13-01 » invalide"),
        (broken('    description: "Durée (SYNTHÉTIQUE)"\n', ""), 2, "parametres.duree",
         "clé « description » absente"),
        (broken('          url: "https://www.legifrance.gouv.fr/exemple"',
                '          url: "legifrance"'), 10,
         "parametres.duree.valeurs.2024-01-01.reference.url", "https://"),
        (broken("    unite: annees", "    unite: annees\n    bornes: [0, 5]"), 8,
         "parametres.duree.valeurs.2024-01-01.valeur", "hors des bornes admises (0 à 5)"),
        (broken("    unite: annees", "    unite: annees\n    choix: [a, b]"), 5,
         "parametres.duree.choix", "choix pour un paramètre de type entier"),
        (broken("    unite: annees", "    unite: annees\n    unite: mois"), 5,
         "parametres.duree.unite", "clé « unite » en double"),
        ("jeux:\n  x:\n    date: 2024-01-01\n    libelle: y\n", 1, None,
         "aucune section de paramètres"),
        ("parametres: [1, 2]\n", 1, "parametres", "paramètres attendus"),
        ("parametres:\n  a: {b\n", 3, None, "YAML illisible"),
    ],
)
def test_broken_file_names_line_and_key(text: str, line: int | None, champ: str | None,
                                       words: str) -> None:
    with pytest.raises(QuartiersError) as err:
        read_file("essai.yaml", text)
    assert err.value.fichier == "essai.yaml"
    assert err.value.ligne == line
    assert err.value.champ == champ
    assert words in err.value.message


def test_rule_set_without_a_value_at_its_date() -> None:
    text = textwrap.dedent("""\
        jeux:
          "2010":
            date: "2010-01-01"
            libelle: "trop tôt"
        legislation:
          seuil:
            description: "x"
            unite: euros
            valeurs:
              "2014-07-06":
                valeur: 1
                reference: {titre: "t"}
        """)
    with pytest.raises(QuartiersError) as err:
        read_file("regles.yaml", text)
    assert err.value.ligne == 6 and err.value.champ == "seuil"
    assert "aucune valeur en vigueur au 2010-01-01 (jeu 2010)" in err.value.message


def test_every_legal_value_has_a_link() -> None:
    """Every value that is not a method choice cites its text with a link; the delimitation
    rules link to Légifrance."""
    for p in catalogue().parameters.values():
        for v in p.valeurs:
            if p.section == "methode" or v.reference.titre.startswith("Choix de méthode"):
                assert "méthode" in v.reference.titre.lower(), p.nom
                continue
            assert v.reference.url.startswith("https://"), p.nom
            if p.fichier == "regles":
                assert v.reference.url.startswith("https://www.legifrance.gouv.fr/"), p.nom
    for jeu in catalogue().jeux["regles"].values():
        assert any("2014-173" in r.titre and "JORFTEXT000028636804" in r.url
                   for r in jeu.references)
        assert all(r.url.startswith("https://www.legifrance.gouv.fr/") for r in jeu.references)


def test_search_links_are_flagged() -> None:
    """Links to a Légifrance search (the text's own id was not found) say so."""
    for p in catalogue().parameters.values():
        for v in p.valeurs:
            assert ("/search/" in v.reference.url) == v.reference.recherche, p.nom


def test_every_value_has_its_declared_type() -> None:
    kinds = {"entier": int, "decimal": float, "booleen": bool, "texte": str, "date": dt.date}
    for p in catalogue().parameters.values():
        for v in p.valeurs:
            assert type(v.valeur) is kinds[p.type], (p.nom, v.valeur)


def test_methode_section_has_units_and_dates() -> None:
    methode = [p for p in catalogue().of_file("regles") if p.section == "methode"]
    assert {p.cle for p in methode} >= {"connexite", "combler_trous", "lissage"}
    for p in methode:
        assert p.unite and p.valeurs[0].depuis == dt.date(2014, 7, 6), p.nom
    r = load_rules("2014")
    assert r.en_vigueur["connexite"] == "2014-07-06"


def test_dated_accessor() -> None:
    v = dated.value("eligibilite.tva_distance_qpv", "2024-06-01")
    assert (v.valeur, v.unite, v.depuis) == (300.0, "metres", dt.date(2024, 1, 1))
    assert v.reference.url.startswith("https://www.legifrance.gouv.fr/")
    assert "regles.coefficient" in dated.names()
    assert dated.value("regles.derogation_liste_precedente", "2023-12-31").valeur is False
    assert dated.value("regles.derogation_liste_precedente", "2024-01-01").valeur is True
    with pytest.raises(QuartiersError, match="aucune valeur en vigueur au 2023-12-31"):
        dated.value("eligibilite.tva_distance_qpv", "2023-12-31")
    with pytest.raises(QuartiersError, match="inconnu"):
        dated.value("eligibilite.inconnu")
    with pytest.raises(QuartiersError, match="invalide"):
        dated.value("eligibilite.tva_distance_qpv", "hier")


def test_parameter_info_for_forms() -> None:
    info = parameter_info("poids_national_grande_uu")
    assert info["libelle"].startswith("Poids du revenu médian national")
    assert info["bornes"] == [0.0, 1.0] and info["unite"] == "ratio" and not info["methode"]
    assert parameter_info("connexite")["choix"] == ("cote", "coin")
    assert parameter_info("zonage_uu")["verrouille"]
    assert len(rule_names()) == len(set(rule_names())) == 22
    # a parameter named like an attribute of Rules would be hidden by it
    assert set(rule_names()).isdisjoint(dir(Rules))
