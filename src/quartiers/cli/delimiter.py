"""``quartiers delimiter`` and ``quartiers sensibilite``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from quartiers.cli import app
from quartiers.cli.options import DossierSortie, Scenario, comma_list, with_scenario
from quartiers.cli.progress import console, progress_bar
from quartiers.delimitation import delimit
from quartiers.delimitation.export import vintage_warnings, write_delimitation
from quartiers.errors import QuartiersError
from quartiers.io.outputs import write_csv

#: The help of each option of these two commands (the shared ones: ``options.py``).
AIDE = {
    "carreaux": "Écrire aussi la décision par carreau.",
    "communes_inconnues": "« erreur » (défaut) ou « ignorer » : carreaux dont la commune est "
    "absente de la composition des unités urbaines.",
    "uu_derogation": "Unités urbaines passées sous le seuil de population (population_min_uu) "
    "qui avaient des quartiers de la liste précédente (dérogation des règles 2024), codes "
    "séparés par des virgules.",
    "parametre": "Paramètre à faire varier.",
    "valeurs": "Valeurs séparées par des virgules, ex. 0.5,0.6,0.7",
    "sortie": "Fichier CSV du tableau de résultats.",
    "reference": "Périmètres officiels : ajoute rappel, précision, F1.",
}


@app.command("delimiter")
@with_scenario
def delimiter(
    sortie: DossierSortie,
    *,
    scenario: Scenario,
    carreaux: Annotated[bool, typer.Option("--carreaux", help=AIDE["carreaux"])] = False,
    communes_inconnues: Annotated[str, typer.Option(help=AIDE["communes_inconnues"])]
    = "erreur",
    uu_derogation: Annotated[str | None, typer.Option(help=AIDE["uu_derogation"])] = None,
) -> None:
    """Délimite les quartiers prioritaires à partir du carroyage à 200 m."""
    if communes_inconnues not in ("erreur", "ignorer"):
        raise QuartiersError("valeur attendue : erreur ou ignorer", champ="--communes-inconnues")
    rules = scenario.rules()
    console.print(f"Règles : {rules.libelle}")
    inputs = scenario.inputs(rules)
    console.print(
        f"Carroyage : {len(inputs.grid)} carreaux, {inputs.grid.ind.sum():,.0f} habitants".replace(
            ",", " "
        )
    )
    with progress_bar() as update:
        result = delimit(
            inputs.grid, inputs.uus, rules, unknown_communes=communes_inconnues,
            derogation_uu=comma_list(uu_derogation),
            commune_names=inputs.uus.commune_names, progress=update,
        )
    for warning in vintage_warnings(result, inputs.uus):
        console.print(f"[yellow]Attention :[/yellow] {warning}")
    written = write_delimitation(result, inputs.uus, sortie, with_squares=carreaux)
    q = result.quartiers
    console.print(
        f"[green]{len(q)} quartiers retenus[/green] ({q['population'].sum():,.0f} habitants) "
        f"sur {len(result.explanations)} zones candidates.".replace(",", " ")
    )
    console.print(f"Statistique : {result.method}")
    console.print("Fichiers écrits dans " + str(sortie) + " : " + ", ".join(written))


@app.command("sensibilite")
@with_scenario
def sensibilite(
    parametre: Annotated[str, typer.Option(help=AIDE["parametre"])],
    valeurs: Annotated[str, typer.Option(help=AIDE["valeurs"])],
    sortie: Annotated[Path | None, typer.Option(help=AIDE["sortie"])] = None,
    *,
    scenario: Scenario,
    reference: Annotated[Path | None, typer.Option(help=AIDE["reference"])] = None,
) -> None:
    """Fait varier un paramètre et donne le nombre et la population des quartiers."""
    base = scenario.rules()  # a malformed --param stops here
    values = comma_list(valeurs)
    if not values:
        raise QuartiersError("aucune valeur donnée", champ="--valeurs")
    # every value is checked before the (long) runs start
    scenarios = [scenario.rules({parametre: value}) for value in values]
    inputs = scenario.inputs(base)
    ref = None
    if reference is not None:
        from quartiers.comparison import load_reference

        ref = load_reference(reference)
    rows = []
    with progress_bar() as update:
        for i, (value, rules) in enumerate(zip(values, scenarios, strict=True)):
            result = delimit(
                inputs.grid, inputs.uus, rules, with_geometry=ref is not None,
                commune_names=inputs.uus.commune_names,
            )
            q = result.quartiers
            row = {
                "parametre": parametre,
                "valeur": value,
                "nb_quartiers": len(q),
                "population": round(float(q["population"].sum()), 1),
                "nb_zones_candidates": len(result.explanations),
            }
            if ref is not None:
                from quartiers.comparison import compare

                summary = compare(q, ref, inputs.grid, inputs.uus).summary
                row.update({k: summary[k] for k in ("part_qpv_trouves", "precision",
                                                     "rappel", "f1")})
            rows.append(row)
            update("Scénarios", i + 1, len(values))
    table = pd.DataFrame(rows)
    console.print(table.to_string(index=False))
    if sortie:
        write_csv(table, sortie)
        console.print(f"Tableau écrit : {sortie}")
