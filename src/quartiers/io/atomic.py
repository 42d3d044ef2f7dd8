"""Atomic outputs: a failed or interrupted run leaves no partial file.

Every writer produces its file under a hidden temporary name in the destination directory and
renames it in place once complete; a group of files is committed together by
:class:`AtomicOutputs`. Temporary names carry the writing process's id: a run killed outright
(``kill -9``, power cut) cannot clean up after itself, so the next run writing to the same
place removes the leftovers of processes that no longer exist.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

_TAG = "quartiers"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _temp_name(stem: str, suffix: str = "") -> str:
    return f".{stem}.{_TAG}-{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def remove_leftovers(directory: str | Path, stem: str = "*") -> list[Path]:
    """Delete the temporary files and folders of dead writers in ``directory`` (those of a
    destination named ``stem``, or all); return what was removed."""
    removed: list[Path] = []
    directory = Path(directory)
    if not directory.is_dir():
        return removed
    for path in directory.glob(f".{stem}.{_TAG}-*"):
        try:
            pid = int(path.name.split(f".{_TAG}-", 1)[1].split("-", 1)[0])
        except (IndexError, ValueError):
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    return removed


@contextlib.contextmanager
def atomic_path(dest: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; rename it to ``dest`` on success (a writer
    that decided to write nothing leaves ``dest`` as it was).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("ok")
    >>> (d / "a.txt").read_text(), [p.name for p in d.iterdir()]
    ('ok', ['a.txt'])
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(dest.parent, dest.name)
    # no file is created: some writers (GDAL) refuse to overwrite an existing empty file
    tmp = dest.parent / _temp_name(dest.name, dest.suffix)
    try:
        yield tmp
        if tmp.exists():
            os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


class AtomicOutputs:
    """Stage several output files and publish them together.

    Files are written into a hidden staging directory inside ``directory``; leaving the
    block moves them into place. If the block raises, nothing appears in ``directory``.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._staging: Path | None = None
        self._names: list[str] = []

    def __enter__(self) -> AtomicOutputs:
        self.directory.mkdir(parents=True, exist_ok=True)
        remove_leftovers(self.directory, "sorties")
        self._staging = self.directory / _temp_name("sorties")
        self._staging.mkdir()
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
            shutil.rmtree(self._staging, ignore_errors=True)
