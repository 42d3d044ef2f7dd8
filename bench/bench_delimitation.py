"""Benchmark of the delimitation engine: time and peak memory, and a naive geopandas baseline.

Run (not part of the test suite)::

    .venv/bin/python bench/bench_delimitation.py

Cases, each measured in its own subprocess (so that its peak memory, ``ru_maxrss``, is its
own):

a. ``extrait``: the shared real extract (INSEE Filosofi 2019, 74 661 squares), end to end:
   read the CSV and the urban-unit files, delimit under the 2024 rules, write every output.
b. ``france``: a SYNTHETIC France-size grid (2.3 M squares, made up here: urban units with
   dense centres, poor neighbourhoods and income gradients, villages around them), written
   as an INSEE 2019-layout CSV, then read, delimited (polygons included) and written, with a
   synthetic :class:`~quartiers.io.urban_units.UrbanUnits`.
c. ``naif``: the way a GIS analyst would do it with geopandas
   (:mod:`quartiers.delimitation.reference`, also the engine's oracle in the tests), on a
   window of the synthetic grid: one box per square, threshold by ``merge``, low-income
   squares grouped by ``sjoin(predicate="touches")`` + connected components (corner
   contiguity), or by ``dissolve`` + ``explode`` (edge contiguity), zone statistics by
   ``dissolve``; and the engine on the same window with the same plain method (no filling,
   no bridging, no smoothing, fixed mean/median factor), so that both find the same
   quartiers.

Targets printed alongside (no assertion): France-size under 30 s and 4 GB on the 2-core
machine, engine at least 20x faster than the naive baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "resultats"

TARGET_SECONDS = 30.0
TARGET_GB = 4.0
TARGET_RATIO = 20.0

# Method choices shared by the engine and the naive baseline in case c.
PLAIN = {
    "combler_trous": "0",
    "combler_ecarts": "non",
    "lissage": "0",
    "population_min_carreau": "0",
    "calibration_moyenne_mediane": "fixe",
}


# --- measurement helpers ------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident memory of this process, MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Stopwatch:
    """Named consecutive stages (wall clock), and the CPU time of the process since start."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self.cpu_stages: dict[str, float] = {}
        self._t = time.perf_counter()
        self._cpu = self._c = time.process_time()

    @property
    def cpu(self) -> float:
        return round(time.process_time() - self._cpu, 2)

    def lap(self, name: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.stages[name] = round(now - self._t, 3)
        self.cpu_stages[name] = round(cpu - self._c, 3)
        self._t, self._c = now, cpu

    @property
    def total(self) -> float:
        return round(sum(self.stages.values()), 3)


def engine_progress(watch: Stopwatch) -> Callable[[str, int, int], None]:
    """A ``delimit`` progress callback that splits the run into the engine's stages."""
    seen: set[str] = set()
    names = {
        "Regroupement des carreaux": "carreaux_seuils",
        "Contours des quartiers": "zones_decision",
    }

    def update(label: str, done: int, total: int) -> None:
        if label not in seen and label in names:
            seen.add(label)
            watch.lap(names[label])

    return update


def rules_with(overrides: dict[str, str]) -> Any:
    """2024 rules with ``overrides``, skipping names the engine does not know."""
    from quartiers.parameters import load_rules, rule_names

    known = set(rule_names())
    return load_rules("2024", {k: v for k, v in overrides.items() if k in known})


# --- synthetic France ---------------------------------------------------------------------

X0, Y0, RES = 3_210_000, 2_050_000, 200  # south-west corner of the box, EPSG:3035
SIDE = 5_500  # cells: 1 100 km x 1 100 km, like metropolitan France
NATIONAL_MEDIAN = 21730.0
_FORBIDDEN = None  # arrondissement codes, filled lazily


def _commune_code(i: int) -> str:
    global _FORBIDDEN
    if _FORBIDDEN is None:
        from quartiers.io.urban_units import ARRONDISSEMENTS

        _FORBIDDEN = set(ARRONDISSEMENTS)
    code = f"{i // 999 % 95 + 1:02d}{i % 999 + 1:03d}"
    return code if code not in _FORBIDDEN else f"9{code[1:]}"


def _departement(col: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Synthetic département number (1-99) of raster cells: a 10 x 10 patchwork of
    contiguous boxes (the last box joins its neighbour)."""
    k = np.clip(row // 550, 0, 9) * 10 + np.clip(col // 550, 0, 9)
    return np.minimum(k, 98) + 1


def synthetic_france(n_squares: int = 2_300_000, seed: int = 2019) -> dict[str, Any]:
    """A SYNTHETIC France-size 200 m grid (made up, not INSEE data).

    Spatial structure: about 2 400 urban units whose population follows a Pareto law (one
    of 10.8 million, like Paris, which switches the decree's weights), each a blob with a
    dense centre and population decreasing outwards, an income gradient from centre to
    edge, poor neighbourhoods (about one per 35 000 inhabitants) with incomes at 45-65 %,
    communes as Voronoi cells inside each unit (squares on a commune border list two
    communes); then villages of a few dozen squares spread over the country, outside any
    urban unit. Returns arrays and the urban-unit table.
    """
    rng = np.random.default_rng(seed)
    n_uu = 2_400
    # populations: Paris-like, then a Pareto tail from 2 000 inhabitants
    pops = 2_000 * (rng.pareto(1.05, n_uu - 1) + 1)
    pops = np.minimum(pops, 1_800_000)
    pops = pops * (39e6 / pops.sum())
    pops = np.maximum(pops, 2_000)
    pops = np.concatenate([[10.8e6], pops])
    density = 25 + 22 * np.log10(pops / 2_000)  # inhabitants per square
    n_sq = np.maximum(5, pops / density).astype(np.int64)
    radius = np.sqrt(n_sq / np.pi)
    # centres: anywhere in the box, away from the edges
    margin = radius + 10
    cx = rng.uniform(margin, SIDE - margin)
    cy = rng.uniform(margin, SIDE - margin)
    cx[0], cy[0] = SIDE * 0.55, SIDE * 0.72  # Paris-like, north of centre
    medians = np.clip(rng.normal(21000, 1800, n_uu), 16000, 28000).round(-1)
    medians[0] = 23900.0

    cols, rows, inds, means, uu_of, communes, extra_communes = [], [], [], [], [], [], []
    commune_counter = 0
    for u in range(n_uu):
        r = radius[u] * 1.08
        span = int(np.ceil(r * 1.3)) + 1
        dc, dr = np.meshgrid(np.arange(-span, span + 1), np.arange(-span, span + 1))
        dc, dr = dc.ravel(), dr.ravel()
        dist = np.hypot(dc, dr)
        theta = np.arctan2(dr, dc)
        phase = rng.uniform(0, 2 * np.pi, 3)
        edge = r * (1 + 0.18 * np.sin(3 * theta + phase[0]) + 0.1 * np.sin(5 * theta + phase[1]))
        keep = (dist <= edge) & (rng.random(dist.size) > 0.04)  # a few empty squares: parks
        dc, dr, dist = dc[keep], dr[keep], dist[keep]
        c = np.round(cx[u]).astype(np.int64) + dc
        w = np.round(cy[u]).astype(np.int64) + dr
        rel = dist / max(r, 1.0)
        weight = np.exp(-2.2 * rel) * rng.lognormal(0, 0.5, dist.size)
        ind = np.maximum(1.0, np.round(weight / weight.sum() * pops[u] * 0.95 * 2) / 2)
        mean = medians[u] * 1.12 * (1 + 0.12 * (rel - 0.5)) * rng.lognormal(0, 0.2, dist.size)
        # poor neighbourhoods
        n_poor = rng.poisson(pops[u] / 35_000) if pops[u] >= 10_000 else 0
        if n_poor:
            centres = rng.choice(dist.size, size=n_poor, p=weight / weight.sum())
            pr = rng.uniform(1.5, 5.0, n_poor)
            d2 = np.hypot(dc[:, None] - dc[centres][None, :], dr[:, None] - dr[centres][None, :])
            inside = (d2 <= pr[None, :]).any(axis=1)
            mean = np.where(inside, mean * rng.uniform(0.45, 0.65, dist.size), mean)
            ind = np.where(inside, ind * 1.8, ind)
        # communes: Voronoi cells of a few seeds
        k = int(1 + dist.size // 500)
        seeds = rng.choice(dist.size, size=k, replace=False)
        codes = np.array([_commune_code(commune_counter + i) for i in range(k)], dtype=object)
        commune_counter += k
        if k > 1:
            ds = np.hypot(dc[:, None] - dc[seeds][None, :], dr[:, None] - dr[seeds][None, :])
            order = np.argsort(ds, axis=1)[:, :2]
            first = order[:, 0]
            gap = np.take_along_axis(ds, order, axis=1)
            border = (gap[:, 1] - gap[:, 0]) < 0.5
            second = np.where(border, order[:, 1], -1)
        else:
            first = np.zeros(dist.size, dtype=np.int64)
            second = np.full(dist.size, -1)
        cols.append(c)
        rows.append(w)
        inds.append(ind)
        means.append(mean)
        uu_of.append(np.full(dist.size, u))
        communes.append(codes[first])
        extra_communes.append(np.where(second >= 0, codes[np.maximum(second, 0)], ""))

    n_urban = sum(len(c) for c in cols)
    # villages outside urban units, until the target is reached
    n_rural = max(0, n_squares - n_urban)
    n_villages = max(1, int(n_rural * 1.25 / 45))
    size = rng.geometric(1 / 45, n_villages)
    vx = rng.uniform(20, SIDE - 20, n_villages)
    vy = rng.uniform(20, SIDE - 20, n_villages)
    village = np.repeat(np.arange(n_villages), size)
    spread = np.sqrt(size[village]) / 1.6
    c = np.round(vx[village] + rng.normal(0, 1, village.size) * spread).astype(np.int64)
    w = np.round(vy[village] + rng.normal(0, 1, village.size) * spread).astype(np.int64)
    v_codes = np.array(
        [_commune_code(commune_counter + i) for i in range(n_villages)], dtype=object
    )
    cols.append(c)
    rows.append(w)
    inds.append(np.maximum(1.0, np.round(rng.lognormal(1.6, 0.9, village.size) * 2) / 2))
    means.append(NATIONAL_MEDIAN * 1.1 * rng.lognormal(0, 0.22, village.size))
    uu_of.append(np.full(village.size, -1))
    communes.append(v_codes[village])
    extra_communes.append(np.full(village.size, "", dtype=object))

    col, row = np.concatenate(cols), np.concatenate(rows)
    inside_box = (col >= 0) & (col < SIDE) & (row >= 0) & (row < SIDE)
    key = np.where(inside_box, row * SIDE + col, -1)
    _, first = np.unique(key, return_index=True)  # urban squares come first and win
    first = first[key[first] >= 0]
    urban = first[first < n_urban]
    rural = first[first >= n_urban]
    take = max(0, n_squares - len(urban))
    rural = rng.choice(rural, size=min(take, len(rural)), replace=False)
    idx = np.sort(np.concatenate([urban, rural]))
    idx = rng.permutation(idx)  # INSEE's files are not sorted by position

    col, row = col[idx], row[idx]
    ind = np.concatenate(inds)[idx]
    mean = np.concatenate(means)[idx]
    uu = np.concatenate(uu_of)[idx]
    lcog = np.concatenate(communes)[idx].astype(object)
    extra = np.concatenate(extra_communes)[idx]
    lcog = np.where(extra != "", lcog + extra, lcog).astype(object)
    dep = _departement(col, row)

    # urban units table: the units, then one "outside UU" group per département
    uu_codes = np.array(
        [f"{u // 900 + 1:02d}{100 + u % 900:03d}" for u in range(n_uu)], dtype=object
    )
    outside = np.array([f"{d:02d}000" for d in range(1, 100)], dtype=object)
    first_commune = np.array([str(s)[:5] for s in lcog], dtype=object)
    square_uu_code = np.where(uu >= 0, uu_codes[np.maximum(uu, 0)], outside[dep - 1])
    pairs = {}
    for com, code in zip(first_commune, square_uu_code, strict=True):
        pairs.setdefault(com, code)
    for second, code in zip(extra, square_uu_code, strict=True):
        if second:
            pairs.setdefault(second, code)
    return {
        "x": X0 + col * RES, "y": Y0 + row * RES, "ind": ind, "snv": np.round(ind * mean, 1),
        "imputed": ind < 20, "lcog_geo": lcog,
        "uu_codes": uu_codes, "uu_names": [f"Unité urbaine synthétique {i + 1}"
                                           for i in range(n_uu)],
        "uu_population": np.round(pops).astype(np.int64), "uu_median": medians,
        "outside": outside, "commune_uu": pairs,
    }


def synthetic_urban_units(world: dict[str, Any]) -> Any:
    """A SYNTHETIC :class:`UrbanUnits` matching :func:`synthetic_france`."""
    from dataclasses import fields

    from quartiers.io.urban_units import UrbanUnits

    codes = np.concatenate([world["uu_codes"], world["outside"]]).astype(str)
    names = np.array(list(world["uu_names"]) + [f"Hors unité urbaine {c[:2]}"
                                                 for c in world["outside"]], dtype=object)
    population = np.concatenate([world["uu_population"], np.zeros(len(world["outside"]))])
    median = np.concatenate([world["uu_median"], np.full(len(world["outside"]), np.nan)])
    order = np.argsort(codes)
    codes, names, population, median = codes[order], names[order], population[order], median[
        order
    ]
    communes = np.array(sorted(world["commune_uu"]), dtype="U5")
    commune_uu = np.searchsorted(codes, np.array([world["commune_uu"][c] for c in communes]))
    optional = {}
    if "fiscal_population" in {f.name for f in fields(UrbanUnits)}:
        optional["fiscal_population"] = population * 0.97
    return UrbanUnits(
        codes=codes.astype("U5"), names=names, population=population.astype(np.int64),
        median=median, is_urban=np.array([not c.endswith("000") for c in codes]),
        commune_codes=communes, commune_uu=commune_uu, national_median=NATIONAL_MEDIAN,
        commune_names=None, median_source="unités urbaines synthétiques (bench)", **optional,
    )


def write_grid_csv(world: dict[str, Any], path: Path, index: np.ndarray | None = None) -> None:
    """Write (part of) the synthetic grid as an INSEE 2019-layout CSV."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    sel = slice(None) if index is None else index
    x = pa.array(world["x"][sel]).cast(pa.string())
    y = pa.array(world["y"][sel]).cast(pa.string())
    ids = pc.binary_join_element_wise("CRS3035RES200mN", y, "E", x, "")
    ind = world["ind"][sel]
    men = np.maximum(1, np.round(ind / 2.2))
    table = pa.table({
        "idcar_200m": ids,
        "i_est_200": pa.array(world["imputed"][sel].astype(np.int8)),
        "lcog_geo": pa.array(world["lcog_geo"][sel].tolist(), type=pa.string()),
        "ind": pa.array(ind),
        "men": pa.array(men),
        "men_pauv": pa.array(np.round(men * 0.15)),
        "ind_snv": pa.array(world["snv"][sel]),
    })
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))


def window_around(world: dict[str, Any], n: int) -> np.ndarray:
    """Indices of the ~``n`` squares of the smallest square window around the largest unit."""
    cx = X0 + SIDE * 0.55 * RES
    cy = Y0 + SIDE * 0.72 * RES
    d = np.maximum(np.abs(world["x"] - cx), np.abs(world["y"] - cy))
    limit = np.partition(d, min(n, len(d) - 1))[min(n, len(d) - 1)]
    return np.flatnonzero(d < limit)


# --- workers (one per subprocess) ---------------------------------------------------------


def worker_extrait(args: argparse.Namespace) -> dict[str, Any]:
    from quartiers.config import dataset
    from quartiers.delimitation import delimit
    from quartiers.delimitation.export import write_delimitation
    from quartiers.io.grid import read_grid
    from quartiers.io.urban_units import load_urban_units
    from quartiers.parameters import load_rules

    base = current_rss_mb()
    watch = Stopwatch()
    grid = read_grid(dataset("carroyage"))
    watch.lap("lecture_carroyage")
    uus = load_urban_units(dataset("uu_composition"), dataset("uu_revenus"),
                           dataset("national_revenus"))
    watch.lap("lecture_unites_urbaines")
    result = delimit(grid, uus, load_rules("2024"), commune_names=uus.commune_names,
                     progress=engine_progress(watch))
    watch.lap("contours")
    with tempfile.TemporaryDirectory() as out:
        write_delimitation(result, uus, Path(out), with_squares=True)
        watch.lap("ecriture")
    return {
        "carreaux": len(grid), "population": float(grid.ind.sum()),
        "quartiers": len(result.quartiers), "zones": len(result.explanations),
        "etapes": watch.stages, "etapes_cpu": watch.cpu_stages, "total_s": watch.total,
        "cpu_s": watch.cpu,
        "rss_initial_mb": round(base, 1), "rss_pic_mb": round(peak_rss_mb(), 1),
    }


def worker_generer(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.dossier)
    watch = Stopwatch()
    world = synthetic_france(args.carreaux)
    watch.lap("generation")
    write_grid_csv(world, work / "france_synthetique.csv")
    window = window_around(world, args.fenetre)
    write_grid_csv(world, work / "fenetre.csv", window)
    with open(work / "unites_urbaines.pickle", "wb") as fh:
        pickle.dump(synthetic_urban_units(world), fh)
    watch.lap("ecriture_csv")
    return {
        "carreaux": len(world["x"]), "population": float(world["ind"].sum()),
        "carreaux_fenetre": len(window),
        "taille_csv_mo": round((work / "france_synthetique.csv").stat().st_size / 2**20, 1),
        "etapes": watch.stages, "rss_pic_mb": round(peak_rss_mb(), 1),
    }


def worker_france(args: argparse.Namespace) -> dict[str, Any]:
    from quartiers.delimitation import delimit
    from quartiers.delimitation.export import write_delimitation
    from quartiers.io.grid import read_grid
    from quartiers.parameters import load_rules

    work = Path(args.dossier)
    with open(work / "unites_urbaines.pickle", "rb") as fh:
        uus = pickle.load(fh)
    base = current_rss_mb()
    watch = Stopwatch()
    grid = read_grid(work / "france_synthetique.csv")
    watch.lap("lecture_carroyage")
    rss_after_read = current_rss_mb()
    result = delimit(grid, uus, load_rules("2024"), progress=engine_progress(watch))
    watch.lap("contours")
    with tempfile.TemporaryDirectory() as out:
        write_delimitation(result, uus, Path(out))
        watch.lap("ecriture")
    q = result.quartiers
    return {
        "carreaux": len(grid), "population": float(grid.ind.sum()),
        "carreaux_bas_revenus": int(result.squares.low.sum()),
        "quartiers": len(q), "population_quartiers": float(q["population"].sum()),
        "zones": len(result.explanations),
        "motifs": result.explanations["motif"].value_counts().to_dict(),
        "etapes": watch.stages, "etapes_cpu": watch.cpu_stages, "total_s": watch.total,
        "cpu_s": watch.cpu,
        "rss_initial_mb": round(base, 1), "rss_apres_lecture_mb": round(rss_after_read, 1),
        "rss_pic_mb": round(peak_rss_mb(), 1),
    }


def best_of(fn: Callable[[], Any], repetitions: int) -> tuple[Any, float, float]:
    """Run ``fn`` ``repetitions`` times; (last result, best wall time, best CPU time)."""
    walls, cpus, out = [], [], None
    for _ in range(max(1, repetitions)):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return out, min(walls), min(cpus)


def load_window(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The window grid, a small warm-up slice of it, and the synthetic urban units."""
    from quartiers.io.grid import read_grid

    work = Path(args.dossier)
    with open(work / "unites_urbaines.pickle", "rb") as fh:
        uus = pickle.load(fh)
    grid = read_grid(work / "fenetre.csv")
    return grid, grid.take(np.arange(min(5_000, len(grid)))), uus


def worker_moteur_fenetre(args: argparse.Namespace) -> dict[str, Any]:
    from quartiers.delimitation import delimit

    grid, warm, uus = load_window(args)
    out: dict[str, Any] = {"carreaux": len(grid)}
    for connexite in ("coin", "cote"):
        rules = rules_with({**PLAIN, "connexite": connexite})
        delimit(warm, uus, rules)  # lazy imports, caches
        result, wall, cpu = best_of(lambda r=rules: delimit(grid, uus, r), args.repetitions)
        q = result.quartiers
        out[connexite] = {
            "s": round(wall, 3), "cpu_s": round(cpu, 3), "zones": len(result.explanations),
            "quartiers": len(q), "population_quartiers": round(float(q["population"].sum()), 1),
        }
    out["rss_pic_mb"] = round(peak_rss_mb(), 1)
    return out


def worker_naif(args: argparse.Namespace) -> dict[str, Any]:
    from quartiers.delimitation.reference import naive_delimitation

    grid, warm, uus = load_window(args)
    out: dict[str, Any] = {"carreaux": len(grid)}
    for how, connexite in (("sjoin", "coin"), ("dissolve", "cote")):
        rules = rules_with({**PLAIN, "connexite": connexite})
        naive_delimitation(warm, uus, rules, how)  # lazy imports, caches
        (kept, n_zones), wall, cpu = best_of(
            lambda r=rules, h=how: naive_delimitation(grid, uus, r, h), args.repetitions
        )
        out[connexite] = {
            "methode": "sjoin touches + composantes connexes" if how == "sjoin"
            else "dissolve + explode",
            "s": round(wall, 3), "cpu_s": round(cpu, 3), "zones": n_zones,
            "quartiers": len(kept), "population_quartiers": round(float(kept["ind"].sum()), 1),
        }
    out["rss_pic_mb"] = round(peak_rss_mb(), 1)
    return out


WORKERS = {
    "extrait": worker_extrait,
    "generer": worker_generer,
    "france": worker_france,
    "moteur_fenetre": worker_moteur_fenetre,
    "naif": worker_naif,
}


# --- driver -------------------------------------------------------------------------------


def run_worker(name: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--dossier",
           str(work), "--carreaux", str(args.carreaux), "--fenetre", str(args.fenetre),
           "--repetitions", str(args.repetitions)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"le cas « {name} » a échoué (code {proc.returncode})")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["processus_s"] = round(wall, 2)
    return result


def fr(value: float) -> str:
    """French thousands separator: 2 300 000."""
    return f"{value:,.0f}".replace(",", "\u202f")


def fmt_stages(stages: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in stages.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cas", default="extrait,france,naif",
                        help="cas à mesurer parmi extrait, france, naif")
    parser.add_argument("--carreaux", type=int, default=2_300_000,
                        help="nombre de carreaux de la grille synthétique France")
    parser.add_argument("--fenetre", type=int, default=150_000,
                        help="nombre de carreaux de la fenêtre du cas naïf")
    parser.add_argument("--repetitions", type=int, default=3,
                        help="répétitions sur la fenêtre, moteur et naïf (meilleur temps)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--dossier", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(WORKERS[args.worker](args), default=str))
        return

    cases = [c.strip() for c in args.cas.split(",") if c.strip()]
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": platform.platform(),
        "coeurs": os.cpu_count(), "python": platform.python_version(),
    }
    report["charge"] = [round(v, 2) for v in os.getloadavg()]
    print(f"Banc d'essai de la délimitation — {report['date']}, {report['coeurs']} cœurs, "
          f"Python {report['python']}, charge moyenne {report['charge'][0]:.1f} "
          "(les temps sont des temps réels : une machine chargée les allonge)")
    with tempfile.TemporaryDirectory(prefix="bench-quartiers-") as tmp:
        work = Path(tmp)
        if "extrait" in cases:
            r = run_worker("extrait", args, work)
            report["extrait"] = r
            print(f"\n(a) Extrait réel partagé (INSEE) : {fr(r['carreaux'])} carreaux, "
                  f"{fr(r['population'])} habitants, de bout en bout")
            print(f"    {fr(r['quartiers'])} quartiers sur {fr(r['zones'])} zones candidates")
            print(f"    temps {r['total_s']:.2f} s, CPU {r['cpu_s']:.2f} s "
                  f"({fmt_stages(r['etapes'])})")
            print(f"    mémoire pic {fr(r['rss_pic_mb'])} Mo (dont {fr(r['rss_initial_mb'])} Mo "
                  "au démarrage : Python et bibliothèques)")
        if "france" in cases or "naif" in cases:
            g = run_worker("generer", args, work)
            report["generation"] = g
            print(f"\nGrille SYNTHÉTIQUE taille France : {fr(g['carreaux'])} carreaux, "
                  f"{fr(g['population'])} habitants, CSV de {g['taille_csv_mo']:.0f} Mo "
                  f"(générée en {g['etapes']['generation']:.1f} s, non comptés)")
        if "france" in cases:
            r = run_worker("france", args, work)
            report["france"] = r
            gb = r["rss_pic_mb"] / 1024
            print("\n(b) France synthétique, de bout en bout (lecture du CSV, délimitation, "
                  "contours, écriture des sorties) :")
            print(f"    {fr(r['carreaux_bas_revenus'])} carreaux à bas revenus, "
                  f"{fr(r['zones'])} zones candidates, {fr(r['quartiers'])} quartiers "
                  f"({fr(r['population_quartiers'])} habitants)")
            print(f"    temps {r['total_s']:.1f} s ({fmt_stages(r['etapes'])})")
            print(f"    CPU {r['cpu_s']:.1f} s ({fmt_stages(r['etapes_cpu'])})")
            print(f"      cible < {TARGET_SECONDS:.0f} s : {r['total_s'] / TARGET_SECONDS:.0%} "
                  "de la cible")
            print(f"    mémoire pic {gb:.2f} Go (après lecture {fr(r['rss_apres_lecture_mb'])} Mo)")
            print(f"      cible < {TARGET_GB:.0f} Go : {gb / TARGET_GB:.0%} de la cible")
        if "naif" in cases:
            e = run_worker("moteur_fenetre", args, work)
            n = run_worker("naif", args, work)
            report["fenetre"] = {"moteur": e, "naif": n}
            print(f"\n(c) Référence naïve geopandas, fenêtre de {fr(e['carreaux'])} carreaux "
                  "autour de la plus grande unité urbaine, même méthode simple des deux côtés :")
            for conn in ("coin", "cote"):
                ratio = n[conn]["s"] / e[conn]["s"]
                ratio_cpu = n[conn]["cpu_s"] / e[conn]["cpu_s"]
                same = (n[conn]["quartiers"] == e[conn]["quartiers"]
                        and abs(n[conn]["population_quartiers"]
                                - e[conn]["population_quartiers"]) < 1)
                print(f"    contiguïté {conn} : naïf ({n[conn]['methode']}) {n[conn]['s']:.2f} s,"
                      f" moteur {e[conn]['s']:.3f} s : moteur {ratio:.0f} x plus rapide"
                      f" (en temps CPU {ratio_cpu:.0f} x ; cible >= {TARGET_RATIO:.0f} x)")
                print(f"        quartiers naïf {n[conn]['quartiers']} / moteur "
                      f"{e[conn]['quartiers']}, zones {fr(n[conn]['zones'])} / "
                      f"{fr(e[conn]['zones'])} : "
                      + ("mêmes résultats" if same else "RÉSULTATS DIFFÉRENTS"))
                report["fenetre"][f"rapport_{conn}"] = round(ratio, 1)
                report["fenetre"][f"rapport_cpu_{conn}"] = round(ratio_cpu, 1)
            print(f"    mémoire pic : naïf {fr(n['rss_pic_mb'])} Mo, "
                  f"moteur {fr(e['rss_pic_mb'])} Mo")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"delimitation-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), "utf-8")
    print(f"\nRésultats détaillés : {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
