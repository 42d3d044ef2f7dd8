"""Run the whole delimitation: squares -> urban units -> threshold -> zones -> quartiers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from quartiers.delimitation.decision import RETENU, text_column, zone_table
from quartiers.delimitation.geometry import LAMBERT93, zone_polygons
from quartiers.delimitation.squares import SquareAssessment, assess_squares
from quartiers.delimitation.zones import Raster, Zones, group_zones
from quartiers.errors import QuartiersError
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

    Each square gets its urban unit, the threshold S of that unit and its income statistic;
    low-income squares are grouped into candidate zones (never across an urban unit); each
    zone is kept or rejected with its reason, as décret n° 2014-767 prescribes.

    Parameters
    ----------
    grid : Grid
        The income grid (:func:`quartiers.io.grid.read_grid`); its squares must have the
        side the rules measure on (``rules.cote_carreau``).
    uus : UrbanUnits
        Urban units with their size bracket and median income, and the commune -> unit
        composition (:func:`quartiers.io.urban_units.load_urban_units`).
    rules : Rules
        Legal values and method choices (:func:`quartiers.parameters.load_rules`).
    with_geometry : bool, default True
        Draw the quartiers' outlines (Lambert-93); without them the ``geometry`` column
        is empty and the run is faster (sensitivity sweeps).
    unknown_communes : {"erreur", "ignorer"}, default "erreur"
        A square whose commune is not in the composition stops the run with an error naming
        its line, or is left out of every zone.
    derogation_uu : list of str, optional
        Codes of urban units under ``population_min_uu`` that held quartiers of the
        previous list: eligible when the rules allow it (``derogation_liste_precedente``).
    commune_names : dict, optional
        Commune code -> name, used to name the quartiers (``"Nice – quartier 2"``);
        codes are used without it.
    progress : callable, optional
        ``progress(label, done, total)`` is called as the long steps advance.

    Returns
    -------
    Delimitation
        ``quartiers`` (GeoDataFrame, one row per quartier kept), ``explanations`` (one row
        per candidate zone, with its decision and reason), the per-square assessment and
        the zones.

    Raises
    ------
    QuartiersError
        In French, naming the file, line or parameter at fault: squares of another side than
        ``cote_carreau``, unknown commune, urban unit without a median, derogation the rules
        do not allow, median statistic requested without medians.

    Examples
    --------
    Twelve SYNTHETIC squares of 100 people at 9 000 EUR in an urban unit of 200 000
    inhabitants whose median is 20 000 EUR: S = 0.6 x (0.7 x 21 730 + 0.3 x 20 000),
    rounded up to 12 800 EUR; one quartier of 1 200 people.

    >>> import numpy as np
    >>> from quartiers.io.grid import Grid
    >>> from quartiers.io.urban_units import UrbanUnits
    >>> from quartiers.parameters import load_rules
    >>> col, row = np.divmod(np.arange(12), 3)
    >>> x, y = 3_930_000 + 200 * col, 2_300_000 + 200 * row
    >>> grid = Grid(ids=np.array([f"CRS3035RES200mN{b}E{a}" for a, b in zip(x, y)]),
    ...             x=x, y=y, ind=np.full(12, 100.0), snv=np.full(12, 900_000.0),
    ...             imputed=np.zeros(12, bool), communes=np.full(12, "90101", object),
    ...             resolution=200)
    >>> uus = UrbanUnits(codes=np.array(["90001"]), names=np.array(["Synthville"]),
    ...                  population=np.array([200_000]), median=np.array([20_000.0]),
    ...                  is_urban=np.array([True]), commune_codes=np.array(["90101"]),
    ...                  commune_uu=np.array([0]), national_median=21_730.0)
    >>> rules = load_rules("2024", {"ratio_disponible_declare": 1, "ratio_moyenne_mediane": 1})
    >>> result = delimit(grid, uus, rules)
    >>> q = result.quartiers.iloc[0]
    >>> len(result.quartiers), float(q["population"]), int(q["seuil"]), int(q["nb_carreaux"])
    (1, 1200.0, 12800, 12)
    >>> result.explanations["explication"].tolist()
    ['retenu : toutes les conditions du décret sont remplies']
    """
    if grid.resolution != rules.cote_carreau:
        raise QuartiersError(
            f"carreaux de {grid.resolution} m ; les règles {rules.jeu} mesurent population et "
            f"revenu sur des carreaux de {rules.cote_carreau} m (paramètre cote_carreau)",
            fichier=grid.source or None, champ="cote_carreau",
        )
    squares = assess_squares(grid, uus, rules, unknown_communes, derogation_uu)
    raster = Raster(grid.x, grid.y, grid.resolution)
    step = _Step(progress, "Regroupement des carreaux", int(squares.low.sum()))
    zones = group_zones(raster, squares.uu, squares.low, rules, progress=step)
    table = zone_table(grid, squares, zones, uus, rules, commune_names)

    # the quartiers, in code order, named after their main commune and numbered within it
    retained = np.flatnonzero((table["motif"] == RETENU).to_numpy())
    retained = retained[np.argsort(table["code"].array.take(retained).to_numpy())]
    main = table["commune_principale"].to_numpy()[retained]
    main_name = table["commune_principale_nom"].to_numpy()[retained]
    label = np.where(main_name != "", main_name, main)
    _, commune = np.unique(main, return_inverse=True)
    by_commune = np.lexsort((np.arange(len(retained)), commune))
    starts = np.searchsorted(commune[by_commune], commune[by_commune])
    rank = np.empty(len(retained), dtype=np.int64)
    rank[by_commune] = np.arange(len(retained)) - starts + 1
    names = [f"{a} – quartier {r}" for a, r in zip(label, rank, strict=True)]
    if with_geometry and len(retained):
        step = _Step(progress, "Contours des quartiers", len(retained))
        geometry = zone_polygons(grid, zones, retained, target=LAMBERT93)
        step.advance(len(retained))
    else:
        geometry = np.array([None] * len(retained), dtype=object)
    nom = np.full(len(table), "", dtype=object)
    nom[retained] = names
    table["nom"] = text_column(pa.array(nom, type=pa.string()))

    columns = ["code", "nom", "uu_code", "uu_nom", "communes", "population", "statistique",
               "type_statistique", "seuil", "facteur_seuil", "seuil_applique", "nb_carreaux",
               "nb_carreaux_bas_revenus", "methode", "regles"]
    columns += [c for c in ("men", "men_pauv") if c in table]
    # columns are taken from the table's arrays, keeping their types, instead of copying
    # and filtering a DataFrame
    data = {c: table[c].array.take(retained) for c in [*columns, "zone"] if c in table}
    for c, value in (("methode", STATISTIC_LABELS[squares.statistic_kind]),
                     ("regles", rules.jeu)):
        data[c] = text_column(pa.array([value] * len(retained), type=pa.string()))
    quartiers = gpd.GeoDataFrame(
        pd.DataFrame({c: data[c] for c in [*columns, "zone"]}),
        geometry=gpd.array.from_shapely(geometry, crs=LAMBERT93),
    )
    return Delimitation(rules, grid, squares, zones, table, quartiers)
