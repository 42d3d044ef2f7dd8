"""``quartiers delimiter`` and ``quartiers sensibilite``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from quartiers.cli import app
from quartiers.cli.progress import console, progress_bar
from quartiers.delimitation import delimit
from quartiers.delimitation.export import vintage_warnings, write_delimitation
from quartiers.errors import QuartiersError
from quartiers.inputs import load_inputs
from quartiers.io.outputs import write_csv
from quartiers.parameters import load_rules, parse_overrides

Regles = Annotated[str, typer.Option("--regles", help="Jeu de règles : 2014 ou 2024.")]
Carroyage = Annotated[
    Path | None,
    typer.Option("--carroyage", help="Carroyage Filosofi (CSV, GPKG ou Parquet)."),
]
UnitesUrbaines = Annotated[
    Path | None,
    typer.Option("--unites-urbaines", help="Composition des unités urbaines (XLSX INSEE)."),
]
RevenusUU = Annotated[
    Path | None,
    typer.Option("--revenus-uu", help="Revenus Filosofi par unité urbaine (CSV INSEE)."),
]
RevenusNat = Annotated[
    Path | None,
    typer.Option("--revenus-nat", help="Revenus Filosofi de la France métropolitaine (CSV)."),
]
Param = Annotated[
    list[str] | None,
    typer.Option("--param", help="Paramètre modifié pour un scénario, ex. coefficient=0.55."),
]
CommunesInconnues = Annotated[
    str,
    typer.Option(
        "--communes-inconnues",
        help="« erreur » (défaut) ou « ignorer » : carreaux dont la commune est absente "
        "de la composition des unités urbaines.",
    ),
]


@app.command("delimiter")
def delimiter(
    sortie: Annotated[Path, typer.Option("--sortie", help="Dossier des résultats.")],
    regles: Regles = "2024",
    carroyage: Carroyage = None,
    unites_urbaines: UnitesUrbaines = None,
    revenus_uu: RevenusUU = None,
    revenus_nat: RevenusNat = None,
    param: Param = None,
    carreaux: Annotated[
        bool, typer.Option("--carreaux", help="Écrire aussi la décision par carreau.")
    ] = False,
    communes_inconnues: CommunesInconnues = "erreur",
    uu_derogation: Annotated[
        str | None,
        typer.Option(
            "--uu-derogation",
            help="Unités urbaines passées sous le seuil de population (population_min_uu) qui "
            "avaient des quartiers de la liste précédente (dérogation des règles 2024), codes "
            "séparés par des virgules.",
        ),
    ] = None,
) -> None:
    """Délimite les quartiers prioritaires à partir du carroyage à 200 m."""
    if communes_inconnues not in ("erreur", "ignorer"):
        raise QuartiersError("valeur attendue : erreur ou ignorer", champ="--communes-inconnues")
    rules = load_rules(regles, parse_overrides(param))
    console.print(f"Règles : {rules.libelle}")
    inputs = load_inputs(carroyage, unites_urbaines, revenus_uu, revenus_nat,
                         resolution=rules.cote_carreau)
    console.print(
        f"Carroyage : {len(inputs.grid)} carreaux, {inputs.grid.ind.sum():,.0f} habitants".replace(
            ",", " "
        )
    )
    with progress_bar() as update:
        result = delimit(
            inputs.grid, inputs.uus, rules, unknown_communes=communes_inconnues,
            derogation_uu=[c.strip() for c in uu_derogation.split(",")] if uu_derogation else None,
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
def sensibilite(
    parametre: Annotated[str, typer.Option("--parametre", help="Paramètre à faire varier.")],
    valeurs: Annotated[
        str, typer.Option("--valeurs", help="Valeurs séparées par des virgules, ex. 0.5,0.6,0.7")
    ],
    sortie: Annotated[
        Path | None, typer.Option("--sortie", help="Fichier CSV du tableau de résultats.")
    ] = None,
    regles: Regles = "2024",
    carroyage: Carroyage = None,
    unites_urbaines: UnitesUrbaines = None,
    revenus_uu: RevenusUU = None,
    revenus_nat: RevenusNat = None,
    param: Param = None,
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="Périmètres officiels : ajoute rappel, précision, F1."),
    ] = None,
) -> None:
    """Fait varier un paramètre et donne le nombre et la population des quartiers."""
    base = parse_overrides(param)
    values = [v.strip() for v in valeurs.split(",") if v.strip()]
    if not values:
        raise QuartiersError("aucune valeur donnée", champ="--valeurs")
    # every value is checked before the (long) runs start
    scenarios = [load_rules(regles, {**base, parametre: value}) for value in values]
    inputs = load_inputs(carroyage, unites_urbaines, revenus_uu, revenus_nat,
                         resolution=load_rules(regles, base).cote_carreau)
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
