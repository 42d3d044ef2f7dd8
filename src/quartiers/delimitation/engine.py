"""Run the whole delimitation: squares -> urban units -> threshold -> zones -> quartiers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from quartiers.delimitation.decision import RETENU, zone_table
from quartiers.delimitation.geometry import LAEA, LAMBERT93, reproject, zone_polygons
from quartiers.delimitation.squares import SquareAssessment, assess_squares
from quartiers.delimitation.zones import Raster, Zones, group_zones
from quartiers.io.grid import Grid
from quartiers.io.urban_units import UrbanUnits
from quartiers.parameters import Rules

STATISTIC_LABELS = {
    "mediane": "médiane du niveau de vie par carreau (fournie)",
    "moyenne": "indicateur de substitution : niveau de vie moyen ind_snv / ind, "
    "comparé au seuil S x ratio_moyenne_mediane x ratio_disponible_declare",
}


@dataclass
class Delimitation:
    """The result of one delimitation run."""

    rules: Rules
    grid: Grid
    squares: SquareAssessment
    zones: Zones
    explanations: pd.DataFrame
    quartiers: gpd.GeoDataFrame  # EPSG:2154

    @property
    def method(self) -> str:
        return STATISTIC_LABELS[self.squares.statistic_kind]

    def square_table(self, uus: UrbanUnits) -> pd.DataFrame:
        """Per-square decision (``--carreaux``)."""
        zone = self.zones.square_zone
        # a trailing "" keeps the indexing below valid when there is no zone at all
        codes = np.append(self.explanations["code"].to_numpy(), "")
        decisions = np.append(self.explanations["motif"].to_numpy(), "")
        inzone = zone >= 0
        uu = self.squares.uu
        return pd.DataFrame(
            {
                "idcar_200m": self.grid.ids,
                "uu_code": np.where(uu >= 0, uus.codes[np.maximum(uu, 0)], ""),
                "population": self.grid.ind,
                "statistique": np.round(self.squares.statistic, 1),
                "type_statistique": self.squares.statistic_kind,
                "seuil_applique": np.round(self.squares.applied, 1),
                "bas_revenu": self.squares.low,
                "zone": np.where(inzone, codes[np.maximum(zone, 0)], ""),
                "decision_zone": np.where(inzone, decisions[np.maximum(zone, 0)], ""),
            }
        )


class _Step:
    """Adapter giving the engine a uniform progress interface."""

    def __init__(self, callback: Callable[[str, int, int], None] | None, label: str, total: int):
        self.callback, self.label, self.total, self.done = callback, label, total, 0
        if callback:
            callback(label, 0, total)

    def advance(self, n: int) -> None:
        self.done += n
        if self.callback:
            self.callback(self.label, self.done, self.total)


def delimit(
    grid: Grid,
    uus: UrbanUnits,
    rules: Rules,
    *,
    with_geometry: bool = True,
    unknown_communes: str = "erreur",
    derogation_uu: list[str] | None = None,
    commune_names: dict[str, str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Delimitation:
    """Delimit the quartiers of ``grid`` under ``rules``.

    ``progress(label, done, total)`` is called as the long steps advance.
    """
    squares = assess_squares(grid, uus, rules, unknown_communes, derogation_uu)
    raster = Raster(grid.x, grid.y, grid.resolution)
    step = _Step(progress, "Regroupement des carreaux", int(squares.low.sum()))
    zones = group_zones(raster, squares.uu, squares.low, rules, progress=step)
    table = zone_table(grid, squares, zones, uus, rules, commune_names)

    kept = table[table["motif"] == RETENU].copy()
    kept = kept.sort_values("code").reset_index(drop=True)
    rank = kept.groupby("commune_principale").cumcount() + 1
    label = kept["commune_principale_nom"].where(
        kept["commune_principale_nom"] != "", kept["commune_principale"]
    ).astype(str)  # an empty table has float columns
    kept["nom"] = label + " – quartier " + rank.astype(str)
    if with_geometry and len(kept):
        step = _Step(progress, "Contours des quartiers", len(kept))
        polys = zone_polygons(grid, zones, kept["zone"].to_numpy())
        step.advance(len(kept))
        geometry = reproject(polys, LAEA, LAMBERT93)
    else:
        geometry = np.array([None] * len(kept), dtype=object)
    kept["methode"] = STATISTIC_LABELS[squares.statistic_kind]
    kept["regles"] = rules.jeu
    columns = ["code", "nom", "uu_code", "uu_nom", "communes", "population", "statistique",
               "type_statistique", "seuil", "facteur_seuil", "seuil_applique", "nb_carreaux",
               "nb_carreaux_bas_revenus", "methode", "regles"]
    columns += [c for c in ("men", "men_pauv") if c in kept]
    quartiers = gpd.GeoDataFrame(
        kept[[*columns, "zone"]], geometry=list(geometry), crs=LAMBERT93
    )
    table = table.merge(kept[["zone", "nom"]], on="zone", how="left")
    table["nom"] = table["nom"].fillna("")
    return Delimitation(rules, grid, squares, zones, table, quartiers)
