"""The command line on bad input: a French message naming the file, line and field, and a
non-zero exit code; failed runs leave no partial output; ``quartiers donnees`` says what is
missing. Grids and urban units are SYNTHETIC files written into ``tmp_path``."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest

import quartiers.cli
from quartiers.cli.progress import console
from quartiers.config import DATASETS
from quartiers.parameters.usage import unread

from .synth import (
    COMMUNE_B,
    HIGH,
    Cell,
    block,
    write_csv_2019,
    write_uu_files,
)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def run_cli(args: list[object], capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run ``quartiers ARGS`` in-process through the real entry point; (exit code, output)."""
    monkeypatch.setattr(sys, "argv", ["quartiers", *map(str, args)])
    monkeypatch.setattr(console, "width", 10_000)  # no wrapping inside paths and URLs
    try:
        quartiers.cli.main()
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, " ".join((out.out + "\n" + out.err).split())


@pytest.fixture
def uu_args(tmp_path: Path) -> list[object]:
    compo, rev_uu, rev_nat = write_uu_files(tmp_path)
    return ["--unites-urbaines", compo, "--revenus-uu", rev_uu, "--revenus-nat", rev_nat]


def good_cells() -> list[Cell]:
    return [*block(0, 0, 4, 3, ind=100.0), *block(8, 0, 3, 3, ind=20.0, mean=HIGH)]


def grid_csv(tmp_path: Path, name: str = "carreaux.csv") -> Path:
    return write_csv_2019(tmp_path / name, good_cells())


