"""Python API: ``quartiers.lookup(...)`` on arrays or a DataFrame, and :class:`Checker`.

Every answer of the project — this API, ``quartiers verifier``, the web pages, the REST API,
the batches — comes from :meth:`Checker.columns`: one code path, one set of rules. Result
columns, per perimeter list (suffixed by the list when several are asked for):

- ``statut``: ``oui``, ``non`` or ``inconnu`` (see :mod:`~quartiers.eligibility.answers`),
  ``motif``: why ``inconnu``, in French (empty otherwise);
- ``qpv_code``, ``qpv_nom``, ``communes``: the QPV containing the point (empty outside);
- ``dans_qpv``: True inside or exactly on a limit, False outside, empty when ``inconnu``;
- ``distance_m``: signed distance in metres to the nearest QPV limit, negative inside,
  rounded to the centimetre;
- ``qpv_proche``, ``distance_proche_m``: the containing QPV (distance 0), else the nearest QPV
  when it lies within ``tolerance`` metres, else empty / NaN;
- ``bande_300m``, ``bande_500m``: the reduced VAT rate bands (CGI art. 278 sexies), True,
  False or empty when unknown;

and once per point: ``commune`` (INSEE code of the commune holding the point, from the
commune outlines of the data directory).

Where perimeters overlap, the first in file order holds the point. Coordinates are checked
against metropolitan France (with Corsica) as :mod:`~quartiers.eligibility.coords` defines it.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from quartiers.eligibility import answers, coords
from quartiers.eligibility.index import PerimeterIndex, QueryResult
from quartiers.errors import DonneesManquantes, QuartiersError
from quartiers.perimeters import PerimeterSet, load_perimeters

RESULT_COLUMNS = (
    "statut", "motif", "qpv_code", "qpv_nom", "communes", "dans_qpv", "distance_m",
    "qpv_proche", "distance_proche_m", "bande_300m", "bande_500m",
)
PLACE_COLUMNS = ("commune",)
#: Column names recognised without options (lower case).
LON_NAMES = ("lon", "longitude", "lng", "long", "lon_wgs84", "longitude_wgs84", "x_wgs84")
LAT_NAMES = ("lat", "latitude", "lat_wgs84", "latitude_wgs84", "y_wgs84")
X_NAMES = ("x", "x_l93", "x_lambert93", "xl93", "coord_x", "coordonnee_x", "x_2154")
Y_NAMES = ("y", "y_l93", "y_lambert93", "yl93", "coord_y", "coordonnee_y", "y_2154")

_PARALLEL_MIN = 65_536
_PART = 262_144
_NO_TERRITORY = object()


def _labels(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index]`` as objects, None where ``index`` is -1 ("no QPV").

    Only the points in or near a QPV are looked up (a few per cent of a batch): taking a
    Python object costs a reference count, and None is what ``np.empty`` already holds."""
    out = np.empty(len(index), dtype=object)
    hit = index >= 0
    if hit.any():
        out[hit] = table[index[hit]]
    return out


def default_territory_or_none() -> Any:
    """The data directory's commune outlines, or None when it has none."""
    from quartiers.eligibility.territory import default_territory

    try:
        return default_territory()
    except DonneesManquantes:
        return None


