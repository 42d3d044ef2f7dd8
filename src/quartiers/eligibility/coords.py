"""Coordinates: WGS84 or Lambert-93 input, validation, projection to EPSG:2154.

Every rejected point gets a reason in French; nothing is dropped silently.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from pyproj import Transformer

#: Names of the two input coordinate systems (option values), not CRS codes: the
#: projected system is ``EPSG:2154`` (``quartiers.perimeters.LAMBERT93``).
INPUT_WGS84 = "wgs84"
INPUT_LAMBERT93 = "lambert93"
CRS_ALIASES = {
    **dict.fromkeys(("wgs84", "4326", "epsg:4326", "lonlat"), INPUT_WGS84),
    **dict.fromkeys(("lambert93", "l93", "2154", "epsg:2154"), INPUT_LAMBERT93),
}

#: Metropolitan France and Corsica, with a margin (degrees, then Lambert-93 metres).
FRANCE_LONLAT = (-5.8, 41.2, 10.0, 51.3)
FRANCE_L93 = (0.0, 6_000_000.0, 1_300_000.0, 7_200_000.0)

# reason codes of :func:`validate`
OK, MISSING, OUTSIDE, SWAPPED = 0, 1, 2, 3


def normalise_crs(name: str) -> str:
    """``wgs84`` or ``lambert93`` from the accepted spellings (``4326``, ``l93``...)."""
    key = str(name).strip().lower().replace("-", "").replace(" ", "")
    if key not in CRS_ALIASES:
        raise ValueError(name)
    return CRS_ALIASES[key]


_local = threading.local()
_PART = 262_144


def _transformer(forward: bool) -> Transformer:
    """One transformer per thread and direction (pyproj objects are not shared)."""
    key = "forward" if forward else "inverse"
    tr = getattr(_local, key, None)
    if tr is None:
        src, dst = ("EPSG:4326", "EPSG:2154") if forward else ("EPSG:2154", "EPSG:4326")
        tr = Transformer.from_crs(src, dst, always_xy=True)
        setattr(_local, key, tr)
    return tr


def _project(forward: bool, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.ascontiguousarray(a, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    n = len(a)
    if n < 2 * _PART:
        u, v = _transformer(forward).transform(a, b)
        return np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
    u, v = np.empty(n), np.empty(n)

    def part(i: int) -> None:
        u[i : i + _PART], v[i : i + _PART] = _transformer(forward).transform(
            a[i : i + _PART], b[i : i + _PART]
        )

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(part, range(0, n, _PART)))
    return u, v


def to_lambert93(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude/latitude (degrees) to Lambert-93 x/y (metres)."""
    return _project(True, lon, lat)


def to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lambert-93 x/y (metres) to WGS84 longitude/latitude (degrees)."""
    return _project(False, x, y)


def _within(a: np.ndarray, b: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    return (a >= box[0]) & (a <= box[2]) & (b >= box[1]) & (b <= box[3])


def guess_crs(a: np.ndarray, b: np.ndarray) -> str:
    """``wgs84`` when most finite values look like degrees inside France, else
    ``lambert93``."""
    ok = np.isfinite(a) & np.isfinite(b)
    if not ok.any():
        return INPUT_LAMBERT93
    a, b = a[ok], b[ok]
    degrees = _within(a, b, FRANCE_LONLAT) | _within(b, a, FRANCE_LONLAT)
    return INPUT_WGS84 if degrees.mean() > 0.5 else INPUT_LAMBERT93


def validate(a: np.ndarray, b: np.ndarray, crs: str) -> np.ndarray:
    """Reason code per point: OK, MISSING, OUTSIDE (not in metropolitan France) or
    SWAPPED (inside France once the two coordinates are exchanged)."""
    box = FRANCE_LONLAT if crs == INPUT_WGS84 else FRANCE_L93
    code = np.full(len(a), OUTSIDE, dtype=np.int8)
    missing = ~(np.isfinite(a) & np.isfinite(b))
    code[missing] = MISSING
    inside = ~missing & _within(a, b, box)
    code[inside] = OK
    swapped = ~missing & ~inside & _within(b, a, box)
    code[swapped] = SWAPPED
    return code


def reason(code: int, crs: str, a: float, b: float) -> str:
    """French message for a rejected point."""
    na, nb = ("longitude", "latitude") if crs == INPUT_WGS84 else ("x", "y")
    if code == MISSING:
        return f"coordonnée manquante ({na} ou {nb} vide)"
    if code == SWAPPED:
        if crs == INPUT_WGS84:
            return f"latitude et longitude probablement inversées ({na}={a:g}, {nb}={b:g})"
        return f"x et y probablement inversés (x={a:g}, y={b:g})"
    unit = "" if crs == INPUT_WGS84 else " en Lambert-93"
    return f"point hors de France métropolitaine ({na}={a:g}, {nb}={b:g}{unit})"