def edit_csv(path: Path, line: int, column: str, value: str) -> Path:
    """Replace one field (``line`` counted from 1, header included)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    fields = lines[line - 1].split(",")
    fields[header.index(column)] = value
    lines[line - 1] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def delimiter(grid: Path, out: Path, uu_args: list[object], *extra: object) -> list[object]:
    return ["delimiter", "--regles", "2024", "--carroyage", grid, "--sortie", out,
            *uu_args, *extra]


def test_delimiter_succeeds_on_synthetic_files(tmp_path, uu_args, capsys, monkeypatch) -> None:
    out = tmp_path / "sortie"
    code, text = run_cli(delimiter(grid_csv(tmp_path), out, uu_args, "--carreaux"),
                         capsys, monkeypatch)
    assert code == 0, text
    assert "1 quartiers retenus" in text
    names = {p.name for p in out.iterdir()}
    assert {"quartiers.geojson", "quartiers.gpkg", "explications.csv", "carreaux.csv"} <= names
    assert not [n for n in names if n.startswith(".")]  # no staging leftovers


# --- bad input: file, line, field ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "column", "value", "words"),
    [
        (3, "idcar_200m", "CRS3035RES200mN23OO200E3930000", ["identifiant de carreau invalide"]),
        (3, "idcar_200m", "CRS3035RES1000mN2300000E3930000", ["1000 m"]),
        (4, "ind", "-5", ["négative"]),
        (5, "ind_snv", "12a", ["« 12a » non numérique"]),
        (6, "ind", "", ["valeur manquante"]),
        (7, "lcog_geo", "9010", ["code commune « 9010 » invalide"]),
        (8, "lcog_geo", "99999", ["99999", "unité urbaine inconnue"]),
    ],
)
def test_bad_value_names_file_line_and_field(
    tmp_path, uu_args, capsys, monkeypatch, line: int, column: str, value: str,
    words: list[str],
) -> None:
    grid = edit_csv(grid_csv(tmp_path), line, column, value)
    code, text = run_cli(delimiter(grid, tmp_path / "sortie", uu_args), capsys, monkeypatch)
    assert code == 2
    assert "Erreur :" in text
    assert f"{grid}, ligne {line}, champ « {column} »" in text
    for w in words:
        assert w in text
    assert not (tmp_path / "sortie").exists()


def test_duplicated_square(tmp_path, uu_args, capsys, monkeypatch) -> None:
    grid = grid_csv(tmp_path)
    first_id = grid.read_text().splitlines()[1].split(",")[0]
    edit_csv(grid, 5, "idcar_200m", first_id)
    code, text = run_cli(delimiter(grid, tmp_path / "s", uu_args), capsys, monkeypatch)
    assert code == 2 and "carreau en double" in text and "ligne 5" in text


def test_missing_column(tmp_path, uu_args, capsys, monkeypatch) -> None:
    grid = grid_csv(tmp_path)
    text = grid.read_text().replace(",ind_snv,", ",autre,")
    grid.write_text(text)
    code, out = run_cli(delimiter(grid, tmp_path / "s", uu_args), capsys, monkeypatch)
    assert code == 2
    assert str(grid) in out and "champ « ind_snv »" in out
    assert "colonne obligatoire absente" in out and "somme des niveaux de vie" in out


def test_wrong_separator(tmp_path, uu_args, capsys, monkeypatch) -> None:
    grid = write_csv_2019(tmp_path / "carreaux.csv", good_cells(), sep=":")
    code, out = run_cli(delimiter(grid, tmp_path / "s", uu_args), capsys, monkeypatch)
    assert code == 2 and str(grid) in out
    assert "séparateur" in out


def test_rows_with_another_separator(tmp_path, uu_args, capsys, monkeypatch) -> None:
    grid = grid_csv(tmp_path)
    lines = grid.read_text().splitlines()
    lines[3] = lines[3].replace(",", ";")
    grid.write_text("\n".join(lines) + "\n")
    code, out = run_cli(delimiter(grid, tmp_path / "s", uu_args), capsys, monkeypatch)
    assert code == 2
    assert f"{grid}, ligne 4" in out and "nombre de colonnes" in out


def test_semicolon_and_decimal_comma_are_accepted(tmp_path, uu_args, capsys, monkeypatch) -> None:
    grid = write_csv_2019(tmp_path / "carreaux.csv", good_cells(), sep=";")
    grid.write_text(grid.read_text().replace(".0;", ",0;").replace(".0\n", ",0\n"))
    code, out = run_cli(delimiter(grid, tmp_path / "s", uu_args), capsys, monkeypatch)
    assert code == 0, out


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("carreaux.csv", PNG, "n'est pas un fichier texte"),
        ("carreaux.gpkg", b"ceci n'est pas un GeoPackage\n" * 20, "GeoPackage valide"),
        ("carreaux.parquet", b"PAR1 pas vraiment", "Parquet valide"),
        ("carreaux.csv", b"", "vide"),
        ("carreaux.csv", b"idcar_200m,i_est_200,lcog_geo,ind,ind_snv\n", "aucun carreau"),
    ],
)
def test_file_that_is_not_what_it_claims(
    tmp_path, uu_args, capsys, monkeypatch, name: str, content: bytes, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, out = run_cli(delimiter(path, tmp_path / "s", uu_args), capsys, monkeypatch)
    assert code == 2
    assert str(path) in out and words in out


def test_missing_grid_file(tmp_path, uu_args, capsys, monkeypatch) -> None:
    path = tmp_path / "absent.csv"
    code, out = run_cli(delimiter(path, tmp_path / "s", uu_args), capsys, monkeypatch)
    assert code == 2 and str(path) in out and "introuvable" in out


def test_garbage_urban_unit_workbook(tmp_path, capsys, monkeypatch) -> None:
    compo, rev_uu, rev_nat = write_uu_files(tmp_path)
    compo.write_bytes(PNG)
    args = ["--unites-urbaines", compo, "--revenus-uu", rev_uu, "--revenus-nat", rev_nat]
    code, out = run_cli(delimiter(grid_csv(tmp_path), tmp_path / "s", args), capsys, monkeypatch)
    assert code == 2 and str(compo) in out and "classeur XLSX" in out


def test_unknown_urban_unit_in_income_file(tmp_path, capsys, monkeypatch) -> None:
    compo, rev_uu, rev_nat = write_uu_files(tmp_path, drop_median="90002")
    args = ["--unites-urbaines", compo, "--revenus-uu", rev_uu, "--revenus-nat", rev_nat]
    grid = write_csv_2019(tmp_path / "carreaux.csv", block(0, 0, 4, 3, commune=COMMUNE_B))
    code, out = run_cli(delimiter(grid, tmp_path / "s", args), capsys, monkeypatch)
    assert code == 2
    assert "90002" in out and "sans médiane" in out and rev_uu.name in out
    assert "champ « MED18 »" in out


def test_unknown_commune_can_be_ignored(tmp_path, uu_args, capsys, monkeypatch) -> None:
    grid = edit_csv(grid_csv(tmp_path), 14, "lcog_geo", "99999")
    code, out = run_cli(delimiter(grid, tmp_path / "s", uu_args,
                                  "--communes-inconnues", "ignorer"), capsys, monkeypatch)
    assert code == 0, out
    code, out = run_cli(delimiter(grid, tmp_path / "s", uu_args,
                                  "--communes-inconnues", "peut-etre"), capsys, monkeypatch)
    assert code == 2 and "--communes-inconnues" in out


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--param", "coefficent=0.5"], ["champ « --param »", "paramètre « coefficent » inconnu"]),
        (["--param", "coefficient=abc"], ["champ « coefficient »", "n'est pas un nombre"]),
        (["--param", "coefficient"], ["champ « --param »", "nom=valeur"]),
        (["--param", "connexite=diagonale"], ["champ « connexite »", "cote, coin"]),
        (["--param", "population_min_quartier=999.5"],
         ["champ « population_min_quartier »", "doit être un nombre entier"]),
        (["--param", "coefficient=12"], ["champ « coefficient »", "hors des bornes admises"]),
        (["--param", "zonage_uu=UU2010"], ["champ « zonage_uu »", "non modifiable",
                                           "--unites-urbaines"]),
        (["--param", "cote_carreau=100"], ["carreau de 200 m, le carroyage attendu est de "
                                           "100 m", "ligne 2, champ « idcar_200m »"]),
        (["--regles", "2030"], ["champ « --regles »", "2014, 2024"]),
    ],
)
def test_bad_parameters(tmp_path, uu_args, capsys, monkeypatch, extra, words) -> None:
    code, out = run_cli(delimiter(grid_csv(tmp_path), tmp_path / "s", uu_args, *extra),
                        capsys, monkeypatch)
    assert code == 2
    for w in words:
        assert w in out
    assert not (tmp_path / "s").exists()


def test_decimal_parameter_accepted_and_reported(tmp_path, uu_args, capsys,
                                                 monkeypatch) -> None:
    """``population_min_carreau`` is a decimal (was refused as « doit être un nombre
    entier »); the parameters table gives each value's unit and link."""
    out = tmp_path / "s"
    code, text = run_cli(delimiter(grid_csv(tmp_path), out, uu_args, "--param",
                                   "population_min_carreau=0,5"), capsys, monkeypatch)
    assert code == 0, text
    rows = {r["parametre"]: r for r in csv.DictReader((out / "parametres.csv").open())}
    assert rows["population_min_carreau"]["valeur"] == "0.5"
    assert rows["population_min_carreau"]["modifie"] == "True"
    assert rows["population_min_carreau"]["unite"] == "habitants"
    assert rows["coefficient"]["lien"].startswith("https://www.legifrance.gouv.fr/")
    assert list(rows["coefficient"]) == ["parametre", "valeur", "reference",
                                         "en_vigueur_depuis", "modifie", "unite", "lien"]


