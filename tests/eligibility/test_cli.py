"""``quartiers verifier``: formats, line numbers, every error case, exit codes, atomicity."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from quartiers.eligibility import coords

HEADER = "id;code_postal;lon;lat;nom"
GOOD = [
    "1;06000;7,25;43,70;Nice",
    "2;83000;5.93;43.13;Toulon",
]


def _inside_point(chk2024) -> tuple[float, float]:
    p = shapely.point_on_surface(chk2024.perimeters.geometry[0])
    lon, lat = coords.to_wgs84(np.array([p.x]), np.array([p.y]))
    return float(lon[0]), float(lat[0])


def _write(path, lines, encoding="utf-8"):
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def test_clean_run_exit_0_columns_unchanged(tmp_path, run_cli, chk2024):
    lon, lat = _inside_point(chk2024)
    src = _write(tmp_path / "in.csv", [HEADER, *GOOD, f"3;04000;{lon!r};{lat!r};Dedans"])
    out = tmp_path / "out.csv"
    code, text = run_cli("verifier", src, "--perimetres", "2024", "--sortie", out,
                         "--tolerance", "600")
    assert code == 0, text
    df = pd.read_csv(out, sep=";", dtype=str, keep_default_na=False)
    assert list(df.columns) == [
        *HEADER.split(";"), "commune", "statut", "motif", "qpv_code", "qpv_nom", "communes",
        "dans_qpv", "distance_m", "qpv_proche", "distance_proche_m", "bande_300m",
        "bande_500m",
    ]
    assert df["code_postal"].tolist() == ["06000", "83000", "04000"]  # text kept as is
    assert df["lon"].tolist()[0] == "7,25"
    assert df["commune"].tolist()[:2] == ["06088", "83137"]
    assert df["statut"].tolist() == ["non", "non", "oui"]
    assert df["dans_qpv"].tolist() == ["false", "false", "true"]
    assert df["qpv_code"].tolist()[2] == chk2024.perimeters.codes[0]
    assert float(df["distance_m"][2]) < 0
    assert not (tmp_path / "out_erreurs.csv").exists()
    assert "3 lignes lues, 3 avec une réponse, 0 illisible" in text
    assert "Réponses : oui 1, non 2, inconnu 0" in text
    assert _leftovers(tmp_path) == []


def test_every_row_answered_once_unreadable_lines_in_the_errors_file(tmp_path, run_cli):
    lines = [
        HEADER, GOOD[0],
        "3;;;;vide",                      # line 3: missing
        "4;83000;abc;43.1;texte",         # line 4: not a number
        "5;83000;43.12;5.93;inversé",     # line 5: swapped
        "",                               # line 6: empty, ignored
        "6;75000;-70.0;18.0;Antilles?",   # line 7: outside
        "7;ligne coupée",                 # line 8: unreadable
        "8;13001;5.3698;43.2965;Marseille",  # line 9: a commune the 2024 file says nothing of
        GOOD[1],                          # line 10
    ]
    src = _write(tmp_path / "in.csv", lines)
    out = tmp_path / "res.csv"
    code, text = run_cli("verifier", src, "--perimetres", "2024", "--sortie", out)
    assert code == 1, text
    err = pd.read_csv(tmp_path / "res_erreurs.csv", dtype=str, sep=";")
    assert err["ligne"].tolist() == ["8"]
    assert err["motif"][0] == "ligne illisible : 2 champ(s) au lieu de 5"
    assert err["contenu"][0] == "7;ligne coupée"
    res = pd.read_csv(out, sep=";", dtype=str, keep_default_na=False)
    assert res["id"].tolist() == ["1", "3", "4", "5", "6", "8", "2"]
    assert res["statut"].tolist() == ["non", *["inconnu"] * 5, "non"]
    motifs = res["motif"].tolist()
    assert motifs[1].startswith("coordonnées inutilisables : coordonnée manquante")
    assert motifs[2] == ("coordonnées inutilisables : valeur non numérique « abc » "
                         "(colonne « lon »)")
    assert "latitude et longitude probablement inversées" in motifs[3]
    assert "point hors de France métropolitaine" in motifs[4]
    assert motifs[5].startswith("la liste 2024 ne couvre pas la commune Marseille (13055)")
    assert res["dans_qpv"].tolist()[1:6] == [""] * 5
    assert res["distance_m"][5] == ""  # no "nearest quartier" where the list says nothing
    assert "8 lignes lues, 7 avec une réponse, 1 illisible" in text


@pytest.mark.parametrize("sep", [",", "\t", "|"])
def test_separators_and_latin1(tmp_path, run_cli, sep):
    lines = [sep.join(["id", "commune", "longitude", "latitude"]),
             sep.join(["1", "Fréjus", "6.737", "43.433"]),
             sep.join(["2", "Hyères", "6.128", "43.120"])]
    src = _write(tmp_path / "in.csv", lines, encoding="latin-1")
    out = tmp_path / "out.csv"
    code, text = run_cli("verifier", src, "--perimetres", "2024", "--sortie", out)
    assert code == 0, text
    df = pd.read_csv(out, sep=sep, dtype=str)
    assert df["commune"].tolist() == ["Fréjus", "Hyères"]  # written back as UTF-8
    assert df["commune_insee"].tolist() == ["83061", "83069"]  # ours, beside the user's


def test_lambert93_columns_and_options(tmp_path, run_cli, chk2024):
    p = shapely.point_on_surface(chk2024.perimeters.geometry[3])
    src = _write(tmp_path / "in.csv", ["ref,X_L93,Y_L93,autre", f"a,{p.x},{p.y},1",
                                       "b,6600000,700000,2"])
    out = tmp_path / "out.parquet"
    code, text = run_cli("verifier", src, "--perimetres", "2024", "--sortie", out)
    assert code == 0, text
    t = pq.read_table(out).to_pandas()
    assert t["dans_qpv"].tolist() == [True, None]  # typed: a nullable boolean
    assert t["statut"].tolist() == ["oui", "inconnu"] and "x et y" in t["motif"][1]
    # explicit columns
    code, text = run_cli("verifier", src, "--perimetres", "2024", "--sortie", out,
                         "--x", "X_L93", "--y", "Y_L93", "--crs", "lambert93")
    assert code == 0, text


def test_several_vintages_add_suffixed_columns(tmp_path, run_cli):
    src = _write(tmp_path / "in.csv", [HEADER, *GOOD])
    out = tmp_path / "out.csv"
    errs = tmp_path / "e.csv"
    code, text = run_cli("verifier", src, "--millesime", "2015,2024", "--sortie", out,
                         "--erreurs", errs)
    assert code == 0, text
    df = pd.read_csv(out, sep=";")
    for suffix in ("_2015", "_2024"):
        assert f"dans_qpv{suffix}" in df and f"distance_m{suffix}" in df
    assert (df["statut_2015"] == "inconnu").all() and df["distance_m_2015"].isna().all()
    assert df["motif_2015"].str.startswith("la liste 2015 ne couvre pas").all()
    assert (df["statut_2024"] == "non").all()
    assert errs.read_text() == "ligne;motif;contenu\n"  # asked for: written even if empty
    assert "réparé" in text  # the 2015 file's invalid rings


def test_parquet_and_xlsx_inputs_and_outputs(tmp_path, run_cli):
    from quartiers.io.readers import open_table

    df = pd.DataFrame({"id": [1, 2, 3], "lng": [7.25, 5.93, None], "lat": [43.7, 43.13, 43.0]})
    df.to_parquet(tmp_path / "in.parquet")
    code, text = run_cli("verifier", tmp_path / "in.parquet", "--perimetres", "2024",
                         "--sortie", tmp_path / "out.xlsx")
    assert code == 0, text
    source = open_table(tmp_path / "out.xlsx")
    rows = [r for chunk in source for r in chunk.table.to_pylist()]
    assert source.columns[:4] == ["id", "lng", "lat", "commune"] and len(rows) == 3
    assert [r["statut"] for r in rows] == ["non", "non", "inconnu"]
    # XLSX input
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "lon", "lat"])
    ws.append([1, 7.25, 43.7])
    ws.append([2, "x", 43.7])
    wb.save(tmp_path / "in.xlsx")
    code, text = run_cli("verifier", tmp_path / "in.xlsx", "--perimetres", "2024",
                         "--sortie", tmp_path / "out2.csv")
    assert code == 0, text
    res = pd.read_csv(tmp_path / "out2.csv", sep=";")
    assert res["id"].tolist() == [1, 2]
    assert res["motif"][1] == "coordonnées inutilisables : valeur non numérique « x » " \
                              "(colonne « lon »)"


def test_computed_quartiers_directory(tmp_path, run_cli):
    """A folder written by ``quartiers delimiter``; without a declared coverage the list
    speaks for the communes its quartiers name (here Nice), and only there."""
    import geopandas as gpd

    sq = shapely.box(1_043_000, 6_298_000, 1_043_100, 6_298_100)  # in Nice
    gdf = gpd.GeoDataFrame({"code": ["Q1"], "nom": ["Calculé"], "communes": ["06088"]},
                           geometry=[sq], crs="EPSG:2154")
    (tmp_path / "delim").mkdir()
    gdf.to_file(tmp_path / "delim" / "quartiers.gpkg", layer="quartiers")
    src = _write(tmp_path / "in.csv", ["id,x,y", "1,1043050,6298050", "2,1044100,6298050",
                                       "3,1050000,6310000"])
    code, text = run_cli("verifier", src, "--perimetres", tmp_path / "delim",
                         "--sortie", tmp_path / "out.csv")
    assert code == 0, text
    assert "communes nommées dans le fichier" in text
    df = pd.read_csv(tmp_path / "out.csv")
    assert df["qpv_code"].fillna("").tolist() == ["Q1", "", ""]
    assert df["statut"].tolist() == ["oui", "non", "inconnu"]
    assert df["distance_m"].tolist()[:2] == [-50.0, 1000.0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["absent.csv", "--perimetres", "2024"], "fichier d'entrée introuvable"),
        (["{src}", "--perimetres", "2031"], "périmètres « 2031 » inconnus"),
        (["{src}", "--perimetres", "{tmp}/nulle-part.geojson"],
         "fichier de périmètres introuvable"),
        (["{src}"], "périmètres non précisés"),
        (["{src}", "--perimetres", "2024", "--tolerance", "-5"], "tolérance"),
        (["{src}", "--perimetres", "2024", "--lon", "lon"], "les deux colonnes"),
        (["{src}", "--perimetres", "2024", "--lon", "lng", "--lat", "lat"],
         "colonne « lng » absente"),
        (["{src}", "--perimetres", "2024", "--lon", "lon", "--lat", "lat", "--x", "x"],
         "pas les deux"),
        (["{src}", "--perimetres", "2024", "--crs", "3857"], "auto, wgs84 ou lambert93"),
        (["{nocoord}", "--perimetres", "2024"], "colonnes de coordonnées introuvables"),
        (["{empty}", "--perimetres", "2024"], "le fichier est vide"),
        (["{src}", "--perimetres", "{badschema}"], "schéma de périmètres inconnu"),
        (["{src}", "--perimetres", "{src}"], "n'est pas un fichier de périmètres lisible"),
        (["{binary}", "--perimetres", "2024"], "n'est pas un fichier texte"),
        (["{badparquet}", "--perimetres", "2024"], "n'est pas un fichier Parquet valide"),
        (["{clash}", "--perimetres", "2024"], "contient déjà les colonnes de résultat"),
    ],
)
def test_fatal_errors_exit_2_and_write_nothing(tmp_path, run_cli, args, message):
    import geopandas as gpd

    files = {
        "src": _write(tmp_path / "in.csv", [HEADER, *GOOD]),
        "nocoord": _write(tmp_path / "nocoord.csv", ["a;b", "1;2"]),
        "empty": _write(tmp_path / "empty.csv", []),
        "clash": _write(tmp_path / "clash.csv", ["lon,lat,dans_qpv", "7.25,43.7,oui"]),
        "tmp": tmp_path,
    }
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "bin.csv").write_bytes(b"\x00\x01\x02lon,lat")
    files["binary"] = tmp_path / "bin.csv"
    (tmp_path / "bad.parquet").write_text("pas du parquet")
    files["badparquet"] = tmp_path / "bad.parquet"
    gpd.GeoDataFrame({"identifiant": ["a"]}, geometry=[shapely.box(0, 0, 1, 1)],
                     crs="EPSG:2154").to_file(tmp_path / "schema.geojson")
    files["badschema"] = tmp_path / "schema.geojson"
    out = tmp_path / "sortie" / "out.csv"
    argv = [a.format(**files) for a in args]
    code, text = run_cli("verifier", *argv[:1], "--sortie", out, *argv[1:])
    assert code == 2, text
    assert message in text
    assert "Erreur" in text or "Error" in text
    assert not out.exists() and not (tmp_path / "sortie" / "out_erreurs.csv").exists()


def test_bad_option_values_are_usage_errors(tmp_path, run_cli):
    src = _write(tmp_path / "in.csv", [HEADER, *GOOD])
    code, text = run_cli("verifier", src, "--perimetres", "2024", "--sortie",
                         tmp_path / "o.csv", "--tolerance", "beaucoup")
    assert code == 2
    code, text = run_cli("verifier", src, "--perimetres", "2024", "--sortie",
                         tmp_path / "o.json")
    assert code == 2 and "extension de sortie" in text
    code, text = run_cli("verifier", src, "--perimetres", "2024")
    assert code == 2 and "--sortie" in text


def _start_long_run(tmp_path, out):  # type: ignore[no-untyped-def]
    """A real ``quartiers verifier`` process on a large file, stopped once it is writing."""
    import subprocess
    import time

    src = tmp_path / "in.csv"
    src.write_bytes(HEADER.encode() + b"\n" + b"1;06000;7.25;43.70;ok\n" * 4_000_000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "quartiers.cli", "verifier", str(src), "--perimetres", "2024",
         "--sortie", str(out), "--lot", "1000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not _leftovers(tmp_path):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return proc


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_interrupted_run_writes_nothing_and_keeps_the_previous_output(tmp_path, sig):
    """Ctrl-C or a stop request mid-run: exit 130, old files untouched, no temp file."""
    import signal

    out = tmp_path / "out.csv"
    out.write_text("ancien résultat\n")
    proc = _start_long_run(tmp_path, out)
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "aucun fichier n'a été écrit" in err.decode()
    assert out.read_text() == "ancien résultat\n"
    assert not (tmp_path / "out_erreurs.csv").exists()
    assert _leftovers(tmp_path) == []


def test_killed_run_leftovers_are_removed_by_the_next_run(tmp_path, run_cli):
    """kill -9 cannot be cleaned up after: the next run into the same place does it."""
    import signal

    out = tmp_path / "out.csv"
    proc = _start_long_run(tmp_path, out)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert _leftovers(tmp_path) and not out.exists()
    small = _write(tmp_path / "petit.csv", [HEADER, *GOOD])
    code, text = run_cli("verifier", small, "--perimetres", "2024", "--sortie", out)
    assert code == 0, text
    assert _leftovers(tmp_path) == []


def test_header_only_file(tmp_path, run_cli):
    src = _write(tmp_path / "in.csv", ["lon;lat;id"])
    out = tmp_path / "out.csv"
    code, text = run_cli("verifier", src, "--perimetres", "2024", "--sortie", out)
    assert code == 0, text
    assert out.read_text().splitlines()[0].startswith(
        '"lon";"lat";"id";"commune";"statut";"motif";"qpv_code"')


def test_streaming_many_chunks_keeps_line_numbers(tmp_path, run_cli):
    rows = [HEADER]
    for i in range(5000):
        rows.append(f"{i};06000;7.25;43.70;ok" if i % 997 else f"{i};coupée")
    src = _write(tmp_path / "in.csv", rows)
    out = tmp_path / "out.csv"
    code, text = run_cli("verifier", src, "--perimetres", "2024", "--sortie", out,
                         "--lot", "1000")  # ~64 kB blocks: several chunks
    assert code == 1, text
    err = pd.read_csv(tmp_path / "out_erreurs.csv", sep=";")
    assert err["ligne"].tolist() == [i + 2 for i in range(5000) if i % 997 == 0]
    assert len(pd.read_csv(out, sep=";")) == 5000 - 6
def test_full_sheet_bomb_is_a_clear_error_not_a_crash(tmp_path, run_cli):
    """Issue 9, point 1: the same file made the command abort with a Rust backtrace."""
    from tests.tabular import hostile

    bomb = hostile.full_sheet_bomb(tmp_path / "bombe.xlsx")
    code, text = run_cli("verifier", bomb, "--perimetres", "2024", "--sortie",
                         tmp_path / "o.csv")
    assert code == 2, text
    assert "classeur refusé" in text and "A1:XFD1048576" in text
    assert not (tmp_path / "o.csv").exists()


def test_a_delimitation_folder_speaks_for_its_grid(tmp_path, run_cli):
    """``quartiers delimiter`` writes the communes of its grid beside its quartiers; the
    verifier reads them as the list's coverage."""
    out = tmp_path / "delim"
    code, text = run_cli("delimiter", "--regles", "2024", "--sortie", out)
    assert code == 0, text
    cov = pd.read_csv(out / "couverture-communes.csv", dtype=str)
    assert "06088" in set(cov["code_commune"]) and "75056" not in set(cov["code_commune"])
    src = _write(tmp_path / "in.csv", ["id;x;y", "1;1043050;6298050", "2;890000;6246000"])
    code, text = run_cli("verifier", src, "--perimetres", out, "--sortie", tmp_path / "o.csv")
    assert code == 0, text
    assert "couverture-communes.csv" in text
    assert pd.read_csv(tmp_path / "o.csv", sep=";")["statut"].tolist()[0] == "non"
