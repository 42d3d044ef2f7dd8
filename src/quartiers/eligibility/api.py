"""Python API: ``quartiers.lookup(...)`` on arrays or a DataFrame, and :class:`Checker`.

The CLI (``quartiers verifier``) and the web application use the same code. Result columns
(see ``docs/eligibilite.md``):

- ``qpv_code``, ``qpv_nom``, ``communes``: the QPV containing the point (empty outside);
- ``dans_qpv``: True inside or exactly on a boundary;
- ``distance_m``: signed distance in metres to the nearest QPV boundary, negative inside;
- ``qpv_proche``, ``distance_proche_m``: the containing QPV (distance 0), else the nearest QPV
  when it lies within ``tolerance`` metres, else empty / NaN.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from quartiers.eligibility import coords
from quartiers.eligibility.index import PerimeterIndex, QueryResult
from quartiers.errors import QuartiersError
from quartiers.perimeters import PerimeterSet, load_perimeters

RESULT_COLUMNS = (
    "qpv_code", "qpv_nom", "communes", "dans_qpv", "distance_m", "qpv_proche",
    "distance_proche_m",
)
#: Column names recognised without options (lower case).
LON_NAMES = ("lon", "longitude", "lng", "long", "lon_wgs84", "longitude_wgs84", "x_wgs84")
LAT_NAMES = ("lat", "latitude", "lat_wgs84", "latitude_wgs84", "y_wgs84")
X_NAMES = ("x", "x_l93", "x_lambert93", "xl93", "coord_x", "coordonnee_x", "x_2154")
Y_NAMES = ("y", "y_l93", "y_lambert93", "yl93", "coord_y", "coordonnee_y", "y_2154")

_PARALLEL_MIN = 65_536
_PART = 262_144


def _labels(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index]`` as objects, None where ``index`` is -1 ("no QPV").

    Only the points in or near a QPV are looked up (a few per cent of a batch): taking a
    Python object costs a reference count, and None is what ``np.empty`` already holds."""
    out = np.empty(len(index), dtype=object)
    hit = index >= 0
    if hit.any():
        out[hit] = table[index[hit]]
    return out


@dataclass
class Checker:
    """One perimeter set ready for lookups (index built once, thread-safe)."""

    perimeters: PerimeterSet
    index: PerimeterIndex = field(init=False)

    def __post_init__(self) -> None:
        self.index = PerimeterIndex(self.perimeters)
        ps = self.perimeters
        self._codes = np.asarray(ps.codes, dtype=object)
        self._names = np.asarray(ps.names, dtype=object)
        self._communes = np.asarray(ps.communes, dtype=object)

    @property
    def millesime(self) -> str:
        return self.perimeters.millesime

    def query(self, x: np.ndarray, y: np.ndarray) -> QueryResult:
        """Raw index answers for Lambert-93 points, on two threads for big arrays."""
        n = len(x)
        workers = min(os.cpu_count() or 1, 2) if n >= _PARALLEL_MIN else 1
        return self.index.query(x, y, workers=workers, part=_PART)

    def columns(self, x: np.ndarray, y: np.ndarray, tolerance: float = 0.0) -> dict[str, Any]:
        """Result columns (see module docstring) for Lambert-93 points."""
        if not tolerance >= 0:
            raise QuartiersError("la tolérance doit être un nombre de mètres positif ou nul",
                                 champ="--tolerance")
        r = self.query(x, y)
        inside = r.inside >= 0
        d = np.round(r.distance, 2)
        d += 0.0  # no "-0.0"; in place: fresh memory is slow to touch
        close = inside | ((r.nearest >= 0) & (r.distance <= tolerance))
        proche = np.where(inside, r.inside, np.where(close, r.nearest, -1))
        d_close = np.maximum(d, 0.0)
        d_close[~close] = np.nan
        return {
            "qpv_code": _labels(self._codes, r.inside),
            "qpv_nom": _labels(self._names, r.inside),
            "communes": _labels(self._communes, r.inside),
            "dans_qpv": inside,
            "distance_m": d,
            "qpv_proche": _labels(self._codes, proche),
            "distance_proche_m": d_close,
        }


    def point(self, lon: float, lat: float, tolerance: float = 0.0,
              crs: str = coords.WGS84) -> dict[str, Any]:
        """One point, low latency (no DataFrame): the result columns as a dict, plus
        ``erreur`` (None when the point could be checked)."""
        a, b = np.array([lon], dtype=float), np.array([lat], dtype=float)
        x, y, code = prepare(a, b, coords.normalise_crs(crs))
        if code[0] != coords.OK:
            out: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
            out["erreur"] = coords.reason(int(code[0]), coords.normalise_crs(crs), lon, lat)
            return out
        cols = self.columns(x, y, tolerance)
        out = {k: (v[0].item() if isinstance(v[0], np.generic) else v[0]) for k, v in cols.items()}
        out["erreur"] = None
        return out


_cache: dict[str, Checker] = {}
_cache_lock = threading.Lock()


