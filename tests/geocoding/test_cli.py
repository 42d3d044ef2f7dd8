"""``quartiers adresses``: indexer (BAN files with malformed rows, reference), chercher,
telecharger (against a local HTTP server started by the test)."""

from __future__ import annotations

import csv
import gzip
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from quartiers.geocoding.synthetic import write_ban


def test_indexer_reports_malformed_rows_and_keeps_going(tmp_path, run_cli):
    ban = write_ban(tmp_path / "adresses-99.csv", 900, n_communes=10, bad_rows=3)
    out = tmp_path / "index"
    code, text = run_cli("adresses", "indexer", "--ban", ban, "--sortie", out)
    assert code == 0, text
    assert "897 adresses lues" in text and "3 ligne(s) ignorée(s)" in text
    assert "adresses-99.csv, ligne " in text and "champ « " in text
    with (out / "rejets.csv").open(encoding="utf-8") as f:
        rejets = list(csv.DictReader(f))
    assert len(rejets) == 3 and {r["fichier"] for r in rejets} == {"adresses-99.csv"}
    lines = ban.read_text(encoding="utf-8").split("\n")
    for r in rejets:  # each reported line is really malformed
        fields = lines[int(r["ligne"]) - 1].split(";")
        assert len(fields) != 23 or not fields[2].isdigit() or "-" in fields[13]
    code, text = run_cli("adresses", "chercher", "3 rue pasteur zorzorzor", "--index", out,
                         "--limite", "2")
    assert code == 0 and "3 Rue Pasteur Zorzorzor" in text
    assert "numero, score 0.85" in text  # no commune given


def test_indexer_missing_file_and_not_ban(tmp_path, run_cli):
    code, text = run_cli("adresses", "indexer", "--ban", tmp_path / "absent.csv.gz",
                         "--sortie", tmp_path / "i")
    assert code == 2 and "absent.csv.gz" in text and "introuvable" in text
    bad = tmp_path / "adresses-06.csv"
    bad.write_text("numero;voie\n1;x\n", encoding="utf-8")
    code, text = run_cli("adresses", "indexer", "--ban", bad, "--sortie", tmp_path / "i")
    assert code == 2 and "ligne 1" in text and "nom_voie" in text
    assert not (tmp_path / "i").exists()


@pytest.mark.realdata
def test_reference_index_and_search(tmp_path, run_cli, shared_data, monkeypatch):
    monkeypatch.setenv("QUARTIERS_ADRESSES", str(tmp_path / "adresses"))
    code, text = run_cli("adresses", "chercher", "205 bd de la liberation marseille")
    assert code == 0, text
    assert "Construction de l'index d'adresses" in text  # built on first use
    assert "205 Boulevard de la Libération 13004 Marseille — numero" in text
    code, text = run_cli("adresses", "indexer", "--reference")
    assert code == 0
    # the 76 rows of the reference without a usable position are reported
    assert "position absente : 72" in text and "position hors de France : 3" in text
    assert "position nulle : 1" in text
    code, text = run_cli("adresses", "chercher", "zzzz qqqq")
    assert code == 1 and "Aucune adresse trouvée" in text


def test_telecharger_from_a_local_server(tmp_path, run_cli):
    site = tmp_path / "site"
    site.mkdir()
    with gzip.open(site / "adresses-06.csv.gz", "wt") as f:
        f.write("id;numero\n")
    (site / "adresses-13.csv.gz").write_text("<html>pas un gzip</html>")
    handler = partial(SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        dest = tmp_path / "ban"
        code, text = run_cli("adresses", "telecharger", "6", "--dossier", dest, "--url", url)
        assert code == 0, text
        assert (dest / "adresses-06.csv.gz").read_bytes() == (
            site / "adresses-06.csv.gz").read_bytes()
        code, text = run_cli("adresses", "telecharger", "13", "--dossier", dest, "--url", url)
        assert code == 2 and "gzip" in text and not (dest / "adresses-13.csv.gz").exists()
        code, text = run_cli("adresses", "telecharger", "84", "--dossier", dest, "--url", url)
        assert code == 2 and "404" in text
        code, text = run_cli("adresses", "telecharger", "99", "--dossier", dest, "--url", url)
        assert code == 2 and "département inconnu" in text
        assert sorted(p.name for p in dest.iterdir()) == ["adresses-06.csv.gz"]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.realdata
def test_open_geocoder_builds_the_missing_index_once(tmp_path, shared_data, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    import quartiers.geocoding.indexing as indexing
    from quartiers.geocoding import open_geocoder

    monkeypatch.setenv("QUARTIERS_ADRESSES", str(tmp_path / "adresses"))
    builds: list[int] = []
    real = indexing.build_index

    def counted(*args, **kwargs):
        builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(indexing, "build_index", counted)
    messages: list[str] = []
    with ThreadPoolExecutor(3) as pool:
        geocoders = list(pool.map(lambda _: open_geocoder(
            progress=lambda m, d, t, r: messages.append(m)), range(3)))
    assert len(builds) == 1
    assert "Adresses de référence" in messages
    for g in geocoders:
        assert g.geocode(["6 rue du mistral 13930 aureille"]).type[0] == "numero"


@pytest.mark.realdata
def test_open_geocoder_tells_a_one_argument_progress_in_french(tmp_path, shared_data,
                                                               monkeypatch):
    from quartiers.geocoding import open_geocoder

    monkeypatch.setenv("QUARTIERS_ADRESSES", str(tmp_path / "adresses"))
    messages: list[str] = []
    g = open_geocoder(progress=messages.append)
    assert messages == [
        "Index d'adresses (première utilisation) : contours des communes…",
        "Index d'adresses (première utilisation) : adresses de référence…",
        "Index d'adresses (première utilisation) : écriture de l'index…",
    ]
    assert g.search("nice", limit=1)[0]["citycode"] == "06088"
    open_geocoder(progress=messages.append)  # built: nothing more to say
    assert len(messages) == 3
