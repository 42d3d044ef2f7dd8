"""Compare computed quartiers with official QPV perimeters, on the grid's population.

Both sets are read on the same 200 m squares: a square belongs to a polygon when its centre
lies in it, by the one rule of :func:`quartiers.eligibility.squares.square_owner` (a centre
on the boundary counts as inside, the first of overlapping polygons holds it).
Population-weighted agreement is then exact bookkeeping on the squares, independent of how
the perimeters were drawn along streets.

Per official QPV: the computed quartier sharing most of its grid population, the share of its
population covered, and the geometric IoU. Overall: share of official QPVs found (covered at
``seuil_trouve`` or more), population precision, recall and F1, and the lists of entries
(computed quartiers mostly outside any official QPV) and exits (official QPVs not found).

The comparison is restricted to the reference's coverage: squares whose commune the
reference is the complete list for (see :mod:`quartiers.eligibility.coverage`; where it says
nothing, a computed quartier is neither right nor wrong), and optionally to given urban
units.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from quartiers.delimitation.squares import assign_urban_units
from quartiers.eligibility.squares import square_owner
from quartiers.io.grid import Grid, commune_codes
from quartiers.io.urban_units import UrbanUnits
from quartiers.perimeters import PerimeterSet, from_quartiers, read_perimeters


def load_reference(path: Path) -> PerimeterSet:
    return read_perimeters(path)


@dataclass
class Comparison:
    per_qpv: pd.DataFrame
    movements: pd.DataFrame
    summary: dict

    def text(self) -> str:
        s = self.summary
        lines = [
            "Comparaison avec les périmètres de référence",
            f"  référence : {s['reference']} ({s['nb_qpv_reference']} QPV dans l'emprise)",
            f"  emprise (où la référence est complète) : {s['emprise']}",
            f"  quartiers calculés dans l'emprise : {s['nb_quartiers_calcules']}",
            f"  QPV officiels retrouvés (couverts à {s['seuil_trouve']:.0%} au moins) : "
            f"{s['nb_qpv_trouves']} / {s['nb_qpv_reference']} ({s['part_qpv_trouves']:.1%})",
            f"  population (carreaux) : précision {s['precision']:.1%}, rappel "
            f"{s['rappel']:.1%}, F1 {s['f1']:.3f}",
            f"  population des QPV officiels : {s['population_reference']:,.0f} ; "
            f"des quartiers calculés : {s['population_calculee']:,.0f} ; "
            f"commune : {s['population_commune']:,.0f}",
            f"  IoU médiane (meilleure correspondance) : {s['iou_mediane']:.2f}",
            f"  entrées (calculés hors QPV officiels) : {s['nb_entrees']} ; sorties (QPV non "
            f"retrouvés) : {s['nb_sorties']}",
        ]
        return "\n".join(lines).replace(",", " ") + "\n"


def covered_squares(grid: Grid, reference: PerimeterSet) -> np.ndarray:
    """Squares whose (first) commune the reference's coverage covers."""
    first = commune_codes(grid.communes, 0)
    if reference.coverage is None:  # a set built in code: its départements, as before
        deps = {str(d)[:2] for d in reference.departements}
        return np.isin(np.char.ljust(first, 2).astype("U2"), list(deps))
    return reference.coverage.covers(first)


