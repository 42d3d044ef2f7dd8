"""Every page of the web application with the Django test client, including refusals."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]


@pytest.mark.parametrize("url", ["/", "/accessibilite/", "/carte/", "/quartiers/",
                                 "/quartiers/?millesime=2015&departement=30",
                                 "/quartiers/?millesime=calcul&q=nice", "/verifier/",
                                 "/verifier/lots/", "/geographie/"])
def test_pages_repondent_en_francais(client, url):
    r = client.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert '<html lang="fr"' in html
    assert "<h1" in html


def test_carte_sert_les_bibliotheques_localement(client):
    html = client.get("/carte/").content.decode()
    assert "/static/vendor/maplibre-gl/maplibre-gl-csp.js" in html
    assert "https://" not in html.split("<body")[0]  # no CDN in <head>
    assert 'id="carte-config"' in html


def test_contours(client):
    r = client.get("/carte/contours/departements.geojson")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/geo+json"
    codes = {f["properties"]["code"] for f in r.json()["features"]}
    assert {"06", "13", "69", "84"} <= codes
    r = client.get("/carte/contours/communes/06.geojson")
    assert r.status_code == 200
    noms = {f["properties"]["nom"] for f in r.json()["features"]}
    assert "Nice" in noms
    assert client.get("/carte/contours/communes/99.geojson").status_code == 404
    assert client.get("/carte/contours/routes.geojson").status_code == 404


def test_fiche_quartier_officiel(client, point_dedans):
    r = client.get(f"/quartiers/{point_dedans.code}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert point_dedans.code in html
    assert "Niveau de vie moyen" in html
    assert "Unité urbaine" in html
    assert "Imprimer la fiche" in html


def test_fiche_quartier_calcule(client):
    from quartiers.web.geodonnees import listes

    code = str(listes.perimetres("calcul").codes[0])
    r = client.get(f"/quartiers/{code}/")
    assert r.status_code == 200
    assert "Quartiers calculés" in r.content.decode()


def test_fiche_inconnue(client):
    assert client.get("/quartiers/QN99999Z/").status_code == 404


def test_verifier_point_dedans(client, point_dedans):
    r = client.get("/verifier/", {"lon": point_dedans.lon, "lat": point_dedans.lat,
                                  "millesime": "2024", "tolerance": "0"})
    html = r.content.decode()
    assert 'data-statut="oui"' in html
    assert point_dedans.code in html
    assert "Liste officielle 2024, complète pour 896 communes" in html


def test_verifier_point_dehors(client, point_dehors):
    r = client.get("/verifier/", {"lon": point_dehors[0], "lat": point_dehors[1],
                                  "millesime": "2024"})
    assert 'data-statut="non"' in r.content.decode()


def test_verifier_point_proche_avec_tolerance(client, point_proche):
    r = client.get("/verifier/", {"lon": point_proche.lon, "lat": point_proche.lat,
                                  "millesime": "2024", "tolerance": "100"})
    html = r.content.decode()
    assert 'data-statut="non"' in html
    assert point_proche.code in html


@pytest.mark.parametrize("texte", ["43,70487, 7,25687", "7.25687;43.70487",
                                   "43.70487 7.25687"])
def test_coordonnees_collees_virgules_decimales(client, texte):
    html = client.get("/verifier/", {"adresse": texte, "millesime": "2024"}).content.decode()
    assert 'data-statut="oui"' in html and "Nice (06088)" in html


def test_marseille_inconnu_et_pas_non(client):
    """Issue 12: the 2024 list says nothing of Marseille: no "hors quartier" answer."""
    html = client.get("/verifier/", {"adresse": "43.2965, 5.3698"}).content.decode()
    assert 'data-statut="inconnu"' in html and 'data-statut="non"' not in html
    assert "ne couvre pas la commune Marseille (13055)" in html
    assert "prioritaire le plus proche est" not in html  # no faraway "nearest" quartier


@pytest.mark.parametrize("params, attendu", [
    ({"lon": "abc", "lat": "43.7", "millesime": "2024"}, "Saisissez un nombre"),
    ({"lon": "43.7", "lat": "7.2", "millesime": "2024"}, "probablement inversées"),
    ({"lon": "2.35", "lat": "-20", "millesime": "2024"}, "hors de France"),
    ({"lon": "7.2", "lat": "43.7", "millesime": "1999"}, "Sélectionnez un choix valide"),
    ({"millesime": "2024"}, "Saisissez une adresse ou des coordonnées"),
    ({"lon": "7,2", "lat": "43,7", "tolerance": "1 000,5"}, 'data-statut="'),
])
def test_verifier_point_refus(client, params, attendu):
    html = client.get("/verifier/", params).content.decode()
    assert attendu in html


def test_geographie_par_defaut(client):
    r = client.get("/geographie/")
    html = r.content.decode()
    assert 'id="resume"' in html
    assert 'id="comparaison"' in html
    assert "Quartiers retenus" in html


def test_geographie_scenario_et_telechargements(client):
    q = {"jeu": "2024", "p_population_min_quartier": "2000"}
    html = client.get("/geographie/", q).content.decode()
    assert "(modifié, défaut 1000)" in html
    gj = client.get("/geographie/quartiers.geojson", q)
    assert gj.status_code == 200 and gj.json()["type"] == "FeatureCollection"
    assert all(f["properties"]["population"] >= 2000 for f in gj.json()["features"])
    csv = client.get("/geographie/explications.csv", q)
    assert csv.status_code == 200 and b"motif" in csv.content.splitlines()[0]
    z = client.get("/geographie/resultats.zip", q)
    assert z.status_code == 200 and z["Content-Type"] == "application/zip"
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    assert any(n.endswith("quartiers.geojson") for n in names)
    assert any(n.endswith("explications.csv") for n in names)


def test_geographie_parametre_refuse(client):
    html = client.get("/geographie/", {"p_coefficient": "beaucoup"}).content.decode()
    assert "Paramètres refusés" in html
    assert "pas un nombre" in html
    assert client.get("/geographie/quartiers.geojson", {"p_connexite": "diagonale"}
                      ).status_code == 400
    assert client.get("/geographie/explications.csv", {"p_coefficient": "x"}).status_code == 400
    assert client.get("/geographie/resultats.zip", {"p_coefficient": "x"}).status_code == 400


def test_la_carte_dit_ou_chaque_liste_est_complete(client):
    html = client.get("/carte/").content.decode()
    assert "Liste officielle 2024</strong> : complète pour 896 communes" in html
    assert "Liste officielle 2015</strong> : complète pour 4\u202f455 communes" in html