def test_one_km_grid_delimited_with_its_square_side(tmp_path, uu_args, capsys,
                                                    monkeypatch) -> None:
    """``cote_carreau`` is really used: a SYNTHETIC 1 km grid is refused under the 200 m
    rule and delimited with ``--param cote_carreau=1000``, in squares of 1 km."""
    grid = tmp_path / "carreaux_1km.csv"
    lines = ["idcar_1km,i_est_1km,lcog_geo,ind,ind_snv"]
    for c in block(0, 0, 4, 3, ind=100.0):
        x, y = 3_930_000 + 1000 * c.col, 2_300_000 + 1000 * c.row
        lines.append(f"CRS3035RES1000mN{y}E{x},0,{c.commune},100,{100 * c.mean}")
    grid.write_text("\n".join(lines) + "\n")
    code, text = run_cli(delimiter(grid, tmp_path / "a", uu_args), capsys, monkeypatch)
    assert code == 2 and "carreau de 1000 m, le carroyage attendu est de 200 m" in text
    out = tmp_path / "b"
    code, text = run_cli(delimiter(grid, out, uu_args, "--param", "cote_carreau=1000"),
                         capsys, monkeypatch)
    assert code == 0, text
    q = gpd.read_file(out / "quartiers.gpkg")
    assert len(q) == 1 and q.iloc[0]["nb_carreaux"] == 12
    assert q.geometry.iloc[0].area == pytest.approx(12e6, rel=3e-3)