@dataclass
class Checker:
    """One perimeter set ready for answers (index built once, thread-safe).

    ``territory``: the commune outlines points are placed in (the data directory's by
    default); ``npnru``: codes of the QPVs under a renewal convention, when known (the 500 m
    VAT band can only be answered near those)."""

    perimeters: PerimeterSet
    territory: Any = _NO_TERRITORY
    npnru: Sequence[str] | None = None
    index: PerimeterIndex = field(init=False)

    def __post_init__(self) -> None:
        self.index = PerimeterIndex(self.perimeters)
        ps = self.perimeters
        self._codes = np.asarray(ps.codes, dtype=object)
        self._names = np.asarray(ps.names, dtype=object)
        self._communes = np.asarray(ps.communes, dtype=object)
        if self.territory is _NO_TERRITORY:
            self.territory = default_territory_or_none()
        self._npnru_index: PerimeterIndex | None = None
        if self.npnru is not None:
            keep = np.isin(self._codes, np.asarray(list(self.npnru), dtype=object))
            if keep.any():
                self._npnru_index = PerimeterIndex(_subset(ps, keep))
        self._texts: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._lock = threading.Lock()

    @property
    def millesime(self) -> str:
        return self.perimeters.millesime

    @property
    def label(self) -> str:
        """How the answers name this list (``la liste 2024``)."""
        m = self.perimeters.millesime
        if m in ("2015", "2024"):
            return f"la liste {m}"
        if m == "calcul":
            return "la liste calculée"
        return f"la liste « {Path(self.perimeters.source).stem} »"

    def query(self, x: np.ndarray, y: np.ndarray) -> QueryResult:
        """Raw index answers for Lambert-93 points, on two threads for big arrays."""
        n = len(x)
        workers = min(os.cpu_count() or 1, 2) if n >= _PARALLEL_MIN else 1
        return self.index.query(x, y, workers=workers, part=_PART)

    def locate(self, x: np.ndarray, y: np.ndarray,
               reason: np.ndarray | None = None) -> answers.Place:
        """The :class:`~quartiers.eligibility.answers.Place` of Lambert-93 points (NaN for
        unusable ones, whose French reason is in ``reason``)."""
        n = len(x)
        if reason is None:
            reason = answers.keep("coordonnées inutilisables",
                                  ~(np.isfinite(x) & np.isfinite(y)))
        commune = (self.territory.place(x, y) if self.territory is not None
                   else np.full(n, -1, dtype=np.int64))
        return answers.Place(x, y, reason, commune, self.territory, np.zeros(n))

    def columns(self, x: np.ndarray, y: np.ndarray, tolerance: float = 0.0,
                place: answers.Place | None = None,
                settings: answers.Settings | None = None) -> dict[str, Any]:
        """Result columns (see the module docstring) for Lambert-93 points.

        ``place``: where the points are (shared by several lists; computed when absent)."""
        if not tolerance >= 0:
            raise QuartiersError("la tolérance doit être un nombre de mètres positif ou nul",
                                 champ="--tolerance")
        if place is None:
            place = self.locate(x, y)
        settings = settings or answers.Settings.on()
        r = self.query(x, y)
        inside = r.inside >= 0
        d = np.round(r.distance, 2)
        d += 0.0  # no "-0.0"; in place: fresh memory is slow to touch
        close = inside | ((r.nearest >= 0) & (r.distance <= tolerance))
        proche = np.where(inside, r.inside, np.where(close, r.nearest, -1))
        d_close = np.maximum(d, 0.0)
        d_close[~close] = np.nan
        cov = self._coverage_inputs(place)
        npnru_d = None
        if self._npnru_index is not None:
            q = self._npnru_index.query(x, y)
            npnru_d = np.where(np.isnan(q.distance), np.inf, q.distance)
        decided = answers.decide(
            place=place, inside=r.inside, distance=np.where(np.isnan(d), np.inf, d),
            npnru_distance=npnru_d, settings=settings, **cov)
        # where the list says nothing, the distance to its nearest quartier is no distance
        # to the nearest quartier: leave it out rather than suggest one
        silent = np.isin(decided["_categorie"], answers.SILENT)
        if silent.any():
            d[silent] = np.nan
            d_close[silent] = np.nan
            proche = np.where(silent, -1, proche)
        return {
            "statut": decided["statut"], "motif": decided["motif"],
            "qpv_code": _labels(self._codes, r.inside),
            "qpv_nom": _labels(self._names, r.inside),
            "communes": _labels(self._communes, r.inside),
            "dans_qpv": decided["dans_qpv"],
            "distance_m": d,
            "qpv_proche": _labels(self._codes, proche),
            "distance_proche_m": d_close,
            "bande_300m": decided["bande_300m"], "bande_500m": decided["bande_500m"],
            "_categorie": decided["_categorie"],
        }

    def _coverage_inputs(self, place: answers.Place) -> dict[str, Any]:
        """Per point: is its commune covered, how far is uncovered land, the French texts."""
        n = len(place.x)
        territory = self.territory
        coverage = self.perimeters.coverage
        if territory is None:
            outside = ("le dossier de données n'a pas de contours communaux : impossible de "
                       "situer le point dans une commune")
            return {"covered_commune": np.zeros(n, bool), "uncovered_distance":
                    np.full(n, np.inf), "commune_text": np.full(n, None, object),
                    "uncovered_text": np.full(n, None, object), "outside_text": outside}
        covered, commune_texts, near_texts = self._commune_texts()
        c = place.commune
        where = np.maximum(c, 0)
        in_commune = c >= 0
        if coverage is None:
            d_unc, nearest = np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        else:
            d_unc, nearest = np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
            ask = in_commune & covered[where] & place.usable
            if ask.any():
                d_unc[ask], nearest[ask] = territory.uncovered_distance(
                    coverage, place.x[ask], place.y[ask])
        return {
            "covered_commune": in_commune & covered[where],
            "uncovered_distance": d_unc,
            "commune_text": answers.keep(commune_texts[where], in_commune),
            "uncovered_text": answers.keep(near_texts[np.maximum(nearest, 0)], nearest >= 0),
            "outside_text": ("point hors des communes connues (" + territory.describe()
                             + ") : aucune liste ne peut y répondre"),
        }

    def _commune_texts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per commune of the territory: covered or not, and the reasons naming it."""
        with self._lock:
            if self._texts is None:
                t = self.territory
                coverage = self.perimeters.coverage
                covered = (coverage.covers(t.codes.astype("U5")) if coverage is not None
                           else np.zeros(len(t), dtype=bool))
                names = [f"{nom} ({code})" for nom, code in zip(t.names, t.codes,
                                                                strict=True)]
                where = (coverage.describe if coverage is not None
                         else "aucune couverture déclarée")
                not_covered = np.array(
                    [f"{self.label} ne couvre pas la commune {n} : elle n'y dit rien "
                     f"(couverture : {where})" for n in names], dtype=object)
                margin = answers.Settings.on().commune_margin
                near = np.array(
                    [f"à moins de {margin:g} m de la commune {n}, que {self.label} ne couvre "
                     "pas : les contours communaux sont approximatifs" for n in names],
                    dtype=object)
                self._texts = (covered, not_covered, near)
            return self._texts

    def point(self, lon: float, lat: float, tolerance: float = 0.0,
              crs: str = coords.INPUT_WGS84) -> dict[str, Any]:
        """One point, low latency (no DataFrame): the result columns as plain values, plus
        ``commune`` and ``erreur`` (None when the coordinates could be used)."""
        frame = answer_points(np.array([lon], dtype=float), np.array([lat], dtype=float),
                              [("", self)], crs=coords.normalise_crs(crs),
                              tolerance=tolerance)
        return {k: plain(v[0]) for k, v in frame.items() if not k.startswith("_")}


def plain(v: Any) -> Any:
    """A numpy scalar as a plain Python value, NaN as None (for JSON answers)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and np.isnan(v):
        return None
    return v


