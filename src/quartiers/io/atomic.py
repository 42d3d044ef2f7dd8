"""Atomic outputs: a failed run leaves no partial file.

Every writer produces its file under a temporary name in the destination directory and
renames it in place once complete; a group of files is committed together by
:class:`AtomicOutputs`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(dest: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; rename it to ``dest`` on success.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("ok")
    >>> (d / "a.txt").read_text()
    'ok'
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=dest.suffix, dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # some writers (GDAL) refuse to overwrite an existing empty file
    try:
        yield tmp
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


class AtomicOutputs:
    """Stage several output files and publish them together.

    Files are written into a hidden staging directory inside ``directory``; :meth:`commit`
    moves them into place. If the block raises, nothing appears in ``directory``.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._staging: Path | None = None
        self._names: list[str] = []

    def __enter__(self) -> AtomicOutputs:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._staging = Path(tempfile.mkdtemp(prefix=".quartiers-", dir=self.directory))
        return self

    def path(self, name: str) -> Path:
        """Staging path for output ``name``."""
        assert self._staging is not None
        self._names.append(name)
        return self._staging / name

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self._staging is not None
        try:
            if exc_type is None:
                for name in self._names:
                    src = self._staging / name
                    if src.exists():
                        os.replace(src, self.directory / name)
        finally:
            for leftover in sorted(self._staging.rglob("*"), reverse=True):
                if leftover.is_dir():
                    leftover.rmdir()
                else:
                    leftover.unlink()
            self._staging.rmdir()
