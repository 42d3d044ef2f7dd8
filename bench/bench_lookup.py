"""Benchmark of the eligibility lookup: points per second, peak memory, geopandas baseline.

Run (not part of the test suite)::

    .venv/bin/python bench/bench_lookup.py                      # defaults, a few minutes
    .venv/bin/python bench/bench_lookup.py --points 2000000 --flux-go 0.1
    .venv/bin/python bench/bench_lookup.py --cas flux --flux-go 13   # file > half the RAM

Cases, each in its own subprocess (so that its peak memory, ``ru_maxrss``, is its own):

a. ``reel``: the shared official 2024 perimeters (PACA without Marseille-Aix, 73 QPV), and
   ``--points`` (10 M) points: 75 % drawn around the QPVs (normal, sigma 3 km, like geocoded
   addresses of the towns concerned), 25 % uniform over the region +/- 30 km. End to end on
   arrays: ``Checker.columns`` (containment, exact signed distance, nearest QPV within the
   tolerance, labels), first call (lazy grid cells built on the way) and second call; also
   from WGS84 (projection included).
b. ``national``: a SYNTHETIC national set made up here: 1 600 concave polygons (stars of
   30-120 vertices with deep notches, 150-700 m radius) around 250 pseudo-towns spread over
   metropolitan France; points: 75 % around the polygons, 25 % uniform over France.
c. ``sjoin-reel`` / ``sjoin-national``: ``geopandas.sjoin(predicate="intersects")`` on a
   subset (``--sous-ensemble``, 1 M points; containment only, no distance) and
   ``geopandas.sjoin_nearest`` (distance to the nearest boundary, what ``distance_m`` gives)
   on a smaller subset, against our lookup on the same points: printed as ratios.
d. ``flux``: the CLI path (``quartiers verifier``) on a generated CSV of ``--flux-go`` GB,
   one size after the other: peak memory of the ``quartiers`` process must not grow with
   the file size (streamed in chunks). For a file larger than half the RAM (24 GB machine):
   ``--cas flux --flux-go 13`` (about 290 M rows; needs ~2.5x that size of free disk in
   ``--dossier``, and roughly 10 to 20 minutes on 2 cores).

Targets printed alongside (no assertion): at least 1 M points/s end to end on arrays, at least
5x ``geopandas.sjoin``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "resultats"
FRANCE = (150_000.0, 6_200_000.0, 1_050_000.0, 7_050_000.0)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- data
def real_set():
    from quartiers.perimeters import load_perimeters

    return load_perimeters("2024")


def synthetic_national(n_poly: int = 1600, seed: int = 1):
    """SYNTHETIC perimeter set: concave stars around pseudo-towns over France."""
    import shapely

    from quartiers.perimeters import PerimeterSet

    rng = np.random.default_rng(seed)
    n_towns = 250
    tx = rng.uniform(FRANCE[0], FRANCE[2], n_towns)
    ty = rng.uniform(FRANCE[1], FRANCE[3], n_towns)
    weight = 1.0 / np.arange(1, n_towns + 1) ** 0.8
    town = rng.choice(n_towns, n_poly, p=weight / weight.sum())
    geoms = []
    for i in range(n_poly):  # building the test set, not the lookup
        k = int(rng.integers(30, 121))
        base = rng.uniform(150, 700)
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        r = base * (1 + 0.25 * rng.standard_normal(k)).clip(0.3, 1.8)
        notch = rng.random(k) < 0.12
        r[notch] *= 0.35
        cx = tx[town[i]] + rng.normal(0, 2500)
        cy = ty[town[i]] + rng.normal(0, 2500)
        g = shapely.Polygon(np.c_[cx + r * np.cos(ang), cy + r * np.sin(ang)])
        if not g.is_valid:
            g = shapely.make_valid(g)
        geoms.append(g)
    n = len(geoms)
    codes = np.array([f"QS{i:06d}" for i in range(n)], dtype=object)
    return PerimeterSet(
        codes=codes, names=np.array([f"Synthétique {i}" for i in range(n)], dtype=object),
        communes=np.full(n, "", dtype=object), departements=np.full(n, "", dtype=object),
        geometry=np.array(geoms, dtype=object), millesime="synthetique",
        source="synthétique (bench_lookup)",
    )


def points(ps, n: int, seed: int = 2, national: bool = False) -> tuple[np.ndarray, np.ndarray]:
    import shapely

    rng = np.random.default_rng(seed)
    c = shapely.get_coordinates(shapely.centroid(ps.geometry))
    k = int(n * 0.75)
    which = rng.integers(0, len(c), k)
    x1 = c[which, 0] + rng.normal(0, 3000, k)
    y1 = c[which, 1] + rng.normal(0, 3000, k)
    if national:
        box = FRANCE
    else:
        x0, y0, xe, ye = shapely.total_bounds(ps.geometry)
        box = (x0 - 30_000, y0 - 30_000, xe + 30_000, ye + 30_000)
    x2 = rng.uniform(box[0], box[2], n - k)
    y2 = rng.uniform(box[1], box[3], n - k)
    order = rng.permutation(n)
    return np.r_[x1, x2][order], np.r_[y1, y2][order]


# --------------------------------------------------------------------------- cases
def case_lookup(national: bool, n: int) -> dict:
    from quartiers.eligibility import Checker, coords

    ps = synthetic_national() if national else real_set()
    x, y = points(ps, n, national=national)
    rss0 = _rss_mb()
    t = time.perf_counter()
    chk = Checker(ps)
    build = time.perf_counter() - t
    t, c = time.perf_counter(), time.process_time()
    cols = chk.columns(x, y, tolerance=100.0)
    first, first_cpu = time.perf_counter() - t, time.process_time() - c
    inside = float(cols["dans_qpv"].mean())
    del cols
    t, c = time.perf_counter(), time.process_time()
    chk.columns(x, y, tolerance=100.0)
    second, second_cpu = time.perf_counter() - t, time.process_time() - c
    lon, lat = coords.to_wgs84(x, y)
    t = time.perf_counter()
    xx, yy = coords.to_lambert93(lon, lat)
    chk.columns(xx, yy, tolerance=100.0)
    wgs = time.perf_counter() - t
    return {
        "polygones": len(ps), "segments": len(chk.index.seg_ax), "points": n,
        "part_dans_qpv": round(inside, 4), "construction_s": round(build, 3),
        "premier_appel_s": round(first, 2), "second_appel_s": round(second, 2),
        "points_par_s_premier": round(n / first), "points_par_s_second": round(n / second),
        "cpu_premier_s": round(first_cpu, 2), "cpu_second_s": round(second_cpu, 2),
        "charge_machine": round(os.getloadavg()[0], 1),
        "points_par_s_wgs84": round(n / wgs), "rss_avant_mo": round(rss0),
        "rss_pic_mo": round(_rss_mb()),
        "cellules": [int(chk.index.unit_cell_start[-1]),
                     int(chk.index._cells[3] * chk.index._cells[4])],
    }


def _best_of(f, repetitions: int):
    """(last result, best wall time) of ``repetitions`` calls."""
    best = float("inf")
    for _ in range(repetitions):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return out, best


def case_sjoin(national: bool, n: int, repetitions: int = 3) -> dict:
    import geopandas as gpd

    from quartiers.eligibility import Checker

    ps = synthetic_national() if national else real_set()
    x, y = points(ps, n, seed=3, national=national)
    polys = ps.to_geodataframe()

    def sjoin():
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:2154")
        return gpd.sjoin(pts, polys, how="left", predicate="intersects")

    joined, t_sjoin = _best_of(sjoin, repetitions)
    inside_gpd = np.zeros(n, dtype=bool)
    inside_gpd[joined.index[joined["index_right"].notna().to_numpy()]] = True
    m = min(n, 100_000)
    bounds = gpd.GeoDataFrame(geometry=polys.boundary, crs="EPSG:2154")
    t = time.perf_counter()
    sub = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x[:m], y[:m]), crs="EPSG:2154")
    near = gpd.sjoin_nearest(sub, bounds, how="left", distance_col="d")
    near = near[~near.index.duplicated()]
    t_nearest = time.perf_counter() - t
    # the same question as sjoin: which perimeter holds the point, how far is the nearest
    # limit (the geometric core; the answers' commune placement and rules are bench_reponses)
    t = time.perf_counter()
    chk = Checker(ps, territory=None)
    t_build = time.perf_counter() - t
    chk.query(x[:1000], y[:1000])
    t = time.perf_counter()
    res = chk.query(x, y)
    t_first = time.perf_counter() - t
    res, t_ours = _best_of(lambda: chk.query(x, y), repetitions)
    t = time.perf_counter()
    res_m = chk.query(x[:m], y[:m])
    t_ours_m = time.perf_counter() - t
    agree = bool(np.array_equal(inside_gpd, res.inside >= 0))
    dist_ok = bool(np.allclose(np.abs(res_m.distance), near["d"].to_numpy(), atol=0.011))
    return {
        "points": n, "sjoin_s": round(t_sjoin, 2), "nous_s": round(t_ours, 2),
        "ratio_sjoin": round(t_sjoin / t_ours, 1), "memes_reponses": agree,
        "repetitions": repetitions, "nous_premier_appel_s": round(t_first, 2),
        "ratio_sjoin_premier_appel": round(t_sjoin / t_first, 1),
        "nous_construction_s": round(t_build, 2),
        "ratio_sjoin_avec_construction": round(t_sjoin / (t_ours + t_build), 1),
        "points_sjoin_nearest": m, "sjoin_nearest_s": round(t_nearest, 2),
        "nous_meme_sous_ensemble_s": round(t_ours_m, 3),
        "ratio_sjoin_nearest": round(t_nearest / t_ours_m, 1), "memes_distances": dist_ok,
    }


def write_csv(path: Path, rows: int, seed: int = 4) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from quartiers.eligibility import coords

    ps = real_set()
    rng = np.random.default_rng(seed)
    block = 2_000_000
    with pacsv.CSVWriter(str(path), pa.schema([("id", pa.int64()), ("lon", pa.float64()),
                                               ("lat", pa.float64()),
                                               ("commune", pa.string())]),
                         write_options=pacsv.WriteOptions(delimiter=";",
                                                          quoting_style="none")) as w:
        done = 0
        while done < rows:
            k = min(block, rows - done)
            x, y = points(ps, k, seed=int(rng.integers(1 << 30)))
            lon, lat = coords.to_wgs84(x, y)
            w.write_table(pa.table({
                "id": np.arange(done, done + k), "lon": np.round(lon, 6),
                "lat": np.round(lat, 6), "commune": np.full(k, "Toulon"),
            }))
            done += k


def case_flux(sizes_gb: list[float], directory: Path) -> list[dict]:
    out = []
    exe = Path(sys.executable).with_name("quartiers")
    for gb in sizes_gb:
        with tempfile.TemporaryDirectory(dir=directory) as tmp:
            src = Path(tmp) / "points.csv"
            rows = int(gb * 1e9 / 35.5)  # measured: 35.5 bytes per generated row
            t = time.perf_counter()
            write_csv(src, rows)
            gen = time.perf_counter() - t
            size = src.stat().st_size
            t = time.perf_counter()
            proc = subprocess.Popen(
                [str(exe), "verifier", str(src), "--perimetres", "2024", "--sortie",
                 str(Path(tmp) / "resultat.csv"), "--tolerance", "100"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t
            err = proc.stderr.read().decode() if proc.stderr else ""
            out.append({
                "fichier_go": round(size / 1e9, 2), "lignes": rows,
                "generation_s": round(gen, 1), "verifier_s": round(wall, 1),
                "lignes_par_s": round(rows / wall), "rss_pic_verifier_mo":
                round(usage.ru_maxrss / 1024), "code_sortie": os.waitstatus_to_exitcode(status),
                "sortie_go": round((Path(tmp) / "resultat.csv").stat().st_size / 1e9, 2)
                if (Path(tmp) / "resultat.csv").exists() else None,
                **({"stderr": err[-500:]} if os.waitstatus_to_exitcode(status) else {}),
            })
    return out


# --------------------------------------------------------------------------- driver
def _child(case: str, args: argparse.Namespace) -> dict | list:
    if case == "reel":
        return case_lookup(False, args.points)
    if case == "national":
        return case_lookup(True, args.points)
    if case == "sjoin-reel":
        return case_sjoin(False, args.sous_ensemble, args.repetitions)
    if case == "sjoin-national":
        return case_sjoin(True, args.sous_ensemble, args.repetitions)
    if case == "flux":
        return case_flux([float(v) for v in args.flux_go.split(",")], Path(args.dossier))
    raise SystemExit(f"cas inconnu : {case}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", type=int, default=10_000_000)
    p.add_argument("--sous-ensemble", type=int, default=1_000_000)
    p.add_argument("--repetitions", type=int, default=3,
                   help="sjoin et recherche : meilleur de N appels (cas sjoin-*)")
    p.add_argument("--flux-go", default="0.25,1", help="tailles des CSV générés (Go)")
    p.add_argument("--dossier", default=tempfile.gettempdir())
    p.add_argument("--cas", default="reel,national,sjoin-reel,sjoin-national,flux")
    p.add_argument("--enfant", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.enfant:
        print(json.dumps(_child(args.enfant, args)))
        return
    results: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} coeurs",
                     "date": time.strftime("%Y-%m-%d %H:%M")}
    for case in args.cas.split(","):
        t = time.perf_counter()
        cmd = [sys.executable, __file__, "--enfant", case, "--points", str(args.points),
               "--sous-ensemble", str(args.sous_ensemble), "--repetitions",
               str(args.repetitions), "--flux-go", args.flux_go,
               "--dossier", args.dossier]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode:
            print(f"{case}: ÉCHEC\n{run.stderr[-2000:]}")
            continue
        results[case] = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"{case} ({time.perf_counter() - t:.0f} s): {json.dumps(results[case])}",
              flush=True)
    print()
    for case in ("reel", "national"):
        if case in results:
            r = results[case]
            label = "SYNTHÉTIQUE national" if case == "national" else "réel 2024 (PACA)"
            print(f"{label}: {r['polygones']} polygones, {r['points']:,} points : "
                  f"{r['points_par_s_premier'] / 1e6:.2f} M points/s (1er appel), "
                  f"{r['points_par_s_second'] / 1e6:.2f} M points/s (2e appel), "
                  f"{r['points_par_s_wgs84'] / 1e6:.2f} M points/s depuis WGS84 ; "
                  f"pic mémoire {r['rss_pic_mo']} Mo (dont {r['rss_avant_mo']} Mo avant "
                  f"l'index) ; temps CPU {r['cpu_premier_s']} s puis {r['cpu_second_s']} s, "
                  f"charge machine {r['charge_machine']} — objectif ≥ 1 M points/s")
    for case in ("sjoin-reel", "sjoin-national"):
        if case in results:
            r = results[case]
            print(f"{case}: {r['ratio_sjoin']}x geopandas.sjoin, meilleur de "
                  f"{r['repetitions']} appels de chaque côté ({r['sjoin_s']} s contre "
                  f"{r['nous_s']} s ; premier appel de la recherche {r['nous_premier_appel_s']} s,"
                  f" {r['ratio_sjoin_premier_appel']}x) "
                  f"(réponses identiques : {r['memes_reponses']} ; "
                  f"{r['ratio_sjoin_avec_construction']}x en comptant la construction de "
                  f"l'index, {r['nous_construction_s']} s), "
                  f"{r['ratio_sjoin_nearest']}x geopandas.sjoin_nearest "
                  f"(distances identiques : {r['memes_distances']}) — objectif ≥ 5x")
    if "flux" in results:
        for r in results["flux"]:
            print(f"flux: CSV {r['fichier_go']} Go ({r['lignes']:,} lignes) en "
                  f"{r['verifier_s']} s, {r['lignes_par_s']:,} lignes/s, pic mémoire "
                  f"{r['rss_pic_verifier_mo']} Mo, code de sortie {r['code_sortie']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"lookup-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"Résultats : {path}")


if __name__ == "__main__":
    main()