def checker(perimetres: str | Path | PerimeterSet | Checker = "2024") -> Checker:
    """A :class:`Checker` for a vintage name, a perimeter file or a set (cached by name)."""
    if isinstance(perimetres, Checker):
        return perimetres
    if isinstance(perimetres, PerimeterSet):
        return Checker(perimetres)
    key = str(perimetres)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = Checker(load_perimeters(key))
        return _cache[key]


def find_column(names: Sequence[str], wanted: Sequence[str]) -> str | None:
    """The first of ``names`` whose lower-case, stripped form is in ``wanted``."""
    lower = {str(n).strip().lower().lstrip("\ufeff"): n for n in names}
    for w in wanted:
        if w in lower:
            return str(lower[w])
    return None


def detect_columns(
    names: Sequence[str], x: str | None = None, y: str | None = None
) -> tuple[str, str, str | None]:
    """Coordinate columns ``(x_or_lon, y_or_lat, crs_hint)`` from options or names.

    ``crs_hint`` is ``wgs84`` for lon/lat names, None when the values must decide."""
    if x or y:
        if not (x and y):
            raise QuartiersError("donnez les deux colonnes de coordonnées (x et y, ou lon et lat)")
        for col in (x, y):
            if col not in names:
                raise QuartiersError(
                    f"colonne « {col} » absente ; colonnes présentes : {', '.join(map(str, names))}"
                )
        return x, y, None
    lon, lat = find_column(names, LON_NAMES), find_column(names, LAT_NAMES)
    if lon and lat:
        return lon, lat, coords.WGS84
    cx, cy = find_column(names, X_NAMES), find_column(names, Y_NAMES)
    if cx and cy:
        return cx, cy, None
    raise QuartiersError(
        "colonnes de coordonnées introuvables : attendu lon/lat (WGS84) ou x/y (Lambert-93), "
        f"ou les options --lon/--lat ou --x/--y ; colonnes présentes : {', '.join(map(str, names))}"
    )


def prepare(a: np.ndarray, b: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate points and project them: ``(x_l93, y_l93, reason_code)``."""
    code = coords.validate(a, b, crs)
    if crs == coords.WGS84:
        x, y = coords.to_lambert93(np.where(code == 0, a, np.nan), np.where(code == 0, b, np.nan))
    else:
        x, y = np.where(code == 0, a, np.nan), np.where(code == 0, b, np.nan)
    return x, y, code


def lookup(
    data: pd.DataFrame | Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray | None = None,
    *,
    perimetres: str | Path | PerimeterSet | Checker = "2024",
    crs: str = "auto",
    tolerance: float = 0.0,
    x_col: str | None = None,
    y_col: str | None = None,
    suffix: str = "",
) -> pd.DataFrame:
    """Is each point in a QPV? Arrays or a DataFrame in, a DataFrame out.

    ``lookup(lon, lat)`` or ``lookup(x, y, crs="lambert93")`` returns the result columns;
    ``lookup(df)`` returns ``df`` with the result columns appended (coordinate columns
    detected as in the CLI, or named by ``x_col``/``y_col``). ``crs`` is ``auto`` (from the
    column names, then the values), ``wgs84`` or ``lambert93``. Points that cannot be
    checked (missing, outside metropolitan France, probably swapped) get empty results and
    a French reason in ``erreur``. ``perimetres``: ``2024``, ``2015``, a file or a set.

    >>> r = lookup([5.93], [43.12], perimetres="2024")  # doctest: +SKIP
    """
    chk = checker(perimetres)
    frame: pd.DataFrame | None = None
    hint: str | None = None
    if isinstance(data, pd.DataFrame):
        frame = data
        cx, cy, hint = detect_columns([str(c) for c in data.columns], x_col, y_col)
        a = pd.to_numeric(data[cx], errors="coerce").to_numpy(dtype=np.float64)
        b = pd.to_numeric(data[cy], errors="coerce").to_numpy(dtype=np.float64)
    else:
        if y is None:
            raise TypeError("lookup(x, y) : les deux tableaux de coordonnées sont requis")
        a = np.atleast_1d(np.asarray(data, dtype=np.float64))
        b = np.atleast_1d(np.asarray(y, dtype=np.float64))
        if a.shape != b.shape:
            raise ValueError("x et y n'ont pas la même longueur")
    crs = hint or coords.guess_crs(a, b) if crs == "auto" else coords.normalise_crs(crs)
    x, yy, code = prepare(a, b, crs)
    cols = chk.columns(x, yy, tolerance)
    bad = code != coords.OK
    erreur = np.full(len(a), None, dtype=object)
    if bad.any():
        for name in ("qpv_code", "qpv_nom", "communes", "qpv_proche"):
            cols[name] = np.where(bad, None, cols[name])
        flags = pd.array(cols["dans_qpv"].astype(bool), dtype="boolean")
        flags[bad] = pd.NA
        cols["dans_qpv"] = flags
        idx = np.flatnonzero(bad)
        erreur[idx] = [coords.reason(int(code[i]), crs, a[i], b[i]) for i in idx]
    out = pd.DataFrame({name + suffix: cols[name] for name in RESULT_COLUMNS})
    out["erreur" + suffix] = erreur
    if frame is None:
        return out
    out.index = frame.index
    return pd.concat([frame, out], axis=1)
