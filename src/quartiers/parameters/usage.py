"""Which declared parameters no code reads (a parameter nobody reads is a rule that is not
applied, or a leftover).

The package's Python sources outside :mod:`quartiers.parameters` are parsed (``ast``, no
import): a delimitation rule is read as an attribute of the rules (``rules.coefficient``);
a dated parameter by its name as a string (``"eligibilite.tva_distance_qpv"``, or its key
alone when the file part is added by the caller).

>>> "regles.coefficient" in unread()
False
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from quartiers.parameters.catalogue import Catalogue, catalogue

_PACKAGE = Path(__file__).resolve().parents[1]
_OWN = Path(__file__).resolve().parent


@cache
def _names_in_code(root: Path = _PACKAGE) -> tuple[frozenset[str], frozenset[str]]:
    """(attribute names, string constants) of every module under ``root`` but this one."""
    attributes: set[str] = set()
    strings: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        if _OWN in path.parents or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Attribute):
                attributes.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
    return frozenset(attributes), frozenset(strings)


def unread(cat: Catalogue | None = None, root: Path = _PACKAGE) -> list[str]:
    """Names of the declared parameters that the code under ``root`` never reads."""
    cat = cat or catalogue()
    attributes, strings = _names_in_code(root)
    missing = []
    for p in cat.parameters.values():
        if p.fichier == "regles":
            read = p.cle in attributes
        else:
            read = p.nom in strings or p.cle in strings
        if not read:
            missing.append(p.nom)
    return sorted(missing)
