"""Load bench of the single-point lookup endpoint (GET /api/v1/verification) on loopback.

Starts the production server configuration (gunicorn, quartiers/web/gunicorn_conf.py) on a
free loopback port with a throw-away SQLite database, authenticates as a machine client
(API token, so the public rate limit does not apply), then drives it with ``wrk`` (Debian
package, installed if missing) for a bounded time and a bounded number of requests. Each
request checks a different point (interior points of the official 2024 QPVs and points
around them). Prints throughput and p50/p99 latency and writes bench/resultats/api.json.

    .venv/bin/python bench/bench_api.py [--duree 15] [--max-requetes 200000]
        [--connexions 16] [--workers N] [--threads N]

Target (issue 5): 1 000 req/s with p99 under 25 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_occupe(seconds: float = 2.0) -> float:
    """Share of the machine's CPU busy (all processes) over ``seconds``, from /proc/stat."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values), idle

    t0, i0 = sample()
    time.sleep(seconds)
    t1, i1 = sample()
    return 1 - (i1 - i0) / max(t1 - t0, 1)


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    print("wrk absent : installation du paquet Debian wrk")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    path = shutil.which("wrk")
    if not path:
        sys.exit("wrk introuvable après installation")
    return path


def points(n: int = 2000) -> list[tuple[float, float]]:
    """Interior points of the official 2024 QPVs, and random points around them."""
    import geopandas as gpd
    import shapely

    from quartiers.config import dataset

    gdf = gpd.read_file(dataset("qpv_2024"))
    inside = [(p.x, p.y) for p in shapely.point_on_surface(gdf.geometry.to_numpy())]
    rng = random.Random(0)
    out = list(inside)
    while len(out) < n:
        lon, lat = rng.choice(inside)
        out.append((lon + rng.uniform(-0.02, 0.02), lat + rng.uniform(-0.02, 0.02)))
    rng.shuffle(out)
    return out


LUA = """
local paths = {}
local max_requests = %(max)d
local per_thread = 0
local counter = 0
local done = 0

function init(args)
  for line in io.lines("%(paths)s") do table.insert(paths, line) end
  per_thread = math.floor(max_requests / %(threads)d)
  counter = math.random(#paths)
end

function request()
  counter = counter + 1
  if counter > #paths then counter = 1 end
  return wrk.format("GET", paths[counter], {["Authorization"] = "Bearer %(token)s"})
end

function response(status, headers, body)
  done = done + 1
  if done >= per_thread then wrk.thread:stop() end
end
"""


def parse_wrk(text: str) -> dict[str, float]:
    def ms(value: str, unit: str) -> float:
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    out: dict[str, float] = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["req_par_s"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    if m:
        out["requetes"] = int(m.group(1))
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        if m:
            out[f"p{pct}_ms"] = round(ms(m.group(1), m.group(2)), 3)
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    out["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", text)
    out["erreurs_socket"] = m.group(1) if m else ""  # type: ignore[assignment]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duree", type=int, default=15, help="durée de la charge (s)")
    ap.add_argument("--max-requetes", type=int, default=200_000)
    ap.add_argument("--connexions", type=int, default=8)
    ap.add_argument("--threads-wrk", type=int, default=2)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartiers.web.settings")
    wrk = ensure_wrk()
    charge = cpu_occupe()
    print(f"CPU occupé par d'autres processus avant la mesure : {charge:.0%}")
    if charge > 0.10:
        print("attention : la machine n'est pas au repos, les chiffres seront pessimistes")
    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    env = {**os.environ, "QUARTIERS_VAR": str(tmp),
           "QUARTIERS_DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
           "QUARTIERS_LOGLEVEL": "error", "QUARTIERS_ACCESSLOG": ""}
    port = free_port()
    env["QUARTIERS_BIND"] = f"127.0.0.1:{port}"
    if args.workers:
        env["QUARTIERS_WORKERS"] = str(args.workers)
    if args.threads:
        env["QUARTIERS_THREADS"] = str(args.threads)
    py = str(VENV / "python")
    subprocess.run([py, "-m", "quartiers.web", "migrate", "--noinput", "-v", "0"], env=env,
                   check=True)
    script = ("from django.contrib.auth import get_user_model as g\n"
              "from quartiers.web.api.models import JetonApi\n"
              "u = g().objects.create_user('bench', password='bench-Secret-123')\n"
              "print(JetonApi.creer(u, 'bench')[1])\n")
    shell = [py, "-m", "quartiers.web", "shell", "--no-imports", "-c", script]
    sortie = subprocess.run(shell, env=env, check=True, capture_output=True, text=True).stdout
    token = sortie.strip().splitlines()[-1]
    paths_file = tmp / "chemins.txt"
    paths_file.write_text("".join(f"/api/v1/verification?lon={lon:.6f}&lat={lat:.6f}\n"
                                  for lon, lat in points()))
    lua = tmp / "bench.lua"
    lua.write_text(LUA % {"max": args.max_requetes, "paths": paths_file, "token": token,
                          "threads": args.threads_wrk})

    server = subprocess.Popen(
        [str(VENV / "gunicorn"), "-c", "python:quartiers.web.gunicorn_conf",
         "quartiers.web.wsgi"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/api/v1/verification?lon=7.26&lat=43.70",
                                            timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    sys.exit("le serveur n'a pas démarré")
                time.sleep(0.5)
        # warm every worker
        subprocess.run([wrk, "-t1", "-c4", "-d2s", "-s", str(lua), base], check=True,
                       capture_output=True)
        cmd = [wrk, f"-t{args.threads_wrk}", f"-c{args.connexions}", f"-d{args.duree}s",
               "--latency", "-s", str(lua), base]
        print("$", " ".join(cmd))
        res = subprocess.run(cmd, check=True, capture_output=True, text=True)
        print(res.stdout)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    stats = parse_wrk(res.stdout)
    stats.update({"cpu_occupe_avant": round(charge, 3), "connexions": args.connexions,
                  "duree_max_s": args.duree,
                  "max_requetes": args.max_requetes, "coeurs": os.cpu_count() or 0,
                  "workers": int(env.get("QUARTIERS_WORKERS", os.cpu_count() or 1)),
                  "threads": int(env.get("QUARTIERS_THREADS", 2))})
    ok = stats["req_par_s"] >= 1000 and stats.get("p99_ms", 1e9) < 25
    print(f"Débit : {stats['req_par_s']:.0f} requêtes/s ; latence p50 "
          f"{stats.get('p50_ms', float('nan')):.2f} ms, p99 {stats.get('p99_ms', float('nan')):.2f}"
          f" ms ; réponses non 2xx : {stats['non_2xx']:.0f} ; objectif (1 000 req/s, p99 < 25 ms)"
          f" : {'atteint' if ok else 'NON atteint'}")
    out = ROOT / "bench" / "resultats"
    out.mkdir(parents=True, exist_ok=True)
    (out / "api.json").write_text(json.dumps(stats, indent=2, ensure_ascii=False) + "\n")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