def _subset(ps: PerimeterSet, keep: np.ndarray) -> PerimeterSet:
    return PerimeterSet(ps.codes[keep], ps.names[keep], ps.communes[keep],
                        ps.departements[keep], ps.geometry[keep], ps.millesime, ps.source)


_cache: dict[str, Checker] = {}
_cache_lock = threading.Lock()


def checker(perimeters: str | Path | PerimeterSet | Checker = "2024",
            coverage: str | None = None) -> Checker:
    """A :class:`Checker` for a vintage name (``2024``, ``2015``, ``calcul``), a perimeter
    file or folder, or a set (cached by name and coverage)."""
    if isinstance(perimeters, Checker):
        return perimeters
    if isinstance(perimeters, PerimeterSet):
        return Checker(perimeters)
    key = f"{perimeters}|{coverage or ''}"
    with _cache_lock:
        if key not in _cache:
            _cache[key] = Checker(load_perimeters(str(perimeters), coverage=coverage))
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
        return lon, lat, coords.INPUT_WGS84
    cx, cy = find_column(names, X_NAMES), find_column(names, Y_NAMES)
    if cx and cy:
        return cx, cy, None
    raise QuartiersError(
        "colonnes de coordonnées introuvables : attendu lon/lat (WGS84) ou x/y (Lambert-93), "
        "les options --lon/--lat ou --x/--y, ou --adresse COLONNE pour des adresses ; "
        f"colonnes présentes : {', '.join(map(str, names))}"
    )


