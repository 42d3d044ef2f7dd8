"""The examples in the docstrings of ``quartiers`` stay true (doctest on every module that
has some; the Django apps of ``quartiers.web`` and ``quartiers.registre`` are left to their
own tests, as they need settings)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import sys
import threading
from pathlib import Path

import pytest

import quartiers

SKIP = ("quartiers.web", "quartiers.registre")
TIMEOUT = 60  # seconds per module


def modules_with_examples() -> list[str]:
    found = []
    root = Path(quartiers.__file__).parent

    def walk(path: Path, prefix: str) -> None:
        for info in pkgutil.iter_modules([str(path)]):
            name = prefix + info.name
            if name.startswith(SKIP):
                continue
            if info.ispkg:
                source = path / info.name / "__init__.py"
                walk(path / info.name, name + ".")
            else:
                source = path / f"{info.name}.py"
            if source.exists() and ">>>" in source.read_text(encoding="utf-8"):
                found.append(name)

    if ">>>" in (root / "__init__.py").read_text(encoding="utf-8"):
        found.append("quartiers")
    walk(root, "quartiers.")
    return sorted(found)


MODULES = modules_with_examples()


def test_some_modules_have_examples() -> None:
    assert {"quartiers.parameters", "quartiers.delimitation.thresholds",
            "quartiers.io.grid"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    box: dict[str, doctest.TestResults] = {}
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

    def run() -> None:
        box["result"] = doctest.testmod(module, optionflags=flags)

    # in a thread with a time limit: a deadlocked example fails the test, not the suite
    saved = sys.stdout
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(TIMEOUT)
    if worker.is_alive():
        sys.stdout = saved  # doctest swaps stdout while it runs
        pytest.fail(f"{name}: doctests still running after {TIMEOUT} s (deadlock?)")
    result = box["result"]
    assert result.failed == 0, f"{name}: {result.failed} example(s) failed"
