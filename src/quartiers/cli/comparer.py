"""``quartiers comparer``: agreement of computed quartiers with official perimeters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from quartiers.cli import app
from quartiers.cli.options import Carroyage, DossierSortie, UnitesUrbaines, comma_list
from quartiers.cli.progress import console
from quartiers.comparison import compare
from quartiers.inputs import load_inputs
from quartiers.io.atomic import AtomicOutputs
from quartiers.io.outputs import write_csv, write_json, write_text
from quartiers.perimeters import read_perimeters

#: The help of each option of the command (the shared ones: ``options.py``).
AIDE = {
    "calcules": "Quartiers calculés (quartiers.gpkg ou .geojson).",
    "reference": "Périmètres officiels (GeoJSON, GPKG, SHP).",
    "uu": "Limiter aux unités urbaines (codes séparés par des virgules).",
    "exclure_uu": "Unités urbaines à exclure (ex. 00759 quand la référence les a retirées).",
    "seuil_trouve": "Part de population couverte pour « retrouvé ».",
    "couverture": "Communes pour lesquelles la référence est complète (national ou CSV "
    "code_commune ; défaut : couverture-communes.csv à côté du fichier, sinon ses "
    "communes) : l'accord n'est compté que là.",
}


@app.command("comparer")
def comparer(
    calcules: Annotated[Path, typer.Argument(help=AIDE["calcules"])],
    reference: Annotated[Path, typer.Option(help=AIDE["reference"])],
    sortie: DossierSortie,
    uu: Annotated[str | None, typer.Option(help=AIDE["uu"])] = None,
    exclure_uu: Annotated[str | None, typer.Option(help=AIDE["exclure_uu"])] = None,
    seuil_trouve: Annotated[float, typer.Option(help=AIDE["seuil_trouve"])] = 0.5,
    couverture: Annotated[str | None, typer.Option(help=AIDE["couverture"])] = None,
    carroyage: Carroyage = None,
    unites_urbaines: UnitesUrbaines = None,
) -> None:
    """Compare des quartiers calculés aux périmètres officiels (2015 ou 2024), sur le
    territoire où la référence est complète."""
    computed = read_perimeters(calcules, millesime="calcul")
    ref = read_perimeters(reference, coverage=couverture)
    if ref.coverage is not None:
        console.print(f"Accord compté où la référence est complète : {ref.coverage.describe}")
    if ref.repaired:
        console.print(
            f"[yellow]{len(ref.repaired)} périmètre(s) invalide(s) réparé(s) :[/yellow] "
            + ", ".join(ref.repaired)
        )
    inputs = load_inputs(carroyage, unites_urbaines)
    result = compare(computed, ref, inputs.grid, inputs.uus, uu_codes=comma_list(uu),
                     exclude_uu=comma_list(exclure_uu), seuil_trouve=seuil_trouve)
    with AtomicOutputs(sortie) as out:
        write_csv(result.per_qpv, out.path("comparaison.csv"))
        write_csv(result.movements, out.path("entrees_sorties.csv"))
        write_json(result.summary, out.path("comparaison_resume.json"))
        write_text(result.text(), out.path("comparaison_resume.txt"))
    console.print(result.text())
    console.print(f"Fichiers écrits dans {sortie}")
