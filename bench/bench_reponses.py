"""Benchmark of the answers end to end: the Python API's cost over the core, and a file of
addresses to ``oui``/``non``/``inconnu`` answers, beside what a user would otherwise run.

Run (not part of the test suite; a few minutes, more the first time addok is installed)::

    QUARTIERS_DATA=../shared/data .venv/bin/python bench/bench_reponses.py
    .venv/bin/python bench/bench_reponses.py --cas api --points 1000000
    .venv/bin/python bench/bench_reponses.py --cas adresses --lignes 100000 --addok-lignes 2000

Cases:

a. ``api``: 1 000 000 SYNTHETIC points (uniform over the 2024 list's départements, a tenth of
   them around its quartiers), in Lambert-93. ``Checker.columns`` (the core: containment,
   signed distance, commune placement, coverage, the answer and its reason, the VAT bands)
   against ``quartiers.lookup(x, y, crs="lambert93")`` on the same points (the same core plus
   validation and the DataFrame): best of 3 each, printed as a ratio (target: at most 1.5x).
   ``lookup`` from WGS84 longitudes/latitudes is printed too: its projection is the extra.
b. ``adresses``: a CSV of ``--lignes`` addresses (SYNTHETIC held-out spellings of the real
   reference addresses: lower case, abbreviations, typos, no postcode..., cycled) is answered
   by ``quartiers verifier --adresse adresse --perimetres 2024`` in a fresh process: wall
   time including the process start and the loading of the indexes (stated), rows/s
   against the target of 3 000/s. Baseline, on the first ``--addok-lignes`` rows: what a user
   would otherwise run — a real addok (Redis, 2 gunicorn workers, loaded with the same
   addresses) through its ``/search/csv/`` endpoint, then ``geopandas.sjoin`` of the points
   found against the same perimeters (which gives in/out and the quartier, no coverage and
   no reason); ours answers the same rows in the same process for the ratio.

Figures go to ``bench/resultats/reponses-*.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "resultats"
sys.path.insert(0, str(ROOT / "bench"))

from bench_geocodage import _best, _header, addok_server, reference_material  # noqa: E402

TARGET_RATIO = 1.5
TARGET_ROWS = 3_000


def case_api(out: dict, n: int) -> None:
    import quartiers
    from quartiers.eligibility import checker, coords

    chk = checker("2024")
    rng = np.random.default_rng(7)
    ps = chk.perimeters
    deps = sorted({d for d in ps.departements if d})
    own = np.isin(np.array([c[:2] for c in chk.territory.codes]), deps)
    geoms = chk.territory.geometry[own]
    bx = np.array([g.bounds for g in geoms])
    x0, y0, x1, y1 = bx[:, 0].min(), bx[:, 1].min(), bx[:, 2].max(), bx[:, 3].max()
    near = n // 10
    cx = np.array([g.centroid.x for g in ps.geometry])
    cy = np.array([g.centroid.y for g in ps.geometry])
    pick = rng.integers(0, len(cx), near)
    x = np.concatenate([rng.uniform(x0, x1, n - near), cx[pick] + rng.normal(0, 600, near)])
    y = np.concatenate([rng.uniform(y0, y1, n - near), cy[pick] + rng.normal(0, 600, near)])
    chk.columns(x[:1000], y[:1000])
    quartiers.lookup(x[:1000], y[:1000], perimeters=chk, crs="lambert93")
    t_core, cols = _best(lambda: chk.columns(x, y))
    t_api, frame = _best(lambda: quartiers.lookup(x, y, perimeters=chk, crs="lambert93"))
    lon, lat = coords.to_wgs84(x, y)
    t_wgs, _ = _best(lambda: quartiers.lookup(lon, lat, perimeters=chk, crs="wgs84"))
    same = bool((frame["statut"].to_numpy() == cols["statut"]).all())
    counts = {s: int((cols["statut"] == s).sum()) for s in ("oui", "non", "inconnu")}
    out["api"] = {"points": n, "columns_s": t_core, "lookup_s": t_api, "ratio": t_api / t_core,
                  "lookup_wgs84_s": t_wgs, "memes_reponses": same, "statuts": counts,
                  "departements": deps}
    print(f"(a) {n:,} points : Checker.columns {t_core:.2f} s, lookup (Lambert-93) "
          f"{t_api:.2f} s : {t_api / t_core:.2f}x (cible <= {TARGET_RATIO}x) ; lookup depuis "
          f"WGS84 {t_wgs:.2f} s (projection comprise) ; mêmes réponses : {same} ; {counts}")


def _write_addresses(path: Path, queries: list[str], n: int) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["id", "adresse"])
        for i in range(n):  # writing the input, not timed
            w.writerow([i, queries[i % len(queries)]])


def case_adresses(out: dict, work: Path, n: int, n_addok: int) -> None:
    from quartiers.eligibility import checker
    from quartiers.eligibility.batch import verify_file
    from quartiers.geocoding import open_geocoder
    from quartiers.geocoding.indexing import default_index_dir

    _raw, spellings, _fab = reference_material()
    queries = [s.query for s in spellings]
    src = work / "adresses.csv"
    _write_addresses(src, queries, n)
    dest = work / "reponses.csv"
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "quartiers.cli", "verifier", str(src), "--adresse", "adresse",
         "--perimetres", "2024", "--sortie", str(dest)],
        capture_output=True, text=True, env=dict(os.environ))
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        raise SystemExit(f"quartiers verifier a échoué ({proc.returncode})")
    rows = n / wall
    out["adresses"] = {"lignes": n, "secondes_processus": wall, "lignes_par_s": rows}
    print(f"(b) {n:,} adresses -> réponses, processus complet (démarrage et chargement des "
          f"index compris) : {wall:.1f} s, {rows:,.0f} lignes/s (cible >= {TARGET_ROWS:,}/s)")
    # the same rows in this process, for the comparison with addok + geopandas
    small = work / "petit.csv"
    _write_addresses(small, queries, n_addok)
    chk = checker("2024")
    geocoder = open_geocoder()
    verify_file(small, work / "chauffe.csv", [("", chk)], address=["adresse"],
                geocoder=geocoder)
    t_ours, summary = _best(lambda: verify_file(small, work / "nous.csv", [("", chk)],
                                                address=["adresse"], geocoder=geocoder))
    out["adresses"]["nous_petit_s"] = t_ours
    try:
        server = addok_server(work, default_index_dir())
        addok, n_docs, load_s = server.__enter__()
    except subprocess.CalledProcessError as e:
        print(f"    addok n'a pas pu être installé : {e}")
        out["adresses"]["addok"] = {"erreur": str(e)}
        return
    try:
        import geopandas as gpd

        qs = [queries[i % len(queries)] for i in range(n_addok)]
        t = time.perf_counter()
        found = addok.geocode(qs)
        pts = gpd.GeoDataFrame({"i": np.arange(n_addok)},
                               geometry=gpd.points_from_xy(found.lon, found.lat),
                               crs="EPSG:4326").to_crs("EPSG:2154")
        joined = gpd.sjoin(pts, chk.perimeters.to_geodataframe()[["code", "geometry"]],
                           how="left", predicate="intersects")
        joined = joined[~joined.index.duplicated()]
        t_base = time.perf_counter() - t
        inside_base = int(joined["code"].notna().sum())
        out["adresses"]["addok"] = {
            "documents": n_docs, "chargement_s": load_s, "lignes": n_addok,
            "addok_geopandas_s": t_base, "nous_s": t_ours, "ratio": t_base / t_ours,
            "dans_qpv_addok_geopandas": inside_base,
            "oui_nous": int(summary.statuts[""].get("oui", 0)),
        }
        print(f"    {n_addok:,} mêmes lignes : addok /search/csv/ + geopandas.sjoin "
              f"{t_base:.1f} s ({n_addok / t_base:,.0f}/s) ; nous {t_ours:.2f} s "
              f"({n_addok / t_ours:,.0f}/s) : {t_base / t_ours:,.0f}x ; dans un QPV : "
              f"{inside_base} (addok + sjoin) / {summary.statuts[''].get('oui', 0)} oui (nous)")
    finally:
        server.__exit__(None, None, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cas", default="api,adresses")
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--lignes", type=int, default=100_000)
    parser.add_argument("--addok-lignes", type=int, default=2_000)
    args = parser.parse_args()
    cases = set(args.cas.split(","))
    print(_header())
    out: dict = {"date": time.strftime("%Y-%m-%d %H:%M"), "charge": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-reponses-") as tmp:
        if "api" in cases:
            case_api(out, args.points)
        if "adresses" in cases:
            case_adresses(out, Path(tmp), args.lignes, args.addok_lignes)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"reponses-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=float),
                    encoding="utf-8")
    print(f"Résultats : {path}")


if __name__ == "__main__":
    main()
