"""Address geocoding, offline: free-text French addresses -> positions, scores, types.

A small core in the spirit of addok, compiled instead of backed by Redis:

- :mod:`~quartiers.geocoding.text` — normalisation of queries and names (pyarrow, vectorised);
- :mod:`~quartiers.geocoding.lexicon` — street types, abbreviations, number words;
- :mod:`~quartiers.geocoding.sources` — BAN files (streamed), the reference addresses;
- :mod:`~quartiers.geocoding.build`, :mod:`~quartiers.geocoding.geometry`,
  :mod:`~quartiers.geocoding.store` — the index (radii from outlines and addresses) and its
  memory-mapped folder; :mod:`~quartiers.geocoding.indexing` — building it from the sources;
- :mod:`~quartiers.geocoding.kernels`, :mod:`~quartiers.geocoding.engine` — matching and
  scoring (numba), :class:`EmbeddedGeocoder`;
- :mod:`~quartiers.geocoding.addok` — the same interface over an addok server.

``open_geocoder()`` gives the embedded geocoder (building its index from the data directory
the first time), ``open_geocoder("addok:http://...")`` an addok server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from quartiers.geocoding.result import GeocodeResult

__all__ = ["GeocodeResult", "Geocoder", "open_geocoder"]


class Geocoder(Protocol):
    """What every backend offers."""

    def geocode(self, queries) -> GeocodeResult:  # type: ignore[no-untyped-def]
        """Best answer to each query (a sequence of free-text strings)."""

    def search(self, text: str, limit: int = 5) -> list[dict]:
        """Suggestions for a text being typed, best first."""


def open_geocoder(spec: str | Path | None = None, progress=None, workers: int = 2
                  ) -> Geocoder:  # type: ignore[no-untyped-def]
    """Open a geocoder.

    - ``None``: the embedded index at its default location (``QUARTIERS_ADRESSES``, or
      ``<var>/adresses``); when none exists yet it is built from the reference addresses of
      the data directory, ``progress(message, done, total, rows)`` being told how it goes;
    - ``"addok:URL"``: an addok server (``/search/`` and ``/search/csv/``);
    - a folder: an index built by ``quartiers adresses indexer --sortie``.
    """
    from quartiers.geocoding.engine import EmbeddedGeocoder
    from quartiers.geocoding.indexing import build_index, default_index_dir
    from quartiers.geocoding.store import META_FILE

    if isinstance(spec, str) and spec.startswith("addok:"):
        from quartiers.geocoding.addok import AddokGeocoder

        return AddokGeocoder(spec[len("addok:"):])
    folder = Path(spec) if spec is not None else default_index_dir()
    if spec is None and not (folder / META_FILE).is_file():
        build_index(reference=True, output=folder, progress=progress)
    return EmbeddedGeocoder(folder, workers=workers)
