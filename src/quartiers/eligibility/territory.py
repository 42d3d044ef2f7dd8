"""The communes a point lies in, from the commune outlines of the data directory.

Every answer needs the commune of the point: it says which territory the answer rests on,
and whether the loaded list is complete there (see :mod:`~quartiers.eligibility.coverage`).
The outlines (``communes-2018/communes-DD-*.geojson``: IGN Admin Express, simplified) are
indexed with the lookup's own :class:`~quartiers.eligibility.index.PerimeterIndex`. They are
simplified: near a limit between a covered and an uncovered commune the answer cannot be
trusted, which :meth:`Territory.uncovered_distance` lets the rules see.

>>> t = default_territory()  # doctest: +SKIP
>>> t.place(np.array([1_043_000.0]), np.array([6_298_000.0]))  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from quartiers.eligibility.coverage import Coverage, as_communes
from quartiers.eligibility.index import PerimeterIndex
from quartiers.errors import QuartiersError
from quartiers.perimeters import LAMBERT93, PerimeterSet

#: Beyond this distance (metres) an uncovered commune cannot change any answer.
REACH = 2_000.0


@dataclass
class Territory:
    """Commune outlines (EPSG:2154), indexed for point placement."""

    codes: np.ndarray  # INSEE codes (arrondissements folded into their commune)
    names: np.ndarray
    geometry: np.ndarray
    departements: list[str]
    source: str
    index: PerimeterIndex = field(init=False)
    _uncovered: dict[Coverage, tuple[PerimeterIndex, np.ndarray] | None] = field(
        default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        n = len(self.codes)
        self.codes = as_communes(np.asarray(self.codes, dtype="U5")).astype(object)
        self._set = PerimeterSet(self.codes, np.asarray(self.names, dtype=object),
                                 self.codes, np.array([c[:2] for c in self.codes], dtype=object),
                                 np.asarray(self.geometry, dtype=object), "communes",
                                 self.source)
        self.index = PerimeterIndex(self._set)
        self._empty = n == 0
        self._names: dict[str, str] | None = None

    def __len__(self) -> int:
        return len(self.codes)

    def name_of(self, code: str) -> str:
        """The name of a commune of the territory ("" when unknown)."""
        if self._names is None:
            self._names = dict(zip(self.codes.tolist(), self.names.tolist(), strict=True))
        return str(self._names.get(code, ""))

    def place(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the commune holding each Lambert-93 point (-1: outside every outline)."""
        if self._empty or len(x) == 0:
            return np.full(len(x), -1, dtype=np.int64)
        return self.index.query(x, y, workers=2 if len(x) >= 65_536 else 1).inside

    def uncovered_distance(self, coverage: Coverage, x: np.ndarray,
                           y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance (m) from each point to the nearest known commune that ``coverage`` does
        not cover, among those within :data:`REACH` of a covered one (inf beyond), and the
        index of that commune (-1 when none)."""
        found = self._uncovered_index(coverage)
        if found is None or len(x) == 0:
            return np.full(len(x), np.inf), np.full(len(x), -1, dtype=np.int64)
        idx, chosen = found
        r = idx.query(x, y, workers=2 if len(x) >= 65_536 else 1)
        d = np.where(r.inside >= 0, 0.0, r.distance)
        which = np.where(r.inside >= 0, r.inside, r.nearest)
        nearest = np.where(which >= 0, chosen[np.maximum(which, 0)], -1)
        return np.where(np.isnan(d), np.inf, d), nearest

    def _uncovered_index(self, coverage: Coverage) -> tuple[PerimeterIndex, np.ndarray] | None:
        with self._lock:
            if coverage in self._uncovered:
                return self._uncovered[coverage]
            covered = coverage.covers(self.codes.astype("U5"))
            found: tuple[PerimeterIndex, np.ndarray] | None = None
            if covered.any() and not covered.all():
                tree = shapely.STRtree(self.geometry[~covered])
                near = tree.query(self.geometry[covered], predicate="dwithin", distance=REACH)
                chosen = np.flatnonzero(~covered)[np.unique(near[1])]
                if len(chosen):
                    sub = PerimeterSet(self.codes[chosen], self._set.names[chosen],
                                       self.codes[chosen], self._set.departements[chosen],
                                       self.geometry[chosen], "communes non couvertes",
                                       self.source)
                    found = PerimeterIndex(sub), chosen
            self._uncovered[coverage] = found
            return found

    def describe(self) -> str:
        deps = ", ".join(self.departements)
        return f"contours communaux des départements {deps} ({self.source})"


def read_territory(directory: Path) -> Territory:
    """The commune outlines of a folder of ``communes-DD-*.geojson`` files."""
    files = sorted(directory.glob("communes-*.geojson"))
    if not files:
        raise QuartiersError("aucun fichier communes-*.geojson", fichier=directory)
    frames = []
    for path in files:
        try:
            gdf = gpd.read_file(path, engine="pyogrio")
        except Exception as e:
            raise QuartiersError(f"contours communaux illisibles ({e})", fichier=path) from None
        for needed in ("code", "nom"):
            if needed not in gdf:
                raise QuartiersError("propriété absente", fichier=path, champ=needed)
        frames.append(gdf[["code", "nom", "geometry"]].to_crs(LAMBERT93))
    gdf = pd.concat(frames, ignore_index=True)
    geoms = gdf.geometry.to_numpy()
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
    deps = sorted({p.name.split("-")[1] for p in files})
    return Territory(gdf["code"].astype(str).to_numpy(), gdf["nom"].astype(str).to_numpy(),
                     geoms, deps, "IGN Admin Express 2018 simplifié")


@cache
def default_territory() -> Territory:
    """The data directory's commune outlines (read and indexed once per process)."""
    from quartiers.config import dataset

    return read_territory(dataset("communes"))
