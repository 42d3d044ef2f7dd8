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

import fcntl
import inspect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from quartiers.geocoding.result import GeocodeResult

if TYPE_CHECKING:
    from quartiers.geocoding.indexing import Progress

__all__ = ["GeocodeResult", "Geocoder", "open_geocoder"]


class Geocoder(Protocol):
    """What every backend offers."""

    def geocode(self, queries: Sequence[str | None]) -> GeocodeResult:
        """Best answer to each query (free-text addresses)."""
        ...

    def search(self, text: str, limit: int = 5) -> list[dict[str, Any]]:
        """Suggestions for a text being typed, best first."""
        ...


@contextmanager
def _building(folder: Path) -> Iterator[None]:
    """One builder at a time for a folder (web workers may all start on an empty one)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.verrou", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _progress(progress: Callable[..., None] | None) -> Progress | None:
    """``progress(message, done, total, rows)``, or ``progress(message)`` told once per step
    in a French sentence."""
    if progress is None:
        return None
    try:
        params = inspect.signature(progress).parameters.values()
        arity = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
        varargs = any(p.kind == p.VAR_POSITIONAL for p in params)
    except (TypeError, ValueError):
        arity, varargs = 4, False
    if arity >= 4 or varargs:
        return progress
    told: set[str] = set()

    def tell(message: str, done: int, total: int, rows: int) -> None:
        if message not in told:
            told.add(message)
            progress(f"Index d'adresses (première utilisation) : {message.lower()}…")

    return tell


def open_geocoder(spec: str | Path | None = None,
                  progress: Progress | Callable[[str], None] | None = None,
                  workers: int = 2) -> Geocoder:
    """Open a geocoder.

    - ``None``: the embedded index at its default location (``QUARTIERS_ADRESSES``, or
      ``<var>/adresses``); when none exists yet it is built from the reference addresses of
      the data directory, ``progress(message, done, total, rows)`` (or ``progress(message)``)
      being told how it goes (several processes starting together build it once);
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
        with _building(folder):
            if not (folder / META_FILE).is_file():
                build_index(reference=True, output=folder, progress=_progress(progress))
    return EmbeddedGeocoder(folder, workers=workers)
