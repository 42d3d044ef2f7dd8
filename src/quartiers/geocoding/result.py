"""What a geocoder answers: :class:`GeocodeResult`, one row per query, numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

#: Types of answers, finest first (BAN-like: housenumber, street, locality, municipality).
TYPES = ("numero", "rue", "lieudit", "commune")
FIELDS = ("lat", "lon", "score", "label", "type", "citycode", "postcode", "city", "radius_m")


@dataclass(frozen=True)
class GeocodeResult:
    """Answers to n queries, as arrays of length n.

    ``lat``/``lon`` WGS84 (NaN when not found); ``score`` 0..1 (0 when not found); ``label``
    the address found (« 12 Boulevard Pasteur 06000 Nice »); ``type`` ``numero``, ``rue``,
    ``lieudit``, ``commune`` or None; ``citycode`` INSEE code; ``postcode``; ``city``;
    ``radius_m`` the radius (metres) of the disc around the position that holds every known
    address (or the outline) of the street, place or commune found (0 for a house number).
    """

    lat: np.ndarray
    lon: np.ndarray
    score: np.ndarray
    label: np.ndarray
    type: np.ndarray
    citycode: np.ndarray
    postcode: np.ndarray
    city: np.ndarray
    radius_m: np.ndarray

    def __len__(self) -> int:
        return len(self.score)

    @property
    def found(self) -> np.ndarray:
        """True where the query was matched to something."""
        return self.score > 0

    def row(self, i: int) -> dict[str, Any]:
        """Answer ``i`` as a dict (the shape of a :meth:`search` suggestion)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)[i]
            out[f.name] = value.item() if isinstance(value, np.generic) else value
        return out

    @classmethod
    def empty(cls, n: int) -> GeocodeResult:
        """n answers « not found »."""
        none = np.full(n, None, dtype=object)
        return cls(np.full(n, np.nan), np.full(n, np.nan), np.zeros(n), none.copy(),
                   none.copy(), none.copy(), none.copy(), none.copy(), np.full(n, np.nan))

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any] | None]) -> GeocodeResult:
        """Build from one dict (or None: not found) per query."""
        out = cls.empty(len(rows))
        for i, row in enumerate(rows):
            if not row:
                continue
            for name in FIELDS:
                if row.get(name) is not None:
                    getattr(out, name)[i] = row[name]
        return out
