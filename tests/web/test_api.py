"""REST API: every endpoint, errors as JSON with stable codes, token auth, rate limit."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]


def test_openapi_et_docs(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["info"]["version"] == "1"
    paths = doc["paths"]
    for p in ("/api/v1/verification", "/api/v1/verification/lot", "/api/v1/verification/csv",
              "/api/v1/quartiers", "/api/v1/quartiers/{code}", "/api/v1/lots",
              "/api/v1/registre/contrats", "/api/v1/adresses"):
        assert p in paths
    assert client.get("/api/v1/docs").status_code == 200


def test_point_dedans(client, point_dedans):
    r = client.get("/api/v1/verification", {"lon": point_dedans.lon, "lat": point_dedans.lat})
    assert r.status_code == 200
    d = r.json()
    assert d["statut"] == "oui" and d["motif"] is None
    assert d["dans_qpv"] is True
    assert d["qpv_code"] == point_dedans.code
    assert d["distance_m"] <= 0 and d["bande_300m"] is True
    assert d["liste"]["millesime"] == "2024" and "896 communes" in d["liste"]["couverture"]
    assert d["commune"]["code"] in d["communes"]


def test_point_dehors(client, point_dehors):
    d = client.get("/api/v1/verification", {"lon": point_dehors[0],
                                            "lat": point_dehors[1]}).json()
    assert d["statut"] == "non"
    assert d["dans_qpv"] is False and d["qpv_code"] is None and d["distance_m"] > 1000


@pytest.mark.parametrize("lon, lat, commune, motif", [
    (5.3698, 43.2965, "13055", "ne couvre pas la commune Marseille"),
    (5.4474, 43.5297, "13001", "ne couvre pas la commune Aix-en-Provence"),
    (4.8357, 45.7640, "69123", "ne couvre pas la commune Lyon"),
    (2.3522, 48.8566, None, "hors des communes connues"),
    (43.7, 7.2, None, "inversées"),
    (-40, 10, None, "hors de France"),
])
def test_ou_la_liste_ne_dit_rien_la_reponse_est_inconnu(client, lon, lat, commune, motif):
    """Issue 12: no confident "non" where the loaded 2024 list says nothing."""
    d = client.get("/api/v1/verification", {"lon": lon, "lat": lat}).json()
    assert d["statut"] == "inconnu" and motif in d["motif"]
    assert d["dans_qpv"] is None and d["distance_m"] is None and d["bande_300m"] is None
    assert (d["commune"] or {}).get("code") == commune


def test_point_proche(client, point_proche):
    d = client.get("/api/v1/verification", {"lon": point_proche.lon, "lat": point_proche.lat,
                                            "tolerance": 100}).json()
    assert d["dans_qpv"] is False
    assert d["qpv_proche"] == point_proche.code
    assert 0 < d["distance_proche_m"] <= 31


@pytest.mark.parametrize("params, status, code", [
    ({"lat": "43.7"}, 400, "requete_invalide"),
    ({"lon": "x", "lat": "43.7"}, 422, "requete_invalide"),
    ({}, 400, "requete_invalide"),
    ({"lon": "7.2", "lat": "43.7", "millesime": "1999"}, 400, "millesime_inconnu"),
    ({"lon": "7.2", "lat": "43.7", "tolerance": "-5"}, 400, "tolerance_invalide"),
])
def test_point_erreurs(client, params, status, code):
    r = client.get("/api/v1/verification", params)
    assert r.status_code == status
    body = r.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]


def test_limite_de_debit(client, settings, django_user_model, point_dehors):
    from quartiers.web.api.models import JetonApi

    settings.LIMITE_VERIFICATION_PAR_MINUTE = 3
    q = {"lon": point_dehors[0], "lat": point_dehors[1]}
    for _ in range(3):
        assert client.get("/api/v1/verification", q).status_code == 200
    r = client.get("/api/v1/verification", q)
    assert r.status_code == 429
    assert r.json()["code"] == "trop_de_requetes"
    assert int(r["Retry-After"]) > 0
    # a machine client with a token is not limited
    user = django_user_model.objects.create_user("machine", password="x-Secret-123")
    _, jeton = JetonApi.creer(user, "test")
    r = client.get("/api/v1/verification", q, HTTP_AUTHORIZATION=f"Bearer {jeton}")
    assert r.status_code == 200


def test_lot_json(client, point_dedans, point_dehors):
    r = client.post("/api/v1/verification/lot", {
        "millesime": "2024",
        "points": [{"id": "a", "lon": point_dedans.lon, "lat": point_dedans.lat},
                   {"id": "b", "lon": point_dehors[0], "lat": point_dehors[1]},
                   {"id": "c", "lon": None, "lat": 43.0},
                   {"id": "d", "lon": 43.7, "lat": 7.2}],
    }, content_type="application/json")
    assert r.status_code == 200
    d = r.json()
    res = {x["id"]: x for x in d["resultats"]}
    assert res["a"]["dans_qpv"] and res["a"]["qpv_code"] == point_dedans.code
    assert not res["b"]["dans_qpv"] and res["b"]["statut"] == "non"
    assert res["c"]["statut"] == res["d"]["statut"] == "inconnu"
    rej = {x["id"]: x["code"] for x in d["rejets"]}
    assert rej == {"c": "coordonnees_invalides", "d": "coordonnees_inversees"}


def test_lot_json_invalide(client):
    r = client.post("/api/v1/verification/lot", "{pas du json", content_type="application/json")
    assert r.status_code in (400, 422)
    assert r.json()["code"] in ("requete_invalide",)


def test_lot_csv(client, point_dedans):
    body = f"id;lon;lat\n1;{point_dedans.lon};{point_dedans.lat}\n2;abc;43\n"
    r = client.post("/api/v1/verification/csv", body, content_type="text/csv")
    assert r.status_code == 200
    d = r.json()
    assert d["resultats"][0]["qpv_code"] == point_dedans.code
    assert d["resultats"][1]["statut"] == "inconnu"
    assert d["rejets"][0]["code"] == "coordonnees_invalides"
    # a ragged line is reported with its line number, the others answered
    body = f"id;lon;lat\n1;{point_dedans.lon};{point_dedans.lat}\n2;7.2;43.7;trop\n"
    d = client.post("/api/v1/verification/csv", body, content_type="text/csv").json()
    assert len(d["resultats"]) == 1
    assert d["lignes_illisibles"] == [{"ligne": 3, "motif": "ligne illisible : 4 champ(s) "
                                                           "au lieu de 3"}]
    r = client.post("/api/v1/verification/csv", "a;b\n1;2\n", content_type="text/csv")
    assert r.status_code == 400 and r.json()["code"] == "requete_invalide"
    r = client.post("/api/v1/verification/csv", "", content_type="text/csv")
    assert r.status_code == 400


def test_quartiers_geojson_filtres(client):
    d = client.get("/api/v1/quartiers", {"millesime": "2024"}).json()
    assert d["type"] == "FeatureCollection" and len(d["features"]) == 73
    f = d["features"][0]
    assert {"code", "nom", "communes", "departement", "uu_code"} <= set(f["properties"])
    ring = f["geometry"]["coordinates"][0]
    lon, lat = ring[0] if f["geometry"]["type"] == "Polygon" else ring[0][0]
    assert 4 < lon < 8 and 42 < lat < 46
    d06 = client.get("/api/v1/quartiers", {"millesime": "2024", "departement": "06"}).json()
    assert 0 < len(d06["features"]) < 73
    assert all(f["properties"]["departement"] == "06" for f in d06["features"])
    nice = client.get("/api/v1/quartiers", {"millesime": "2024", "uu": "06701"}).json()
    assert nice["features"] and all(f["properties"]["uu_code"] == "06701"
                                    for f in nice["features"])
    d15 = client.get("/api/v1/quartiers", {"millesime": "2015"}).json()
    assert all(f["properties"]["code"].startswith("QP") for f in d15["features"])
    calc = client.get("/api/v1/quartiers", {"millesime": "calcul"}).json()
    assert calc["features"]
    r = client.get("/api/v1/quartiers", {"millesime": "2030"})
    assert r.status_code == 400 and r.json()["code"] == "millesime_inconnu"


def test_fiche_api(client, point_dedans):
    d = client.get(f"/api/v1/quartiers/{point_dedans.code}").json()
    assert d["code"] == point_dedans.code
    assert d["indicateurs"]["population"] > 0
    assert d["unite_urbaine"]["mediane_niveau_de_vie"] > 0
    assert "registre" in d
    r = client.get("/api/v1/quartiers/INCONNU")
    assert r.status_code == 404 and r.json()["code"] == "introuvable"


def test_lots_api_exige_authentification(client, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    f = SimpleUploadedFile("a.csv", b"lon;lat\n7.2;43.7\n", content_type="text/csv")
    r = client.post("/api/v1/lots", {"fichier": f})
    assert r.status_code == 401 and r.json()["code"] == "authentification_requise"
    r = client.get("/api/v1/lots/00000000-0000-0000-0000-000000000000",
                   HTTP_AUTHORIZATION="Bearer faux")
    assert r.status_code == 401


def test_lots_api_cycle_complet(client, media, django_user_model, point_dedans):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from quartiers.web.api.models import JetonApi
    from quartiers.web.verification.lots import traiter_en_attente

    alice = django_user_model.objects.create_user("alice", password="x-Secret-123")
    bob = django_user_model.objects.create_user("bob", password="x-Secret-123")
    _, ja = JetonApi.creer(alice, "test")
    _, jb = JetonApi.creer(bob, "test")
    contenu = f"id,lon,lat\n1,{point_dedans.lon},{point_dedans.lat}\n2,,\n".encode()
    r = client.post("/api/v1/lots", {"fichier": SimpleUploadedFile("b.csv", contenu),
                                     "millesime": "2024"}, HTTP_AUTHORIZATION=f"Bearer {ja}")
    assert r.status_code == 201, r.content
    lot_id = r.json()["id"]
    assert r.json()["statut"] == "attente"
    r = client.get(f"/api/v1/lots/{lot_id}/resultat", HTTP_AUTHORIZATION=f"Bearer {ja}")
    assert r.status_code == 409 and r.json()["code"] == "conflit"
    assert traiter_en_attente() == 1
    d = client.get(f"/api/v1/lots/{lot_id}", HTTP_AUTHORIZATION=f"Bearer {ja}").json()
    assert d["statut"] == "termine" and d["dans_qpv"] == 1 and d["rejetees"] == 0
    assert (d["oui"], d["non"], d["inconnu"]) == (1, 0, 1)
    res = client.get(d["resultat_url"], HTTP_AUTHORIZATION=f"Bearer {ja}")
    text = b"".join(res.streaming_content).decode()
    assert point_dedans.code in text
    assert "coordonnée manquante" in text  # an answer, in the result
    # another user is refused
    r = client.get(f"/api/v1/lots/{lot_id}", HTTP_AUTHORIZATION=f"Bearer {jb}")
    assert r.status_code == 403 and r.json()["code"] == "acces_refuse"
    r = client.get(f"/api/v1/lots/{lot_id}/autre", HTTP_AUTHORIZATION=f"Bearer {ja}")
    assert r.status_code == 404


def test_jeton_inactif_refuse(client, django_user_model):
    from quartiers.web.api.models import JetonApi

    u = django_user_model.objects.create_user("carole", password="x-Secret-123")
    obj, jeton = JetonApi.creer(u, "test")
    obj.actif = False
    obj.save()
    r = client.get("/api/v1/registre/contrats", HTTP_AUTHORIZATION=f"Bearer {jeton}")
    assert r.status_code == 401


def test_commande_creer_jeton(django_user_model, capsys):
    from django.core.management import call_command

    django_user_model.objects.create_user("dora", password="x-Secret-123")
    call_command("creer_jeton", "dora", "--nom", "essai")
    out = capsys.readouterr().out.strip()
    assert out.startswith("qp_")
    from quartiers.web.api.auth import utilisateur_du_jeton

    assert utilisateur_du_jeton(out).username == "dora"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("creer_jeton", "personne")


def test_adresse_saisie_et_suggestions(client):
    """Issue 12: a typed address in the API, and suggestions while typing."""
    d = client.get("/api/v1/verification", {"adresse": "8 rue docteur barbaroux brignoles"}
                   ).json()
    assert d["statut"] == "oui" and d["adresse"]["type"] == "numero"
    assert d["adresse"]["score"] >= 0.8 and "Barbaroux" in d["adresse"]["libelle"]
    assert d["commune"] == {"code": "83023", "nom": "Brignoles"}
    d = client.get("/api/v1/verification", {"adresse": "3 rue des Licornes Bleues Nice"}
                   ).json()
    assert d["statut"] == "inconnu" and d["motif"].startswith("adresse introuvable")
    d = client.get("/api/v1/verification", {"adresse": "43,70487, 7,25687"}).json()
    assert d["statut"] == "oui" and d.get("adresse") is None  # coordinates, pasted
    s = client.get("/api/v1/adresses", {"q": "8 rue docteur barb"}).json()
    assert s and "Barbaroux" in s[0]["libelle"] and {"lat", "lon", "score", "type"} <= set(s[0])
    assert client.get("/api/v1/adresses", {"q": "ab"}).json() == []
    r = client.get("/api/v1/adresses", {"q": "x" * 300})
    assert r.status_code in (400, 422) and r.json()["code"] == "requete_invalide"


def test_quartiers_d_ille_et_vilaine_sans_commune_nan(client):
    """Issue 9, point 12: the six Ille-et-Vilaine 2015 features name no commune; it is taken
    from the commune outlines, never shown as "nan"."""
    d = client.get("/api/v1/quartiers/QP035005").json()
    assert [c["code"] for c in d["communes"]] == ["35238"]
    assert d["communes"][0]["nom"] == "Rennes" and d["departement"] == "35"
    geo = client.get("/api/v1/quartiers", {"millesime": "2015", "departement": "35"}).json()
    assert len(geo["features"]) == 6
    assert all("nan" not in f["properties"]["communes"] for f in geo["features"])
