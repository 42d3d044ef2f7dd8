"""``quartiers donnees``: check that every dataset is present and readable."""

from __future__ import annotations

import typer

from quartiers.cli import app
from quartiers.cli.progress import console
from quartiers.config import DATASETS, ENV_VAR, data_dir
from quartiers.data_check import check_dataset


@app.command("donnees")
def donnees() -> None:
    """Vérifie que chaque jeu de données utilisé est présent et lisible."""
    root = data_dir()
    console.print(f"Dossier de données : {root} (variable {ENV_VAR})")
    problems = 0
    for spec in DATASETS:
        ok, detail = check_dataset(root, spec)
        mark = "[green]OK[/green]" if ok else "[red]MANQUANT[/red]"
        console.print(f"  {mark}  {spec.description} — {spec.path}")
        console.print(f"        {detail}")
        if not ok:
            problems += 1
            console.print(f"        à télécharger : {spec.source} (producteur {spec.producer})")
    if problems:
        console.print(f"[red]{problems} jeu(x) de données manquant(s) ou illisible(s).[/red]")
        raise typer.Exit(3)
    console.print("[green]Toutes les données sont présentes et lisibles.[/green]")
