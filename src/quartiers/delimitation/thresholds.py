"""Threshold S of décret n° 2014-767, art. 4, computed exactly.

``S = coefficient x (w x RMUC-nat + (1 - w) x RMUC-UU)``, rounded up to the next
``arrondi_seuil`` euros, with ``w = poids_national`` (0.7) for urban units under
``seuil_grande_uu`` (5 million) inhabitants and ``poids_national_grande_uu`` (0.3) above.

Arithmetic is done on integers (parameters scaled by 10^6) so that the rounding up is exact:
a value that lands on a multiple of 100 stays there.

>>> from quartiers.parameters import load_rules
>>> rules = load_rules("2024")
>>> int(threshold(np.array([22130.0]), 21730.0, np.array([500000]), rules)[0])
13200
>>> int(threshold(np.array([21730.0]), 21730.0, np.array([500000]), rules)[0])
13100
"""

from __future__ import annotations

import numpy as np

from quartiers.parameters import Rules

_SCALE = 10**6


def round_up(values: np.ndarray, step: int) -> np.ndarray:
    """Round integer ``values`` up to the next multiple of ``step``.

    >>> round_up(np.array([9901, 10000, 10001]), 100).tolist()
    [10000, 10000, 10100]
    """
    values = np.asarray(values, dtype=np.int64)
    return -(-values // step) * step


def uu_is_eligible(population: np.ndarray, rules: Rules) -> np.ndarray:
    """UU population, rounded up to ``arrondi_population_uu``, at least ``population_min_uu``."""
    pop = round_up(np.ceil(np.asarray(population, dtype=np.float64)), rules.arrondi_population_uu)
    return pop >= rules.population_min_uu


def national_weight(population: np.ndarray, rules: Rules) -> np.ndarray:
    """Weight of the national median: 0.7 below 5 million inhabitants, 0.3 from it."""
    big = np.asarray(population) >= rules.seuil_grande_uu
    return np.where(big, rules.poids_national_grande_uu, rules.poids_national)


def threshold(
    median_uu: np.ndarray, median_nat: float, population: np.ndarray, rules: Rules
) -> np.ndarray:
    """Threshold S in euros (int64) per urban unit; -1 where the UU median is unknown."""
    median_uu = np.asarray(median_uu, dtype=np.float64)
    known = ~np.isnan(median_uu)
    # Parameters as integers of 10^-6 and medians in cents: the product is exact. It stays
    # within int64 for any plausible parameters; otherwise it is evaluated on Python
    # integers (one per urban unit, not per square).
    w = np.rint(national_weight(population, rules) * _SCALE).astype(np.int64)
    c = round(rules.coefficient * _SCALE)
    nat = round(median_nat * 100)
    uu = np.rint(np.where(known, median_uu, 0) * 100).astype(np.int64)
    step = rules.arrondi_seuil * 100 * _SCALE * _SCALE
    if len(w):
        largest = abs(c) * (
            int(np.abs(w).max()) * abs(nat) + int(np.abs(_SCALE - w).max()) * int(np.abs(uu).max())
        )
    else:
        largest = 0
    if max(largest, step) >= 2**62:
        w, uu = w.astype(object), uu.astype(object)
    exact = c * (w * nat + (_SCALE - w) * uu)  # in 10^-12 cents
    s = (-(-exact // step)) * rules.arrondi_seuil
    return np.where(known, s, -1).astype(np.int64)