def test_bad_sensitivity_parameter(tmp_path, uu_args, capsys, monkeypatch) -> None:
    args = ["sensibilite", "--parametre", "inconnu", "--valeurs", "1,2",
            "--carroyage", grid_csv(tmp_path), *uu_args]
    code, out = run_cli(args, capsys, monkeypatch)
    assert code == 2 and "paramètre « inconnu » inconnu" in out


def test_sensitivity_sweep(tmp_path, uu_args, capsys, monkeypatch) -> None:
    table = tmp_path / "sensibilite.csv"
    args = ["sensibilite", "--parametre", "population_min_quartier", "--valeurs", "1000,1300",
            "--carroyage", grid_csv(tmp_path), "--sortie", table, *uu_args]
    code, out = run_cli(args, capsys, monkeypatch)
    assert code == 0, out
    lines = table.read_text().splitlines()
    assert len(lines) == 3
    assert lines[1].split(",")[:3] == ["population_min_quartier", "1000", "1"]
    assert lines[2].split(",")[:3] == ["population_min_quartier", "1300", "0"]


# --- quartiers parametres ---------------------------------------------------------------


def test_rules_in_force(capsys, monkeypatch) -> None:
    code, out = run_cli(["parametres", "--regles", "2014"], capsys, monkeypatch)
    assert code == 0
    assert "Règles : Liste 2015" in out
    assert "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000028636804" in out
    assert ("population_min_quartier = 1000 habitants (depuis le 2014-07-06) : Décret n° "
            "2014-767 du 3 juillet 2014, art. 2, I, 2° — https://www.legifrance.gouv.fr/") in out
    assert "derogation_liste_precedente = False booleen" in out
    assert "connexite = coin texte (depuis le 2014-07-06) : Choix de méthode" in out


def test_dated_parameters_at_a_date(capsys, monkeypatch) -> None:
    code, out = run_cli(["parametres", "--date", "2025-01-01"], capsys, monkeypatch)
    assert code == 0
    assert "eligibilite.tva_distance_qpv = 300.0 metres (depuis le 2024-01-01)" in out
    assert "regles.derogation_liste_precedente = True" in out
    code, out = run_cli(["parametres", "--date", "2023-02-30"], capsys, monkeypatch)
    assert code == 2 and "champ « --date » : date « 2023-02-30 » invalide" in out


def test_check_reports_unread_parameters(capsys, monkeypatch) -> None:
    code, out = run_cli(["parametres", "--verifier"], capsys, monkeypatch)
    missing = unread()
    assert code == (1 if missing else 0)
    assert "conformes au schéma" in out
    for nom in missing:
        assert f"jamais lu par le code : {nom}" in out


# --- atomicity ----------------------------------------------------------------------------


