"""``quartiers verifier``: is each point of a file in a QPV? (eligibility, offline).

Exit codes: 0 every row checked; 1 finished but rows were rejected (see the errors file);
2 fatal error, nothing written; 3 missing dataset; 130 interrupted, nothing written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from quartiers.cli import app
from quartiers.cli.progress import console
from quartiers.eligibility.api import Checker, checker
from quartiers.eligibility.batch import Progress as ProgressFn
from quartiers.eligibility.batch import Summary, verify_file
from quartiers.errors import QuartiersError

EXIT_OK, EXIT_REJECTED = 0, 1


def _fr(n: float) -> str:
    return f"{n:,.0f}".replace(",", " ")


@contextmanager
def _progress(unit: str) -> Iterator[ProgressFn]:
    """A bar with the rate (rows per second) and the remaining time."""
    with Progress(
        TextColumn("Vérification"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[lignes]} lignes"),
        TextColumn("{task.fields[debit]} lignes/s"),
        TimeElapsedColumn(),
        TextColumn("reste"),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("verifier", total=None, lignes="0", debit="-")
        start: list[float] = []

        def update(done: int, total: int, rows: int) -> None:
            import time

            now = time.perf_counter()
            if not start:
                start.append(now)
            rate = rows / max(now - start[0], 1e-9) if now > start[0] else 0
            bar.update(task, completed=done, total=max(total, 1), lignes=_fr(rows),
                       debit=_fr(rate) if rate else "-")

        yield update


def _checkers(perimetres: str | None, millesime: str | None) -> list[tuple[str, Checker]]:
    specs = [s.strip() for s in (millesime or "").split(",") if s.strip()]
    specs += [s.strip() for s in (perimetres or "").split(",") if s.strip()]
    if not specs:
        raise QuartiersError(
            "périmètres non précisés : --perimetres FICHIER_OU_MILLESIME (2024, 2015, un "
            "fichier GeoJSON/GPKG/SHP ou un dossier de « quartiers delimiter ») ou "
            "--millesime 2015,2024"
        )
    out: list[tuple[str, Checker]] = []
    used: set[str] = set()
    for spec in dict.fromkeys(specs):
        chk = checker(spec)
        label = chk.millesime if spec in ("2015", "2024") else (
            chk.millesime if chk.millesime in ("2015", "2024") else Path(spec).stem
        )
        suffix = f"_{label}"
        while suffix in used:
            suffix += "_bis"
        used.add(suffix)
        out.append((suffix, chk))
        ps = chk.perimeters
        console.print(f"Périmètres {label} : {len(ps)} QPV ({ps.source})")
        if ps.repaired:
            console.print(
                f"[yellow]{len(ps.repaired)} périmètre(s) invalide(s) réparé(s) "
                f"(make_valid) :[/yellow] " + ", ".join(ps.repaired)
            )
    if len(out) == 1:
        out = [("", out[0][1])]
    return out


def _report(s: Summary) -> None:
    console.print(
        f"{_fr(s.lignes)} lignes lues, {_fr(s.ecrites)} vérifiées, "
        f"{_fr(s.rejetees)} rejetées, en {s.secondes:.1f} s "
        f"(coordonnées {s.colonnes[0]}/{s.colonnes[1]}, {s.crs})."
    )
    for suffix, n in s.dans_qpv.items():
        name = f" ({suffix.lstrip('_')})" if suffix else ""
        console.print(f"Dans un QPV{name} : {_fr(n)} ; dans ou à portée de tolérance : "
                      f"{_fr(s.proches[suffix])}.")
    if s.rejetees:
        detail = ", ".join(f"{m} : {n}" for m, n in s.motifs.most_common())
        console.print(f"[yellow]Lignes rejetées ({detail}) : voir {s.erreurs}[/yellow]")
    console.print(f"Résultat écrit : {s.sortie}")


@app.command("verifier")
def verifier(
    entree: Annotated[Path, typer.Argument(help="Fichier de points : CSV (tout séparateur, "
                                           "UTF-8 ou Latin-1), Parquet ou XLSX.")],
    sortie: Annotated[Path, typer.Option("--sortie", help="Fichier résultat (.csv, .tsv, "
                                         ".parquet ou .xlsx).")],
    perimetres: Annotated[
        str | None,
        typer.Option("--perimetres", help="Périmètres : fichier (GeoJSON, GPKG, SHP, "
                     "GeoParquet), dossier de « quartiers delimiter » ou millésime (2024, 2015)."),
    ] = None,
    millesime: Annotated[
        str | None,
        typer.Option("--millesime", help="Un ou plusieurs millésimes officiels, ex. 2015,2024 "
                     "(une série de colonnes suffixée par millésime)."),
    ] = None,
    erreurs: Annotated[
        Path | None,
        typer.Option("--erreurs", help="Fichier des lignes rejetées (défaut : "
                     "<sortie>_erreurs.csv, écrit s'il y a des rejets)."),
    ] = None,
    tolerance: Annotated[
        float, typer.Option("--tolerance", help="Distance en mètres pour qpv_proche.")
    ] = 0.0,
    lon: Annotated[str | None, typer.Option("--lon", help="Colonne de longitude (WGS84).")] = None,
    lat: Annotated[str | None, typer.Option("--lat", help="Colonne de latitude (WGS84).")] = None,
    x: Annotated[str | None, typer.Option("--x", help="Colonne x (Lambert-93).")] = None,
    y: Annotated[str | None, typer.Option("--y", help="Colonne y (Lambert-93).")] = None,
    crs: Annotated[
        str, typer.Option("--crs", help="auto (défaut), wgs84 ou lambert93.")
    ] = "auto",
    separateur: Annotated[
        str | None, typer.Option("--separateur", help="Séparateur CSV (détecté sinon).")
    ] = None,
    lot: Annotated[
        int, typer.Option("--lot", help="Lignes par lot (mémoire constante).", min=1000)
    ] = 500_000,
) -> None:
    """Indique pour chaque point s'il est dans un QPV (et à quelle distance de la limite)."""
    if (lon or lat) and (x or y):
        raise QuartiersError("choisissez --lon/--lat (WGS84) ou --x/--y (Lambert-93), pas les deux")
    if lon or lat:
        cx, cy, default_crs = lon, lat, "wgs84"
    elif x or y:
        cx, cy, default_crs = x, y, "lambert93"
    else:
        cx = cy = None
        default_crs = "auto"
    if crs == "auto":
        crs = default_crs
    elif crs.strip().lower() not in ("wgs84", "4326", "epsg:4326", "lambert93", "l93", "2154",
                                     "epsg:2154"):
        raise QuartiersError("valeur attendue : auto, wgs84 ou lambert93", champ="--crs")
    if not tolerance >= 0:
        raise QuartiersError("la tolérance doit être un nombre de mètres positif ou nul",
                             champ="--tolerance")
    if not entree.exists():
        raise QuartiersError("fichier d'entrée introuvable", fichier=entree)
    checkers = _checkers(perimetres, millesime)
    with _progress("lignes") as update:
        summary = verify_file(
            entree, sortie, checkers, erreurs=erreurs, tolerance=tolerance, x=cx, y=cy,
            crs=crs, separator=separateur, chunk_rows=lot, block_bytes=lot * 64,
            progress=update,
        )
    _report(summary)
    if summary.rejetees:
        raise typer.Exit(EXIT_REJECTED)
