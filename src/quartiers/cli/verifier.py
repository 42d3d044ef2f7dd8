"""``quartiers verifier``: is each point or address of a file in a QPV? (offline).

Every row gets an answer, ``oui``, ``non`` or ``inconnu`` with its reason, per list.
Exit codes: 0 every line read; 1 finished but some lines could not be read (see the errors
file); 2 fatal error, nothing written; 3 missing dataset; 130 interrupted, nothing written.
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
from quartiers.cli.options import comma_list
from quartiers.cli.progress import check_stop, console, thousands
from quartiers.eligibility.api import Checker, checker
from quartiers.eligibility.batch import Progress as ProgressFn
from quartiers.eligibility.batch import Summary, verify_file
from quartiers.errors import QuartiersError

EXIT_OK, EXIT_REJECTED = 0, 1


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

            check_stop()
            now = time.perf_counter()
            if not start:
                start.append(now)
            rate = rows / max(now - start[0], 1e-9) if now > start[0] else 0
            bar.update(task, completed=done, total=max(total, 1), lignes=thousands(rows),
                       debit=thousands(rate) if rate else "-")

        yield update


def _checkers(perimetres: str | None, millesime: str | None, couverture: str | None,
              npnru: str | None) -> list[tuple[str, Checker]]:
    specs = comma_list(millesime) + comma_list(perimetres)
    if not specs:
        raise QuartiersError(
            "périmètres non précisés : --perimetres 2024, 2015, 2024,2015, calcul, un "
            "fichier GeoJSON/GPKG/SHP ou un dossier de « quartiers delimiter »"
        )
    codes = _npnru_codes(npnru) if npnru else None
    out: list[tuple[str, Checker]] = []
    used: set[str] = set()
    for spec in dict.fromkeys(specs):
        chk = checker(spec, coverage=couverture)
        if codes is not None:
            chk = Checker(chk.perimeters, territory=chk.territory, npnru=codes)
        label = chk.millesime if chk.millesime in ("2015", "2024", "calcul") else Path(spec).stem
        suffix = f"_{label}"
        while suffix in used:
            suffix += "_bis"
        used.add(suffix)
        out.append((suffix, chk))
        ps = chk.perimeters
        cov = ps.coverage.describe if ps.coverage is not None else "aucune"
        console.print(f"Périmètres {label} : {len(ps)} QPV ({ps.source}) ; liste complète "
                      f"pour : {cov}")
        if ps.coverage is not None and ps.coverage.kind == "communes_du_fichier":
            console.print("[yellow]Couverture non déclarée : la liste est réputée complète "
                          "dans les communes qu'elle nomme, et nulle part ailleurs "
                          "(--couverture pour la préciser).[/yellow]")
        if ps.repaired:
            console.print(
                f"[yellow]{len(ps.repaired)} périmètre(s) invalide(s) réparé(s) "
                f"(make_valid) :[/yellow] " + ", ".join(ps.repaired)
            )
    if len(out) == 1:
        out = [("", out[0][1])]
    return out


def _npnru_codes(path: str) -> list[str]:
    """QPV codes under a renewal convention: a CSV with a ``code_qp`` (or single) column."""
    from quartiers.io.readers import open_table

    source = open_table(Path(path))
    names = {c.strip().lower(): c for c in source.columns}
    column = names.get("code_qp") or names.get("code") or (
        source.columns[0] if len(source.columns) == 1 else None)
    if column is None:
        raise QuartiersError("colonne « code_qp » absente", fichier=path, ligne=1,
                             champ="code_qp")
    return [str(v).strip() for chunk in source for v in chunk.table.column(column).to_pylist()
            if v and str(v).strip()]


def _report(s: Summary) -> None:
    console.print(
        f"{thousands(s.lignes)} lignes lues, {thousands(s.ecrites)} avec une réponse, "
        f"{thousands(s.rejetees)} illisible{'s' if s.rejetees > 1 else ''}, en {s.secondes:.1f} s "
        f"({s.mode} {' + '.join(s.colonnes)}"
        f"{', ' + s.crs if s.crs and s.mode == 'coordonnées' else ''})."
    )
    for suffix, counts in s.statuts.items():
        name = f" ({suffix.lstrip('_')})" if suffix else ""
        oui, non, inconnu = (thousands(counts.get(k, 0)) for k in ("oui", "non", "inconnu"))
        console.print(
            f"Réponses{name} : oui {oui}, non {non}, inconnu {inconnu} ; dans ou à portée de "
            f"tolérance : {thousands(s.proches[suffix])}.")
    if s.motifs:
        detail = ", ".join(f"{m} : {thousands(n)}" for m, n in s.motifs.most_common())
        console.print(f"Motifs des réponses « inconnu » et des lignes illisibles : {detail}.")
    if s.rejetees:
        console.print(f"[yellow]Lignes illisibles : voir {s.erreurs}[/yellow]")
    console.print(f"Résultat écrit : {s.sortie}")


#: The help of each argument and option of the command.
AIDE = {
    "entree": "Fichier de points ou d'adresses : CSV (tout séparateur, UTF-8 ou Windows-1252), "
    "Parquet, XLSX ou ODS.",
    "sortie": "Fichier résultat (.csv, .tsv, .parquet ou .xlsx).",
    "perimetres": "Une ou plusieurs listes séparées par des virgules : 2024, 2015, calcul, un "
    "fichier (GeoJSON, GPKG, SHP, GeoParquet) ou un dossier de « quartiers delimiter ».",
    "millesime": "Synonyme de --perimetres pour les millésimes officiels, ex. 2015,2024.",
    "adresse": "Colonne(s) d'adresse à géocoder, séparées par des virgules et lues dans "
    "l'ordre (ex. adresse,code_postal,commune).",
    "geocodeur": "Géocodeur : intégré (défaut, index construit depuis le dossier de données au "
    "premier usage) ou addok:URL.",
    "couverture": "Communes pour lesquelles la liste est complète : national, ou un CSV avec "
    "une colonne code_commune (défaut : couverture-communes.csv à côté du fichier, sinon les "
    "communes nommées dans le fichier).",
    "npnru": "CSV des codes des QPV sous convention de renouvellement urbain (colonne code_qp), "
    "pour la bande de 500 m.",
    "erreurs": "Fichier des lignes illisibles (défaut : <sortie>_erreurs.csv, écrit s'il y en "
    "a).",
    "tolerance": "Distance en mètres pour qpv_proche.",
    "lon": "Colonne de longitude (WGS84).",
    "lat": "Colonne de latitude (WGS84).",
    "x": "Colonne x (Lambert-93).",
    "y": "Colonne y (Lambert-93).",
    "crs": "auto (défaut), wgs84 ou lambert93.",
    "separateur": "Séparateur CSV (détecté sinon).",
    "lot": "Lignes par lot (mémoire constante).",
}


@app.command("verifier")
def verifier(
    entree: Annotated[Path, typer.Argument(help=AIDE["entree"])],
    sortie: Annotated[Path, typer.Option(help=AIDE["sortie"])],
    perimetres: Annotated[str | None, typer.Option(help=AIDE["perimetres"])] = None,
    millesime: Annotated[str | None, typer.Option(help=AIDE["millesime"])] = None,
    adresse: Annotated[str | None, typer.Option(help=AIDE["adresse"])] = None,
    geocodeur: Annotated[str | None, typer.Option(help=AIDE["geocodeur"])] = None,
    couverture: Annotated[str | None, typer.Option(help=AIDE["couverture"])] = None,
    npnru: Annotated[str | None, typer.Option(help=AIDE["npnru"])] = None,
    erreurs: Annotated[Path | None, typer.Option(help=AIDE["erreurs"])] = None,
    tolerance: Annotated[float, typer.Option(help=AIDE["tolerance"])] = 0.0,
    lon: Annotated[str | None, typer.Option(help=AIDE["lon"])] = None,
    lat: Annotated[str | None, typer.Option(help=AIDE["lat"])] = None,
    x: Annotated[str | None, typer.Option(help=AIDE["x"])] = None,
    y: Annotated[str | None, typer.Option(help=AIDE["y"])] = None,
    crs: Annotated[str, typer.Option(help=AIDE["crs"])] = "auto",
    separateur: Annotated[str | None, typer.Option(help=AIDE["separateur"])] = None,
    lot: Annotated[int, typer.Option(help=AIDE["lot"], min=1000)] = 500_000,
) -> None:
    """Répond pour chaque point ou adresse : dans un QPV (oui), hors QPV (non), ou inconnu
    avec son motif, et la distance à la limite."""
    if (lon or lat) and (x or y):
        raise QuartiersError("choisissez --lon/--lat (WGS84) ou --x/--y (Lambert-93), pas les deux")
    if adresse and (lon or lat or x or y):
        raise QuartiersError("choisissez --adresse ou des colonnes de coordonnées, pas les "
                             "deux", champ="--adresse")
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
    checkers = _checkers(perimetres, millesime, couverture, npnru)
    columns = comma_list(adresse)
    engine = _geocoder(geocodeur) if columns else None
    with _progress("lignes") as update:
        summary = verify_file(
            entree, sortie, checkers, erreurs=erreurs, tolerance=tolerance, x=cx, y=cy,
            crs=crs, address=columns or None, geocoder=engine, separator=separateur,
            chunk_rows=lot if not columns else min(lot, 50_000), block_bytes=lot * 64,
            progress=update,
        )
    _report(summary)
    if summary.rejetees:
        raise typer.Exit(EXIT_REJECTED)


def _geocoder(spec: str | None) -> object:
    """The embedded geocoder (its index built from the data directory on first use, with
    progress) or an addok server."""
    from quartiers.geocoding import open_geocoder

    def progress(message: str) -> None:
        console.print(message)

    return open_geocoder(spec, progress=progress)
