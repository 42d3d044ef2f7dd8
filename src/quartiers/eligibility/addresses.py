"""Addresses to places: what a geocoder found, turned into points the rules can answer.

An address not found, or found with a score under the threshold
(``eligibilite.score_geocodage_minimal``), is not placed at all: its answer is ``inconnu``
with the reason. An address found only at the street or the commune is placed at the
position the geocoder gives with the radius of the disc that holds every known address of
that street or commune: the rules answer it only when the whole disc gets the same answer
(see :mod:`~quartiers.eligibility.answers`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from quartiers.eligibility import answers, coords

GEOCODING_TYPES = ("numero", "rue", "lieudit", "commune")


def _fr(v: float) -> str:
    return f"{v:.2f}".replace(".", ",")


def place_addresses(queries: np.ndarray, geocoder: Any,
                    chk: Any) -> tuple[answers.Place, dict[str, np.ndarray]]:
    """Geocode ``queries`` (free text) and place them; return the place and the geocoding
    columns (``geocodage_lat``, ``geocodage_lon``, ``geocodage_score``,
    ``geocodage_libelle``, ``geocodage_type``)."""
    n = len(queries)
    settings = answers.Settings.on()
    result = geocoder.geocode(queries)
    lat = np.asarray(result.lat, dtype=np.float64)
    lon = np.asarray(result.lon, dtype=np.float64)
    score = np.asarray(result.score, dtype=np.float64)
    kind = np.asarray(result.type, dtype=object)
    label = np.asarray(result.label, dtype=object)
    radius = np.asarray(result.radius_m, dtype=np.float64)
    empty = np.array([not (q or "").strip() for q in queries], dtype=bool) if n else \
        np.zeros(0, bool)
    found = ~empty & np.isfinite(lat) & np.isfinite(lon) & (kind != None)  # noqa: E711
    weak = found & ~(score >= settings.min_score)
    usable = found & ~weak
    category = np.zeros(n, dtype=np.int8)
    category[~found] = answers.INTROUVABLE
    category[weak] = answers.SCORE
    reason = np.full(n, None, dtype=object)
    reason[empty] = "adresse vide"
    reason[~found & ~empty] = "adresse introuvable"
    only_commune = weak & (kind == "commune")
    category[only_commune] = answers.INTROUVABLE
    idx = np.flatnonzero(weak)
    if idx.size:
        reason[idx] = [  # the doubtful addresses only
            f"adresse introuvable : seule la commune « {label[i]} » est reconnue (score "
            f"{_fr(score[i])})" if kind[i] == "commune" else
            f"adresse incertaine : « {label[i]} » trouvée avec un score de {_fr(score[i])}, "
            f"sous le seuil de {_fr(settings.min_score)}" for i in idx]
    x, y = coords.to_lambert93(np.where(usable, lon, np.nan), np.where(usable, lat, np.nan))
    place = chk.locate(x, y, reason)
    place.category = category
    place.radius = np.where(usable & (kind != "numero"), np.nan_to_num(radius, nan=np.inf), 0.0)
    extra = {
        "geocodage_lat": np.where(found, lat, np.nan),
        "geocodage_lon": np.where(found, lon, np.nan),
        "geocodage_score": np.where(found, np.round(score, 3), np.nan),
        "geocodage_libelle": answers.keep(label, found),
        "geocodage_type": answers.keep(kind, found),
    }
    return place, extra
