"""Everything a quartier sheet shows: grid indicators of the quartier and of its urban
unit, read on the squares whose centre it holds (the one rule of
:func:`quartiers.eligibility.squares.square_owner`)."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import shapely

from quartiers.web.geodonnees.geojson import (
    geometrie_wgs84,
    liste_communes,
    noms_communes,
    uu_de_communes,
)
from quartiers.web.geodonnees.listes import MILLESIMES, entrees, perimetres


@lru_cache(maxsize=1)
def uu_carreaux() -> np.ndarray:
    from quartiers.delimitation.squares import assign_urban_units

    inp = entrees()
    return assign_urban_units(inp.grid, inp.uus, unknown="ignorer")


@lru_cache(maxsize=4)
def carreaux_par_quartier(millesime: str) -> np.ndarray:
    """Index of the quartier holding each square's centre (-1 when none): the one rule of
    :func:`quartiers.eligibility.squares.square_owner`."""
    from quartiers.eligibility.squares import square_owner

    return square_owner(entrees().grid, perimetres(millesime))


def _indicateurs(mask: np.ndarray) -> dict[str, Any]:
    grid = entrees().grid
    pop = float(grid.ind[mask].sum())
    snv = float(grid.snv[mask].sum())
    out: dict[str, Any] = {
        "nb_carreaux": int(mask.sum()),
        "population": round(pop),
        "niveau_de_vie_moyen": round(snv / pop) if pop > 0 else None,
        "menages": None, "menages_pauvres": None, "part_menages_pauvres": None,
    }
    if grid.men is not None and grid.men_pauv is not None:
        men = float(np.nansum(grid.men[mask]))
        pauv = float(np.nansum(grid.men_pauv[mask]))
        out.update(menages=round(men), menages_pauvres=round(pauv),
                   part_menages_pauvres=round(pauv / men, 3) if men > 0 else None)
    return out


def trouver(code: str) -> tuple[str, int] | None:
    """(vintage, position) of a quartier code, official lists first."""
    for m in ("2024", "2015", "calcul"):
        pset = perimetres(m)
        hits = np.flatnonzero(pset.codes == code)
        if hits.size:
            return m, int(hits[0])
    return None


def fiche(code: str) -> dict[str, Any] | None:
    """Everything the quartier sheet shows, or None for an unknown code."""
    found = trouver(code)
    if found is None:
        return None
    millesime, i = found
    pset = perimetres(millesime)
    communes = liste_communes(pset.communes[i])
    names = noms_communes()
    mask = carreaux_par_quartier(millesime) == i
    uu_idx = uu_carreaux()
    inp = entrees()
    uu_code, uu_nom = "", ""
    if mask.any():
        vals = uu_idx[mask & (uu_idx >= 0)]
        if vals.size:
            j = int(np.bincount(vals).argmax())
            uu_code, uu_nom = str(inp.uus.codes[j]), str(inp.uus.names[j])
    if not uu_code:
        uu_code, uu_nom = uu_de_communes(communes)
    uu_info: dict[str, Any] | None = None
    if uu_code:
        j = inp.uus.index_of(uu_code)
        med = float(inp.uus.median[j])
        uu_info = {
            "code": uu_code, "nom": uu_nom,
            "tranche_population": int(inp.uus.population[j]),
            "mediane_niveau_de_vie": None if math.isnan(med) else round(med),
            "source_mediane": inp.uus.median_source,
            "carroyage": _indicateurs(uu_idx == j),
        }
    others = [m for m in MILLESIMES if m != millesime and code in set(perimetres(m).codes)]
    geom = pset.geometry[i]
    return {
        "code": code,
        "nom": str(pset.names[i]),
        "millesime": millesime,
        "millesime_libelle": MILLESIMES[millesime],
        "autres_millesimes": others,
        "communes": [{"code": c, "nom": names.get(c, "")} for c in communes],
        "departement": str(pset.departements[i]),
        "surface_ha": round(float(shapely.area(geom)) / 10_000, 1),
        "indicateurs": _indicateurs(mask),
        "methode": "niveau de vie moyen des habitants = somme de leurs niveaux de vie "
                   "(variable ind_snv de Filosofi) divisée par leur nombre (variable ind), sur "
                   "les carreaux de 200 m dont le centre est dans le périmètre (Filosofi 2019, "
                   "INSEE) ; l'INSEE ne publie pas la médiane par carreau",
        "unite_urbaine": uu_info,
        "mediane_nationale": round(inp.uus.national_median),
        "geometrie": geometrie_wgs84(geom),
    }


