"""The delimitation engine: from the 200 m income grid to priority neighbourhoods.

Pipeline (each step a module):

1. :mod:`~quartiers.delimitation.thresholds` — threshold S per urban unit (décret, art. 4);
2. :mod:`~quartiers.delimitation.squares` — each square's UU, statistic and low-income flag;
3. :mod:`~quartiers.delimitation.zones` — contiguous low-income squares grouped on a raster;
4. :mod:`~quartiers.delimitation.decision` — zone statistics and the keep/reject decision;
5. :mod:`~quartiers.delimitation.geometry` — quartier polygons (union of squares).

:func:`~quartiers.delimitation.engine.delimit` runs them all.
"""

from quartiers.delimitation.engine import Delimitation, delimit

__all__ = ["Delimitation", "delimit"]