#: Address columns recognised without options, in the order they are joined.
ADDRESS_PARTS = (
    ("numero", "num", "numero_voie", "no"),
    ("rep", "indice_repetition", "suffixe"),
    ("adresse", "address", "adresse_postale", "adresse_complete", "ligne_adresse",
     "libelle_adresse", "adresse1", "adresse_1", "voie", "nom_voie", "rue", "lib_voie"),
    ("code_postal", "cp", "codepostal", "postcode", "code postal"),
    ("commune", "ville", "city", "nom_commune", "lib_com", "libelle_commune", "localite"),
)


def detect_address_columns(names: Sequence[str]) -> list[str] | None:
    """Address columns (street line, then number, postcode, commune when present) from
    their names; None when no street or address line is recognised.

    >>> detect_address_columns(["id", "Adresse", "Code_Postal", "Commune"])
    ['Adresse', 'Code_Postal', 'Commune']
    >>> detect_address_columns(["numero", "rep", "nom_voie", "code_postal", "nom_commune"])
    ['numero', 'rep', 'nom_voie', 'code_postal', 'nom_commune']
    """
    found = [find_column(names, part) for part in ADDRESS_PARTS]
    if found[2] is None:
        return None
    return [c for c in found if c is not None]


def prepare(a: np.ndarray, b: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate points and project them: ``(x_l93, y_l93, reason_code)``."""
    code = coords.validate(a, b, crs)
    ok = code == coords.OK
    if crs == coords.INPUT_WGS84:
        x, y = coords.to_lambert93(np.where(ok, a, np.nan), np.where(ok, b, np.nan))
    else:
        x, y = np.where(ok, a, np.nan), np.where(ok, b, np.nan)
    return x, y, code


def reasons(code: np.ndarray, crs: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """French reason per point (None for usable ones), built for the rejected points only."""
    out = np.full(len(code), None, dtype=object)
    bad = np.flatnonzero(code != coords.OK)
    if bad.size:
        out[bad] = ["coordonnées inutilisables : " + coords.reason(int(code[i]), crs, a[i], b[i])
                    for i in bad]
    return out


def answer_points(
    a: np.ndarray, b: np.ndarray, checkers: Sequence[tuple[str, Checker]], *, crs: str,
    tolerance: float = 0.0, place: answers.Place | None = None,
) -> dict[str, np.ndarray]:
    """The answer columns of points in one or several lists (``(suffix, checker)`` pairs):
    ``commune``, ``erreur``, then each list's result columns with its suffix.

    The points are placed in their commune once for every list."""
    if place is None:
        x, y, code = prepare(a, b, crs)
        place = checkers[0][1].locate(x, y, reasons(code, crs, a, b))
    territory = checkers[0][1].territory
    out: dict[str, np.ndarray] = {
        "commune": (_labels(territory.codes, place.commune) if territory is not None
                    else np.full(len(place.x), None, dtype=object)),
        "erreur": answers.keep(place.reason, place.category == answers.COORDONNEES),
    }
    for suffix, chk in checkers:
        cols = chk.columns(place.x, place.y, tolerance, place=place)
        out.update({name + suffix: cols[name] for name in (*RESULT_COLUMNS, "_categorie")})
    return out


def _frame(cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """Answer columns as a DataFrame: text columns kept as Python objects (converting a
    million of them to pandas' string type costs more than the whole lookup), nullable
    booleans for the tri-state ones, floats as they are."""
    names = [n for n in cols if not n.startswith("_")]
    texts = {n: cols[n] for n in names if cols[n].dtype == object
             and not n.startswith(("dans_qpv", "bande_"))}
    out = pd.DataFrame(texts, dtype=object, copy=False)
    for name in names:
        if name in texts:
            continue
        values = cols[name]
        if name.startswith(("dans_qpv", "bande_")):
            known = values != None  # noqa: E711
            arr = pd.array(np.where(known, values, False).astype(bool), dtype="boolean")
            arr[~known] = pd.NA
            out[name] = arr
        else:
            out[name] = values
    return out[names]


def lookup(
    data: pd.DataFrame | Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray | None = None,
    *,
    perimeters: str | Path | PerimeterSet | Checker | Sequence[Any] = "2024",
    crs: str = "auto",
    tolerance: float = 0.0,
    x_col: str | None = None,
    y_col: str | None = None,
    suffix: str | None = None,
    perimetres: Any = None,
) -> pd.DataFrame:
    """Is each point in a QPV? Arrays or a DataFrame in, a DataFrame out.

    Parameters
    ----------
    data, y
        ``lookup(lon, lat)`` or ``lookup(x, y, crs="lambert93")``: two arrays of
        coordinates; or ``lookup(df)``: a DataFrame whose coordinate columns are detected
        as in the CLI (or named by ``x_col`` / ``y_col``) and returned with the result
        columns appended.
    perimeters
        ``"2024"``, ``"2015"``, ``"calcul"``, a perimeter file or folder, a
        :class:`~quartiers.perimeters.PerimeterSet`, a :class:`Checker`, or a list of them:
        with several lists, each list's columns get its suffix (``_2024``, ``_2015``).
    crs
        ``auto`` (from the column names, then the values), ``wgs84`` or ``lambert93``.
    tolerance
        Metres: report the nearest QPV within this distance in ``qpv_proche``.
    suffix
        A suffix for the result columns of a single list.

    Returns
    -------
    pandas.DataFrame
        ``commune``, ``erreur`` (why the coordinates could not be used), then the result
        columns of each list (see the module docstring): ``statut`` is ``oui``, ``non``
        or ``inconnu`` with its ``motif``; ``dans_qpv`` is empty when ``inconnu``.

    Examples
    --------
    Nice, outside any quartier; Marseille, where the shared 2024 list says nothing:

    >>> r = lookup([7.2619, 5.3698], [43.7031, 43.2965], perimeters="2024")
    >>> r[["commune", "statut"]].values.tolist()
    [['06088', 'non'], ['13055', 'inconnu']]
    >>> print(r["motif"][1])  # doctest: +ELLIPSIS
    la liste 2024 ne couvre pas la commune Marseille (13055) : elle n'y dit rien ...
    """
    if perimetres is not None:
        warnings.warn("lookup(perimetres=...) : utilisez perimeters=", DeprecationWarning,
                      stacklevel=2)
        perimeters = perimetres
    specs = list(perimeters) if isinstance(perimeters, (list, tuple)) else [perimeters]
    checkers = [checker(p) for p in specs]  # type: ignore[arg-type]
    if len(checkers) == 1:
        pairs = [(suffix or "", checkers[0])]
    else:
        pairs = [(f"_{c.millesime}", c) for c in checkers]
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
    crs = (hint or coords.guess_crs(a, b)) if crs == "auto" else coords.normalise_crs(crs)
    cols = answer_points(a, b, pairs, crs=crs, tolerance=tolerance)
    out = _frame(cols)
    if frame is None:
        return out
    if "commune" in {str(c).strip().lower() for c in frame.columns}:
        out = out.rename(columns={"commune": "commune_insee"})  # the user's column stays
    out.index = frame.index
    return pd.concat([frame, out], axis=1)
