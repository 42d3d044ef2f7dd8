"""French numbers, readable codes and parameter labels (issue 9, point 10)."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pytest

from quartiers.web.accueil.templatetags.nombres import euros_fr, nombre_fr, pourcentage
from quartiers.web.libelles import code_lisible

FINE = "\u202f"


@pytest.mark.parametrize("valeur,decimales,attendu", [
    (523174, 0, f"523{FINE}174"),
    (535444.4, 0, f"535{FINE}444"),
    (1234.567, 2, f"1{FINE}234,57"),
    (0.55, -1, "0,55"),
    (100_000_000, -1, f"100{FINE}000{FINE}000"),
    (-1500, 0, f"-1{FINE}500"),
    (-0.001, 0, "0"),
    (Decimal("12.5"), 1, "12,5"),
    ("7", 0, "7"),
    (None, 0, "—"), (math.nan, 0, "—"), (math.inf, 0, "—"), ("abc", 0, "—"), (True, 0, "—"),
])
def test_nombre_a_la_francaise(valeur, decimales, attendu):
    assert nombre_fr(valeur, decimales) == attendu


def test_euros_et_pourcentage():
    assert euros_fr(21450) == f"21{FINE}450\u00a0€"
    assert pourcentage(0.1234) == "12,3\u00a0%"
    assert pourcentage(None) == "—"


def test_code_de_quartier_calcule_lisible():
    assert code_lisible("QC00760-CRS3035RES200mN2260000E4032400") == \
        "QC00760 · carreau N2260000 E4032400"
    assert code_lisible("QN00601M") == "QN00601M"


def test_parametres_virgule_espaces_et_bornes():
    from quartiers.errors import QuartiersError
    from quartiers.parameters import load_rules, parameter_info

    assert load_rules("2024", {"coefficient": "0,55"}).coefficient == 0.55
    assert load_rules("2024", {"seuil_grande_uu": f"5{FINE}000 000"}).seuil_grande_uu == 5_000_000
    for bad in ("1e999999999", "²⁰²⁴", "nan", "-1", "x" * 131_073):
        with pytest.raises(QuartiersError, match="coefficient"):
            load_rules("2024", {"coefficient": bad})
    with pytest.raises(QuartiersError, match="trop longue"):
        load_rules("2024", {"zonage_uu": "x" * 201})
    info = parameter_info("poids_national_grande_uu")
    assert info["libelle"].startswith("Poids du revenu médian national")
    assert info["bornes"] == [0, 1]


@pytest.mark.django_db
@pytest.mark.realdata
def test_page_geographie_libelles_et_virgule(client):
    html = client.get("/geographie/", {"p_coefficient": "0,55"}).content.decode()
    assert "Paramètres refusés" not in html
    assert "(modifié, défaut 0,6)" in html
    assert "Poids du revenu médian national (unités urbaines d&#x27;au moins 5 millions" in html
    assert ">poids_national_grande_uu<" not in html.replace("<code>poids_national_grande_uu"
                                                           "</code>", "")
    methode = re.search(r"Statistique de revenu : ([^<]+)", html).group(1)
    assert "ind_snv / ind" not in methode and "somme des niveaux de vie" in methode
    # computed codes: readable text, the full identifier only in the tooltip
    assert "· carreau N" in html
    assert not re.search(r">QC[0-9A-Z]+-CRS3035RES", html)
    refus = client.get("/geographie/", {"p_coefficient": "1e999999999"}).content.decode()
    assert "Paramètres refusés" in refus and "coefficient" in refus
