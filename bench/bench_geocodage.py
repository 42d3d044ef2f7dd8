"""Benchmark of the embedded geocoder, beside a real addok with a real Redis.

Run (not part of the test suite; about 5 minutes, more the first time addok is installed)::

    QUARTIERS_DATA=../shared/data .venv/bin/python bench/bench_geocodage.py
    .venv/bin/python bench/bench_geocodage.py --cas reference,ban --adresses 700000
    .venv/bin/python bench/bench_geocodage.py --cas addok --addok-requetes 2000

Cases:

a. ``reference``: the index of the real reference addresses (not the BAN) is built, then the
   reference rows as published and SYNTHETIC held-out spellings of them (lower case,
   abbreviations, no postcode, a typo, complements, arrondissements) are geocoded in one
   batch (best of 3). Baseline in the same run: the same queries one by one through
   ``search`` (what a web form does), which also gives the single-query latency.
b. ``ban``: a SYNTHETIC BAN-format file of ``--adresses`` (700 000) made-up addresses is
   written (not timed), then indexed by ``quartiers adresses indexer`` in a fresh process
   (wall time and peak memory of that process, against the targets 60 s and 1 GB), then
   100 000 of its addresses are geocoded (exact and lower case without postcode).
c. ``addok``: redis-server (Debian) and addok + addok-france + addok-fr + addok-csv (PyPI,
   in ``bench/.addok-venv``, git-ignored) are installed if missing, a private Redis is
   started, the streets and communes of the reference index are loaded into addok (same
   addresses on both sides), addok is served by gunicorn (2 workers), and the same held-out
   spellings go to both: one ``/search/csv/`` stream, then parallel ``/search/`` requests
   (8 client threads); answers are compared (found, type, position within 50 m of each
   other and of the truth).

Each case prints its figures and all go to ``bench/resultats/geocodage.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "resultats"
ADDOK_VENV = ROOT / "bench" / ".addok-venv"
ADDOK_PACKAGES = ("addok", "addok-france", "addok-fr", "addok-csv", "gunicorn")
TARGET_RATE = 5_000
TARGET_INDEX_S = 60.0
TARGET_INDEX_MB = 1024.0


def _header() -> str:
    load = os.getloadavg()
    return (f"{time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, {os.cpu_count()} cœurs, "
            f"charge {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def _best(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def reference_material():
    """Reference rows positioned at the house number, and their held-out spellings."""
    from quartiers.config import data_dir
    from quartiers.geocoding.sources import REFERENCE_FILE
    from quartiers.geocoding.synthetic import fabricated, spellings

    df = pd.read_csv(data_dir() / REFERENCE_FILE, dtype=str).fillna("")
    raw = [f"{a} {p} {c}" for a, p, c in zip(df.address, df.postcode, df.city, strict=True)]
    exact = df[df.precision.isin(["Géocodé au numéro", "Parfaite/Numéro de rue"])
               & df.address.str.match(r"^\d") & (df.postcode.str.len() == 5)]
    exact = exact.astype({"lat": float, "lon": float})
    sp = spellings(exact.address.tolist(), exact.postcode.tolist(), exact.city.tolist(),
                   exact.lat.values, exact.lon.values)
    cities = sorted(set(zip(exact.postcode, exact.city, strict=True)))
    return raw, sp, fabricated(cities, 300)


def _quality(res, sp) -> dict:
    from quartiers.geocoding.geometry import distance_m

    d = distance_m(np.array([s.lat for s in sp]), np.array([s.lon for s in sp]), res.lat,
                   res.lon)
    ok = (d <= 50) & (res.type == "numero")
    return {"a_50m": float(ok.mean()), "a_50m_score_0_8": float((ok & (res.score >= 0.8))
                                                               .mean()),
            "trouvees": float((res.score > 0).mean())}


# --------------------------------------------------------------------------- (a)
def case_reference(out: dict, index_dir: Path) -> None:
    from quartiers.geocoding.engine import EmbeddedGeocoder
    from quartiers.geocoding.indexing import build_index

    t = time.perf_counter()
    report = build_index(reference=True, output=index_dir)
    build_s = time.perf_counter() - t
    g = EmbeddedGeocoder(index_dir)
    g.geocode(["1 rue de la paix nice"])  # compiled (or loaded from numba's cache)
    raw, sp, fab = reference_material()
    queries = [s.query for s in sp]
    t_raw, _ = _best(lambda: g.geocode(raw))
    t_sp, res = _best(lambda: g.geocode(queries))
    sample = queries[:: max(1, len(queries) // 1500)]
    lat = []
    cpu = time.process_time()
    for q in sample:
        t = time.perf_counter()
        g.search(q, limit=1)
        lat.append(time.perf_counter() - t)
    cpu_ms = 1000 * (time.process_time() - cpu) / len(sample)
    one_by_one = len(sample) / sum(lat)
    cpu = time.process_time()
    g.geocode(queries)
    batch_cpu_rate = len(queries) / (time.process_time() - cpu)
    rate_sp = len(queries) / t_sp
    fab_res = g.geocode(fab)
    out["reference"] = {
        "index_s": build_s, "adresses": report.adresses, "rejets": len(report.rejets),
        "motifs_rejets": dict(report.motifs()),
        "lignes_brutes": len(raw), "debit_brut": len(raw) / t_raw,
        "variantes": len(queries), "debit_variantes": rate_sp,
        "un_par_un": one_by_one, "latence_ms_mediane": 1000 * float(np.median(lat)),
        "latence_ms_p99": 1000 * float(np.percentile(lat, 99)),
        "latence_cpu_ms": cpu_ms, "debit_variantes_par_seconde_cpu": batch_cpu_rate,
        "qualite": _quality(res, sp),
        "inventees_numero_confiant": float(((fab_res.type == "numero")
                                            & (fab_res.score >= 0.8)).mean()),
        "inventees_max_score": float(fab_res.score.max()),
    }
    r = out["reference"]
    print(f"(a) Référence : index {r['adresses']} adresses en {build_s:.1f} s "
          f"({r['rejets']} lignes ignorées : {r['motifs_rejets']})")
    print(f"    lignes brutes ({len(raw)}) : {r['debit_brut']:,.0f} adresses/s ; "
          f"variantes ({len(queries)}) : {rate_sp:,.0f} adresses/s "
          f"(cible {TARGET_RATE}/s : {rate_sp / TARGET_RATE:.1f}x)")
    print(f"    référence un par un (search) : {one_by_one:,.0f}/s, latence médiane "
          f"{r['latence_ms_mediane']:.2f} ms, p99 {r['latence_ms_p99']:.2f} ms "
          f"(temps CPU {cpu_ms:.2f} ms par requête) ; lot / un par un : "
          f"{rate_sp / one_by_one:.1f}x ; lot en temps CPU : {batch_cpu_rate:,.0f} adresses "
          f"par seconde CPU")
    q = r["qualite"]
    print(f"    qualité : {q['a_50m']:.1%} au numéro à moins de 50 m, "
          f"{q['a_50m_score_0_8']:.1%} avec un score >= 0,8 ; rues inventées rendues en "
          f"numéro confiant : {r['inventees_numero_confiant']:.1%} (score max "
          f"{r['inventees_max_score']:.2f})")


# --------------------------------------------------------------------------- (b)
_INDEX_CHILD = """
import resource, sys, time
from quartiers.geocoding.indexing import build_index
t = time.perf_counter()
r = build_index(ban=[sys.argv[1]], output=sys.argv[2], root=None)
print(time.perf_counter() - t, r.adresses, r.numeros, r.voies, len(r.rejets),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def case_ban(out: dict, work: Path, n: int) -> None:
    from quartiers.geocoding.engine import EmbeddedGeocoder
    from quartiers.geocoding.synthetic import write_ban

    path = work / "adresses-99.csv.gz"
    t = time.perf_counter()
    write_ban(path, n, n_communes=600, seed=5)
    gen_s = time.perf_counter() - t
    index_dir = work / "index-ban"
    env = dict(os.environ, QUARTIERS_DATA=str(work / "pas-de-donnees"))
    t = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", _INDEX_CHILD, str(path), str(index_dir)],
                           capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - t
    inner, adresses, numeros, voies, rejets, rss = child.stdout.split()
    g = EmbeddedGeocoder(index_dir)
    df = pd.read_csv(path, sep=";", dtype=str, usecols=["numero", "rep", "nom_voie",
                                                          "code_postal", "nom_commune"],
                     nrows=n).fillna("").sample(min(100_000, n), random_state=1)
    exact = (df.numero + " " + df.rep + " " + df.nom_voie + " " + df.code_postal + " "
             + df.nom_commune).str.split().str.join(" ").tolist()
    loose = (df.numero + " " + df.nom_voie + " " + df.nom_commune).str.lower().tolist()
    g.geocode(exact[:10])
    t_exact, res = _best(lambda: g.geocode(exact))
    t_loose, res2 = _best(lambda: g.geocode(loose))
    out["ban"] = {
        "adresses": int(adresses), "numeros": int(numeros), "voies": int(voies),
        "rejets": int(rejets), "generation_s": gen_s, "index_s": float(inner),
        "index_processus_s": wall, "memoire_mo": float(rss),
        "fichier_mo": path.stat().st_size / 1e6,
        "debit_exact": len(exact) / t_exact, "debit_minuscules": len(loose) / t_loose,
        "numero_exact": float((res.type == "numero").mean()),
        "numero_minuscules": float((res2.type == "numero").mean()),
    }
    b = out["ban"]
    print(f"(b) BAN synthétique {b['adresses']:,} adresses ({b['fichier_mo']:.0f} Mo gzip, "
          f"{b['voies']:,} voies) : index en {b['index_s']:.1f} s (processus "
          f"{wall:.1f} s ; cible {TARGET_INDEX_S:.0f} s : {wall / TARGET_INDEX_S:.0%}), "
          f"pic mémoire {b['memoire_mo']:.0f} Mo (cible {TARGET_INDEX_MB:.0f} Mo : "
          f"{b['memoire_mo'] / TARGET_INDEX_MB:.0%})")
    print(f"    requêtes : {b['debit_exact']:,.0f}/s exactes ({b['numero_exact']:.1%} au "
          f"numéro), {b['debit_minuscules']:,.0f}/s minuscules sans code postal "
          f"({b['numero_minuscules']:.1%})")


# --------------------------------------------------------------------------- (c)
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _install_addok() -> Path:
    if shutil.which("redis-server") is None:
        print("    installation de redis-server (apt-get)…")
        subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], check=True,
                       capture_output=True)
    py = ADDOK_VENV / "bin" / "python"
    if not (ADDOK_VENV / "bin" / "addok").exists():
        print(f"    installation d'addok dans {ADDOK_VENV} (pip)…")
        subprocess.run([sys.executable, "-m", "venv", str(ADDOK_VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *ADDOK_PACKAGES], check=True,
                       capture_output=True)
    return ADDOK_VENV / "bin"


def _addok_docs(index_dir: Path, path: Path) -> int:
    """The reference index's streets (with their numbers) and communes, as addok documents."""
    from quartiers.geocoding.build import REP_CODES
    from quartiers.geocoding.store import read_index

    ix = read_index(index_dir)
    a = ix.arrays
    labels = ix.texts["st_label"].to_pylist()
    codes = ix.texts["cm_code"].to_pylist()
    names = ix.texts["cm_name"].to_pylist()
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for s, label in enumerate(labels):
            c = int(a["st_commune"][s])
            pc = int(a["st_postcode"][s])
            numbers = {}
            for k in range(int(a["st_num_ptr"][s]), int(a["st_num_ptr"][s + 1])):
                rep = REP_CODES[int(a["nb_rep"][k])]
                key = f"{int(a['nb_num'][k])} {rep}".strip()
                numbers[key] = {"lat": float(a["nb_lat"][k]), "lon": float(a["nb_lon"][k])}
            doc = {"id": f"voie{s}", "type": "locality" if a["st_kind"][s] == 1 else "street",
                   "name": label, "postcode": f"{pc:05d}" if pc >= 0 else "",
                   "citycode": codes[c], "city": names[c], "lat": float(a["st_lat"][s]),
                   "lon": float(a["st_lon"][s]), "importance": 0.5}
            if numbers:
                doc["housenumbers"] = numbers
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
            n += 1
        for c, code in enumerate(codes):
            if not np.isfinite(a["cm_lat"][c]):
                continue
            pc = int(a["cm_postcode"][c])
            doc = {"id": f"commune{c}", "type": "municipality", "name": names[c],
                   "postcode": f"{pc:05d}" if pc >= 0 else "", "citycode": code,
                   "city": names[c], "lat": float(a["cm_lat"][c]),
                   "lon": float(a["cm_lon"][c]), "importance": 0.6}
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
            n += 1
    return n


_ADDOK_CONF = """
REDIS = {{"host": "127.0.0.1", "port": {port}, "indexes": {{"db": 0}},
          "documents": {{"db": 1}}}}
ATTRIBUTION = "quartiers (adresses de référence)"
LICENCE = "Licence Ouverte 2.0"
EXTRA_FIELDS = [{{"key": "citycode"}}]
FILTERS = ["type", "citycode", "postcode"]
QUERY_PROCESSORS_PYPATHS = [
    "addok.helpers.text.check_query_length",
    "addok_france.extract_address",
    "addok_france.clean_query",
    "addok_france.remove_leading_zeros",
]
SEARCH_RESULT_PROCESSORS_PYPATHS = [
    "addok.helpers.results.match_housenumber",
    "addok_france.make_labels",
    "addok.helpers.results.score_by_importance",
    "addok.helpers.results.score_by_autocomplete_distance",
    "addok.helpers.results.score_by_ngram_distance",
    "addok.helpers.results.score_by_geo_distance",
]
PROCESSORS_PYPATHS = [
    "addok.helpers.text.tokenize",
    "addok.helpers.text.normalize",
    "addok_france.glue_ordinal",
    "addok_france.fold_ordinal",
    "addok_france.flag_housenumber",
    "addok.helpers.text.synonymize",
    "addok_fr.phonemicize",
]
LOG_DIR = "{log}"
"""


@contextlib.contextmanager
def addok_server(work: Path, index_dir: Path) -> Iterator[tuple[object, int, float]]:
    """A real addok (gunicorn, 2 workers) on a private Redis, loaded with the streets and
    communes of the index at ``index_dir``: yields (AddokGeocoder, documents, load seconds).
    Installs redis-server and addok when missing (raises CalledProcessError if it cannot)."""
    from quartiers.geocoding.addok import AddokGeocoder

    bin_dir = _install_addok()
    redis_port, http_port = _free_port(), _free_port()
    addok_dir = work / "addok"
    addok_dir.mkdir(exist_ok=True)
    conf = addok_dir / "addok_conf.py"
    conf.write_text(_ADDOK_CONF.format(port=redis_port, log=addok_dir), encoding="utf-8")
    env = dict(os.environ, ADDOK_CONFIG_MODULE=str(conf))
    procs: list[subprocess.Popen] = []
    try:
        procs.append(subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--dir",
             str(addok_dir), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(0.5)
        docs = addok_dir / "documents.ndjson"
        n_docs = _addok_docs(index_dir, docs)
        t = time.perf_counter()
        subprocess.run([str(bin_dir / "addok"), "batch", str(docs)], env=env, check=True,
                       capture_output=True)
        subprocess.run([str(bin_dir / "addok"), "ngrams"], env=env, check=True,
                       capture_output=True)
        load_s = time.perf_counter() - t
        procs.append(subprocess.Popen(
            [str(bin_dir / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{http_port}",
             "--timeout", "600", "addok.http.wsgi"], env=env, cwd=addok_dir,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        addok = AddokGeocoder(f"http://127.0.0.1:{http_port}", timeout=900)
        for _ in range(100):
            try:
                addok.search("nice", limit=1)
                break
            except Exception:
                time.sleep(0.2)
        yield addok, n_docs, load_s
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def case_addok(out: dict, work: Path, index_dir: Path, n_queries: int) -> None:
    from quartiers.geocoding.engine import EmbeddedGeocoder
    from quartiers.geocoding.geometry import distance_m

    try:
        server = addok_server(work, index_dir)
        addok, n_docs, load_s = server.__enter__()
    except subprocess.CalledProcessError as e:
        msg = (e.stderr or b"").decode(errors="replace")[-2000:] if isinstance(
            e.stderr, bytes) else str(e.stderr)[-2000:]
        print(f"(c) addok n'a pas pu être installé : {e}\n{msg}")
        out["addok"] = {"erreur": f"{e}: {msg}"}
        return
    try:
        _raw, sp, fab = reference_material()
        step = max(1, len(sp) // n_queries)
        sp = sp[::step][:n_queries]
        queries = [s.query for s in sp]
        ours = EmbeddedGeocoder(index_dir)
        ours.geocode(queries[:5])
        t_ours, r_ours = _best(lambda: ours.geocode(queries))
        t = time.perf_counter()
        r_addok = addok.geocode(queries)
        t_stream = time.perf_counter() - t

        def one(q: str) -> None:
            addok.search(q, limit=1)

        t = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(one, queries))
        t_par = time.perf_counter() - t
        f_ours, f_addok = r_ours.score > 0, r_addok.score > 0
        both = f_ours & f_addok
        d = distance_m(r_ours.lat, r_ours.lon, r_addok.lat, r_addok.lon)
        fab_addok = addok.geocode(fab)
        fab_ours = ours.geocode(fab)
        out["addok"] = {
            "documents": n_docs, "chargement_s": load_s, "requetes": len(queries),
            "debit_flux_csv": len(queries) / t_stream, "debit_parallele_8": len(queries) / t_par,
            "debit_nous": len(queries) / t_ours,
            "qualite_nous": _quality(r_ours, sp), "qualite_addok": _quality(r_addok, sp),
            "accord_trouve": float((f_ours == f_addok).mean()),
            "accord_type": float((r_ours.type[both] == r_addok.type[both]).mean()),
            "accord_position_50m": float((d[both] <= 50).mean()),
            "inventees_addok_numero_confiant": float(((fab_addok.type == "numero")
                                                      & (fab_addok.score >= 0.8)).mean()),
            "inventees_addok_numero": float((fab_addok.type == "numero").mean()),
            "inventees_nous_numero_confiant": float(((fab_ours.type == "numero")
                                                     & (fab_ours.score >= 0.8)).mean()),
        }
        a = out["addok"]
        print(f"(c) addok (Redis réel, {n_docs} documents chargés en {load_s:.0f} s), "
              f"{len(queries)} variantes :")
        print(f"    addok flux /search/csv/ : {a['debit_flux_csv']:,.0f}/s ; /search/ en "
              f"parallèle (8 clients, 2 workers) : {a['debit_parallele_8']:,.0f}/s ; "
              f"intégré : {a['debit_nous']:,.0f}/s = {a['debit_nous'] / a['debit_flux_csv']:,.0f}x"
              f" le flux, {a['debit_nous'] / a['debit_parallele_8']:,.0f}x le parallèle")
        qn, qa = a["qualite_nous"], a["qualite_addok"]
        print(f"    au numéro à moins de 50 m : intégré {qn['a_50m']:.1%}, addok "
              f"{qa['a_50m']:.1%} ; trouvées : {qn['trouvees']:.1%} / {qa['trouvees']:.1%}")
        print(f"    accord : trouvé/non trouvé {a['accord_trouve']:.1%}, type "
              f"{a['accord_type']:.1%}, position à 50 m {a['accord_position_50m']:.1%} "
              f"(quand les deux trouvent)")
        print(f"    rues inventées rendues en numéro : addok {a['inventees_addok_numero']:.1%}"
              f" (dont score >= 0,8 : {a['inventees_addok_numero_confiant']:.1%}), intégré "
              f"score >= 0,8 : {a['inventees_nous_numero_confiant']:.1%}")
    finally:
        server.__exit__(None, None, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cas", default="reference,ban,addok")
    parser.add_argument("--adresses", type=int, default=700_000)
    parser.add_argument("--addok-requetes", type=int, default=2_000)
    args = parser.parse_args()
    cases = set(args.cas.split(","))
    print(_header())
    out: dict = {"date": time.strftime("%Y-%m-%d %H:%M"), "charge": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-geocodage-") as tmp:
        work = Path(tmp)
        index_dir = work / "index-reference"
        if cases & {"reference", "addok"}:
            case_reference(out, index_dir)
        if "ban" in cases:
            case_ban(out, work, args.adresses)
        if "addok" in cases:
            case_addok(out, work, index_dir, args.addok_requetes)
    out["memoire_bench_mo"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "geocodage.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))
    print(f"Résultats : {RESULTS / 'geocodage.json'}")


if __name__ == "__main__":
    main()
