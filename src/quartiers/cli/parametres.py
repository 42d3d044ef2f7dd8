"""``quartiers parametres``: the parameters in force, with their units and references, and
the check of the parameter files (schema, parameters no code reads)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from quartiers.cli import app
from quartiers.cli.options import Regles
from quartiers.cli.progress import console
from quartiers.errors import QuartiersError
from quartiers.parameters import load_rules
from quartiers.parameters.catalogue import catalogue
from quartiers.parameters.schema import to_date
from quartiers.parameters.usage import unread

#: The help of each option of the command (``--regles``: ``options.py``).
AIDE = {
    "date": "Tous les paramètres datés en vigueur à cette date (AAAA-MM-JJ), au lieu d'un jeu "
    "de règles.",
    "verifier": "Vérifie les fichiers de paramètres et signale ceux que le code ne lit jamais "
    "(code de sortie 1).",
}


@app.command("parametres")
def parametres(
    regles: Regles = "2024",
    date: Annotated[str | None, typer.Option(help=AIDE["date"])] = None,
    verifier: Annotated[bool, typer.Option("--verifier", help=AIDE["verifier"])] = False,
) -> None:
    """Affiche les paramètres de droit et de méthode en vigueur, avec unité et référence."""
    cat = catalogue()  # a file that breaks the schema stops here, naming its line and key
    if verifier:
        missing = unread(cat)
        console.print(f"{len(cat.parameters)} paramètres dans "
                      f"{len({p.fichier for p in cat.parameters.values()})} fichiers, "
                      "conformes au schéma.")
        for nom in missing:
            console.print(f"[red]jamais lu par le code :[/red] {nom}")
        if missing:
            raise typer.Exit(1)
        console.print("[green]Chaque paramètre est lu par le code.[/green]")
        return
    if date is not None:
        try:
            day = to_date(date)
        except ValueError as e:
            raise QuartiersError(str(e), champ="--date") from None
        rows = [(p.nom, p.at(day)) for p in cat.parameters.values()]
        console.print(f"Paramètres en vigueur au {date} :")
    else:
        rules = load_rules(regles)
        rows = [(name, rules.entry(name)) for name in rules.names()]
        console.print(f"Règles : {rules.libelle}")
        for ref in cat.jeux["regles"][regles].references:
            console.print(f"  {escape(ref.titre)} — {ref.url}")
    for nom, entry in rows:
        p = cat.parameter(nom if "." in nom else f"regles.{nom}")
        link = f" — {entry.reference.url}" if entry.reference.url else ""
        console.print(f"{nom} = {entry.valeur} {p.unite} (depuis le "
                      f"{entry.depuis.isoformat()}) : {escape(entry.reference.titre)}{link}")