def compare(
    computed: gpd.GeoDataFrame | PerimeterSet,
    reference: PerimeterSet,
    grid: Grid,
    uus: UrbanUnits,
    *,
    uu_codes: list[str] | None = None,
    exclude_uu: list[str] | None = None,
    seuil_trouve: float = 0.5,
) -> Comparison:
    """Compare ``computed`` quartiers with ``reference`` perimeters on ``grid``."""
    comp = computed if isinstance(computed, PerimeterSet) else from_quartiers(computed)
    scope = covered_squares(grid, reference)
    if uu_codes or exclude_uu:
        uu = assign_urban_units(grid, uus, unknown="ignorer")
        sq_uu = np.where(uu >= 0, uus.codes[np.maximum(uu, 0)], "")
        if uu_codes:
            scope &= np.isin(sq_uu, uu_codes)
        if exclude_uu:
            scope &= ~np.isin(sq_uu, exclude_uu)
    idx = np.flatnonzero(scope)
    pop = grid.ind[idx]
    ref_of = square_owner(grid, reference, idx)
    comp_of = square_owner(grid, comp, idx)

    n_ref, n_comp = len(reference), len(comp)
    pop_ref = np.bincount(np.maximum(ref_of, 0), weights=pop * (ref_of >= 0), minlength=n_ref)
    pop_comp = np.bincount(np.maximum(comp_of, 0), weights=pop * (comp_of >= 0), minlength=n_comp)
    both = (ref_of >= 0) & (comp_of >= 0)
    pair = ref_of[both] * max(n_comp, 1) + comp_of[both]
    keys, inv = np.unique(pair, return_inverse=True)
    shared = np.bincount(inv, weights=pop[both]) if len(keys) else np.zeros(0)
    pr, pc = keys // max(n_comp, 1), keys % max(n_comp, 1)

    # best computed quartier per official QPV
    order = np.lexsort((-shared, pr))
    first = order[np.r_[True, pr[order][1:] != pr[order][:-1]]] if len(order) else order
    best = np.full(n_ref, -1, dtype=np.int64)
    best_shared = np.zeros(n_ref)
    best[pr[first]] = pc[first]
    best_shared[pr[first]] = shared[first]

    in_scope_ref = pop_ref > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(pop_ref > 0, best_shared / pop_ref, 0.0)
    found = in_scope_ref & (share >= seuil_trouve)
    has = best >= 0
    iou = np.zeros(n_ref)
    if has.any():
        a = reference.geometry[has]
        b = comp.geometry[best[has]]
        inter = shapely.area(shapely.intersection(a, b))
        union = shapely.area(shapely.union(a, b))
        iou[has] = np.where(union > 0, inter / union, 0.0)

    per_qpv = pd.DataFrame(
        {
            "qpv_code": reference.codes,
            "qpv_nom": reference.names,
            "communes": reference.communes,
            "population_carreaux": np.round(pop_ref, 1),
            "quartier_calcule": np.where(has, comp.codes[np.maximum(best, 0)], ""),
            "population_commune": np.round(best_shared, 1),
            "part_couverte": np.round(share, 4),
            "iou": np.round(iou, 4),
            "retrouve": found,
        }
    )[in_scope_ref].reset_index(drop=True)

    # computed quartiers in scope, share of their population inside official QPVs
    comp_in_ref = np.bincount(comp_of[both], weights=pop[both], minlength=n_comp)
    comp_scope = pop_comp > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        comp_share = np.where(pop_comp > 0, comp_in_ref / pop_comp, 0.0)
    entries = comp_scope & (comp_share < seuil_trouve)
    movements = pd.concat(
        [
            pd.DataFrame({
                "mouvement": "entree", "code": comp.codes[entries], "nom": comp.names[entries],
                "population_carreaux": np.round(pop_comp[entries], 1),
                "part_dans_la_reference": np.round(comp_share[entries], 4),
            }),
            pd.DataFrame({
                "mouvement": "sortie", "code": reference.codes[in_scope_ref & ~found],
                "nom": reference.names[in_scope_ref & ~found],
                "population_carreaux": np.round(pop_ref[in_scope_ref & ~found], 1),
                "part_dans_la_reference": np.round(share[in_scope_ref & ~found], 4),
            }),
        ],
        ignore_index=True,
    )
    common = float(pop[both].sum())
    total_ref = float(pop[ref_of >= 0].sum())
    total_comp = float(pop[comp_of >= 0].sum())
    precision = common / total_comp if total_comp else 0.0
    recall = common / total_ref if total_ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    summary = {
        "reference": reference.source,
        "millesime_reference": reference.millesime,
        "perimetres_repares": reference.repaired,
        "emprise": (reference.coverage.describe if reference.coverage is not None
                    else "départements du fichier"),
        "emprise_departements": sorted({str(d)[:2] for d in reference.departements}),
        "emprise_unites_urbaines": uu_codes or [],
        "unites_urbaines_exclues": exclude_uu or [],
        "seuil_trouve": seuil_trouve,
        "nb_qpv_reference": int(in_scope_ref.sum()),
        "nb_quartiers_calcules": int(comp_scope.sum()),
        "nb_qpv_trouves": int(found.sum()),
        "part_qpv_trouves": round(float(found.sum() / max(in_scope_ref.sum(), 1)), 4),
        "population_reference": round(total_ref, 1),
        "population_calculee": round(total_comp, 1),
        "population_commune": round(common, 1),
        "precision": round(precision, 4),
        "rappel": round(recall, 4),
        "f1": round(f1, 4),
        "iou_mediane": round(float(np.median(iou[in_scope_ref])) if in_scope_ref.any() else 0, 4),
        "nb_entrees": int(entries.sum()),
        "nb_sorties": int((in_scope_ref & ~found).sum()),
    }
    return Comparison(per_qpv, movements, summary)
