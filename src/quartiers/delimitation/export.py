"""Write a delimitation's outputs together (all files appear, or none)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from quartiers import __version__
from quartiers.delimitation.engine import Delimitation
from quartiers.eligibility.coverage import coverage_of_grid, coverage_table
from quartiers.io.atomic import AtomicOutputs
from quartiers.io.outputs import (
    write_csv,
    write_geojson,
    write_geoparquet,
    write_gpkg,
    write_json,
    write_parquet,
)
from quartiers.io.urban_units import UrbanUnits


def vintage_warnings(result: Delimitation, uus: UrbanUnits) -> list[str]:
    """Warn when the rule set expects other data vintages than the ones read."""
    rules = result.rules
    warnings = []
    if uus.zonage and rules.zonage_uu != uus.zonage:
        warnings.append(
            f"les règles {rules.jeu} portent sur le zonage {rules.zonage_uu} et les "
            f"{rules.millesime_revenus} ; les données lues sont celles fournies "
            f"(unités urbaines {uus.zonage.removeprefix('UU')}, carroyage et médianes "
            "Filosofi) : le résultat "
            "est une simulation des règles sur ces données, pas la liste officielle"
        )
    if result.squares.statistic_kind == "moyenne":
        warnings.append(
            "pas de médiane par carreau : indicateur de substitution (moyenne du niveau de "
            "vie) comparé au seuil S multiplié par facteur_seuil (docs/methode.md)"
        )
    return warnings


def write_delimitation(
    result: Delimitation, uus: UrbanUnits, directory: Path, *, with_squares: bool = False
) -> list[str]:
    """Write quartiers (GeoJSON 4326, GPKG and GeoParquet 2154, CSV), explanations,
    parameters and a JSON summary into ``directory``; return the file names."""
    q = result.quartiers.drop(columns=["zone"])
    explanations = result.explanations.drop(columns=["zone"])
    params = pd.DataFrame(result.rules.describe())
    summary = {
        "version_quartiers": __version__,
        "regles": result.rules.jeu,
        "libelle_regles": result.rules.libelle,
        "parametres_modifies": list(result.rules.overridden),
        "statistique": result.squares.statistic_kind,
        "methode": result.method,
        "carroyage": result.grid.source,
        "revenus_uu": uus.median_source,
        "population_uu": uus.population_source,
        "mediane_nationale": uus.national_median,
        "nb_carreaux": len(result.grid),
        "nb_carreaux_bas_revenus": int(result.squares.low.sum()),
        "nb_zones_candidates": len(explanations),
        "nb_quartiers": len(q),
        "population_quartiers": round(float(q["population"].sum()), 1),
        "motifs": explanations["motif"].value_counts().to_dict(),
        "avertissements": vintage_warnings(result, uus),
    }
    with AtomicOutputs(directory) as out:
        write_geojson(q, out.path("quartiers.geojson"))
        write_gpkg(q, out.path("quartiers.gpkg"), layer="quartiers")
        write_geoparquet(q, out.path("quartiers.parquet"))
        write_csv(pd.DataFrame(q.drop(columns="geometry")), out.path("quartiers.csv"))
        write_csv(explanations, out.path("explications.csv"))
        write_csv(params, out.path("parametres.csv"))
        write_json(summary, out.path("resume.json"))
        # what these quartiers speak for, read back by quartiers verifier (see coverage.py)
        write_csv(coverage_table(coverage_of_grid(result.grid)),
                  out.path("couverture-communes.csv"))
        if with_squares:
            squares = result.square_table(uus)
            write_csv(squares, out.path("carreaux.csv"))
            write_parquet(squares, out.path("carreaux.parquet"))
        names = list(out._names)
    return names
