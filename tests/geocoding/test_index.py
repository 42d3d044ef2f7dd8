"""Index building from a SYNTHETIC BAN-format file: contents, radii, malformed rows,
atomic write."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from quartiers.geocoding.geometry import distance_m
from quartiers.geocoding.indexing import build_index
from quartiers.geocoding.sources import iter_ban
from quartiers.geocoding.store import read_index


def _rows(ban_file) -> pd.DataFrame:
    df = pd.read_csv(ban_file, sep=";", dtype=str, on_bad_lines="skip")
    df = df[df["numero"].str.fullmatch(r"\d+") & df["lat"].str.fullmatch(r"[\d.]+")
            & df["lon"].str.fullmatch(r"[\d.]+")]
    return df.astype({"lat": float, "lon": float, "numero": int})


def test_counts_and_report(ban_index, ban_file):
    folder, report = ban_index
    rows = _rows(ban_file)
    assert report.adresses == len(rows) == 6_000 - 4
    assert report.numeros == len(rows.drop_duplicates(["nom_voie", "code_insee", "numero",
                                                       "rep"]))
    assert report.voies == rows.groupby(["code_insee", "nom_voie"]).ngroups
    meta = json.loads((folder / "index.json").read_text())
    assert meta["rejets"] == 4 and meta["adresses"] == report.adresses


def test_malformed_rows_are_reported_with_file_line_and_field(ban_file):
    rejets: list = []
    n = sum(b.num_rows for b in iter_ban(ban_file, rejets))
    assert n == 5_996 and len(rejets) == 4
    with gzip.open(ban_file, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    for r in rejets:
        assert r.fichier == "adresses-99.csv.gz"
        line = lines[r.ligne - 1]  # the reported line is the malformed one
        fields = line.split(";")
        if r.champ == "(ligne entière)":
            assert len(fields) != 23 and "champ(s) au lieu de 23" in r.motif
        else:
            col = {"numero": 2, "lat": 13, "lon": 12}[r.champ]
            assert not fields[col].replace(".", "").isdigit()
            assert f"« {fields[col]} »" in r.motif


def test_radius_holds_every_address_of_the_street_and_commune(ban_index, ban_file):
    ix = read_index(ban_index[0])
    rows = _rows(ban_file)
    labels = ix.texts["st_label"].to_pylist()
    codes = ix.texts["cm_code"].to_pylist()
    street_of = {(codes[c], labels[s]): s for s, c in enumerate(ix.arrays["st_commune"])}
    sid = np.array([street_of[(c, v)] for c, v in zip(rows.code_insee, rows.nom_voie,
                                                         strict=True)])
    d = distance_m(ix.arrays["st_lat"][sid], ix.arrays["st_lon"][sid], rows.lat.values,
                   rows.lon.values)
    assert (d <= ix.arrays["st_radius"][sid]).all()
    # the disc is not a gross overestimate: the farthest address is near its edge
    far = pd.Series(d).groupby(sid).max()
    assert (far.values >= 0.9 * ix.arrays["st_radius"][far.index] - 2).mean() > 0.9
    cid = np.array([codes.index(c) for c in rows.code_insee])
    d = distance_m(ix.arrays["cm_lat"][cid], ix.arrays["cm_lon"][cid], rows.lat.values,
                   rows.lon.values)
    assert (d <= ix.arrays["cm_radius"][cid]).all()


def test_write_is_atomic(ban_file, tmp_path, monkeypatch):
    folder = tmp_path / "adresses"
    build_index(ban=[ban_file], output=folder, root=tmp_path / "absent")
    before = sorted(p.name for p in folder.iterdir())

    def boom(*args, **kwargs):
        raise RuntimeError("disque plein (simulé)")

    monkeypatch.setattr("quartiers.geocoding.store.np.save", boom)
    with pytest.raises(RuntimeError):
        build_index(ban=[ban_file], output=folder, root=tmp_path / "absent")
    assert sorted(p.name for p in folder.iterdir()) == before  # the old index is intact
    assert [p.name for p in tmp_path.iterdir()] == ["adresses"]  # no staging left
    read_index(folder)


def test_not_a_ban_file(tmp_path):
    from quartiers.errors import QuartiersError

    bad = tmp_path / "adresses-06.csv"
    bad.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    with pytest.raises(QuartiersError, match="colonne"):
        list(iter_ban(bad, []))
