"""``quartiers adresses``: the address index (build, search, download the BAN).

Exit codes: 0 done (rows skipped in a source are reported, not fatal); 2 fatal error, nothing
written; 3 missing dataset; 130 interrupted, nothing written.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from quartiers.cli import app
from quartiers.cli.progress import console, thousands
from quartiers.io.atomic import atomic_path

adresses_app = typer.Typer(
    help="Index d'adresses pour le géocodage hors ligne (BAN ou adresses de référence).",
    no_args_is_help=True,
)
app.add_typer(adresses_app, name="adresses")

#: Skipped rows printed on screen (all of them go to rejets.csv).
SHOWN_REJECTS = 10

#: The help of each argument and option of the three commands.
AIDE = {
    "ban": "Fichier adresses-DD.csv[.gz] de la BAN (option répétable : un fichier par "
    "département).",
    "reference": "Ajouter les adresses réelles de référence du dossier de données (par défaut "
    "sans --ban).",
    "sortie": "Dossier de l'index (défaut : QUARTIERS_ADRESSES ou var/adresses).",
    "texte": "Adresse en texte libre.",
    "limite": "Nombre de propositions.",
    "index": "Dossier d'index, ou addok:URL pour un serveur addok (défaut : l'index intégré, "
    "construit au besoin).",
    "departements": "Départements, ex. 06 13 69.",
    "dossier": "Où écrire les fichiers.",
    "url": "Adresse de publication (défaut : QUARTIERS_BAN_URL ou le site de la BAN).",
}


@adresses_app.command("indexer")
def indexer(
    ban: Annotated[list[Path] | None, typer.Option(help=AIDE["ban"])] = None,
    reference: Annotated[bool, typer.Option("--reference", help=AIDE["reference"])] = False,
    sortie: Annotated[Path | None, typer.Option(help=AIDE["sortie"])] = None,
) -> None:
    """Construit l'index d'adresses (lecture en flux, écriture atomique)."""
    from quartiers.geocoding.engine import EmbeddedGeocoder
    from quartiers.geocoding.indexing import build_index, default_index_dir

    out = sortie or default_index_dir()
    for path in ban or []:
        if not path.is_file():
            from quartiers.errors import QuartiersError

            raise QuartiersError("fichier BAN introuvable", fichier=path)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
        TextColumn("{task.fields[lignes]} adresses"), TextColumn("{task.fields[debit]}/s"),
        TimeElapsedColumn(), console=console, disable=not console.is_terminal,
    ) as bar:
        tasks: dict[str, TaskID] = {}
        start = time.perf_counter()

        def progress(label: str, done: int, total: int, rows: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=max(total, 1), lignes="0", debit="-")
            rate = rows / max(time.perf_counter() - start, 1e-9)
            bar.update(tasks[label], completed=done, total=max(total, 1), lignes=thousands(rows),
                       debit=thousands(rate))

        report = build_index(ban=ban or [], reference=reference or not ban, output=out,
                             progress=progress)
    console.print(
        f"Index écrit dans {report.dossier} : {thousands(report.adresses)} adresses lues, "
        f"{thousands(report.numeros)} numéros, {thousands(report.voies)} voies et lieux-dits, "
        f"{thousands(report.communes)} communes, en {report.secondes:.1f} s "
        f"({thousands(report.adresses / max(report.secondes, 1e-9))} adresses/s). "
        f"Sources : {', '.join(report.sources)}."
    )
    if report.rejets:
        detail = ", ".join(f"{m} : {n}" for m, n in report.motifs().most_common())
        rejets = out / "rejets.csv"
        with atomic_path(rejets) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["fichier", "ligne", "champ", "motif"])
            for r in report.rejets:
                writer.writerow([r.fichier, r.ligne, r.champ, r.motif])
        console.print(f"[yellow]{thousands(len(report.rejets))} ligne(s) ignorée(s) ({detail}) : "
                      f"liste complète dans {rejets}[/yellow]")
        for r in report.rejets[:SHOWN_REJECTS]:
            console.print(f"  {r.message()}")
    # compile the matching kernel now (numba caches it) rather than at the first query
    EmbeddedGeocoder(out).geocode(["1 rue de la paix"])


@adresses_app.command("chercher")
def chercher(
    texte: Annotated[str, typer.Argument(help=AIDE["texte"])],
    limite: Annotated[int, typer.Option(help=AIDE["limite"], min=1, max=50)] = 5,
    index: Annotated[str | None, typer.Option(help=AIDE["index"])] = None,
) -> None:
    """Cherche une adresse et affiche les meilleures propositions."""
    from quartiers.geocoding import open_geocoder

    def progress(label: str, done: int, total: int, rows: int) -> None:
        if done == 0:
            console.print(f"Construction de l'index d'adresses : {label}…")

    geocoder = open_geocoder(index, progress=progress)
    found = geocoder.search(texte, limit=limite)
    if not found:
        console.print("Aucune adresse trouvée.")
        raise typer.Exit(1)
    for k, s in enumerate(found, 1):
        radius = s.get("radius_m")
        extent = f", rayon {radius:.0f} m" if radius and radius == radius else ""
        console.print(f"{k}. {s['label']} — {s['type']}, score {s['score']:.2f}, "
                      f"{s['lat']:.6f}, {s['lon']:.6f}{extent} (INSEE {s['citycode']})")


@adresses_app.command("telecharger")
def telecharger(
    departements: Annotated[list[str], typer.Argument(help=AIDE["departements"])],
    dossier: Annotated[Path, typer.Option(help=AIDE["dossier"])] = Path("ban"),
    url: Annotated[str | None, typer.Option(help=AIDE["url"])] = None,
) -> None:
    """Télécharge les fichiers adresses-DD.csv.gz de la BAN (à indexer ensuite)."""
    from quartiers.geocoding.download import download_ban

    paths = []
    for dep in departements:
        path = download_ban(dep, dossier, url)
        console.print(f"{path} ({thousands(path.stat().st_size / 1024)} Ko)")
        paths.append(path)
    options = " ".join(f"--ban {p}" for p in paths)
    console.print(f"Pour indexer : quartiers adresses indexer {options}")