def test_failed_write_leaves_no_partial_output(tmp_path, uu_args, capsys, monkeypatch) -> None:
    out = tmp_path / "sortie"
    out.mkdir()
    (out / "quartiers.geojson").write_text("ancien résultat")

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disque plein (simulé)")

    # the GeoJSON is written first, then the GeoPackage fails
    monkeypatch.setattr("quartiers.delimitation.export.write_gpkg", broken)
    with pytest.raises(OSError, match="simulé"):
        run_cli(delimiter(grid_csv(tmp_path), out, uu_args), capsys, monkeypatch)
    assert sorted(p.name for p in out.iterdir()) == ["quartiers.geojson"]
    assert (out / "quartiers.geojson").read_text() == "ancien résultat"


def test_failed_run_creates_nothing(tmp_path, uu_args, capsys, monkeypatch) -> None:
    out = tmp_path / "sortie"
    grid = edit_csv(grid_csv(tmp_path), 8, "lcog_geo", "99999")  # fails after the reading
    code, _ = run_cli(delimiter(grid, out, uu_args), capsys, monkeypatch)
    assert code == 2
    assert not out.exists() or not any(out.iterdir())


# --- data directory -----------------------------------------------------------------------


def test_donnees_in_empty_directory(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("QUARTIERS_DATA", str(tmp_path))
    code, out = run_cli(["donnees"], capsys, monkeypatch)
    assert code == 3
    assert out.count("MANQUANT") == len(DATASETS)
    for spec in DATASETS:
        assert spec.path in out and spec.source in out
    assert f"{len(DATASETS)} jeu(x) de données manquant(s)" in out


def test_donnees_names_the_one_missing_dataset(tmp_path, capsys, monkeypatch,
                                               shared_data: Path) -> None:
    # symbolic links to the real data, all but one dataset
    missing = next(d for d in DATASETS if d.key == "qpv_2015")
    for spec in DATASETS:
        if spec is missing:
            continue
        link = tmp_path / spec.path
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(shared_data / spec.path)
    monkeypatch.setenv("QUARTIERS_DATA", str(tmp_path))
    code, out = run_cli(["donnees"], capsys, monkeypatch)
    assert code == 3
    assert out.count("MANQUANT") == 1
    assert f"MANQUANT {missing.description}" in out and missing.source in out
    assert out.count("OK") == len(DATASETS) - 1


def test_donnees_with_nonexistent_directory(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("QUARTIERS_DATA", str(tmp_path / "nulle-part"))
    code, out = run_cli(["donnees"], capsys, monkeypatch)
    assert code == 3 and "nulle-part" in out and "n'existe pas" in out


def test_delimiter_without_data_names_the_dataset(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("QUARTIERS_DATA", str(tmp_path))
    code, out = run_cli(["delimiter", "--sortie", tmp_path / "s"], capsys, monkeypatch)
    assert code == 3
    assert "carreaux_200m_extrait_2019.csv" in out and "insee.fr" in out


# --- the installed entry point ------------------------------------------------------------


def test_installed_command_exit_code_and_stderr(tmp_path, uu_args) -> None:
    exe = Path(sys.executable).parent / "quartiers"
    grid = edit_csv(grid_csv(tmp_path), 4, "ind", "-5")
    env = {k: v for k, v in os.environ.items() if k != "QUARTIERS_DATA"}
    proc = subprocess.run(
        [str(exe), *map(str, delimiter(grid, tmp_path / "s", uu_args))],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 2
    assert f"Erreur : {grid}, ligne 4, champ « ind »" in proc.stderr
    assert not (tmp_path / "s").exists()


def test_usage_error_exit_code(capsys, monkeypatch) -> None:
    code, out = run_cli(["delimiter"], capsys, monkeypatch)
    assert code == 2 and "--sortie" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["delimiter"], "paramètre obligatoire manquant : --sortie"),
        (["delimiter", "--sortie", "x", "--inconnue"], "option inconnue : --inconnue"),
        (["delimiter", "--sortie", "x", "--regles"], "l'option --regles attend une valeur"),
        (["nimporte"], "commande inconnue : nimporte"),
    ],
)
def test_usage_errors_are_in_french(args, words, capsys, monkeypatch) -> None:
    code, out = run_cli(args, capsys, monkeypatch)
    assert code == 2
    assert f"Erreur : {words}" in out
