"""What a perimeter file speaks for: the communes for which it is the complete list.

A perimeter file only says something where it is complete: outside its coverage the honest
answer is "inconnu", never "not in a QPV". Three ways to know the coverage, in this order:

- declared: a ``couverture-communes.csv`` beside the file (``code_commune`` column), or given
  by the user (``--couverture FICHIER``);
- national: an official national file covers its whole territory (``--couverture national``);
- by default, the communes named in the file's features (a user's file of the QPVs of a few
  communes is taken to be complete there, and nowhere else) — every summary says so.

Commune codes are compared as communes: the municipal arrondissements of Paris, Lyon and
Marseille stand for their commune (``13207`` -> ``13055``), as the commune outlines do.

>>> cov = Coverage.of_codes(["06088", "13207"], "test")
>>> cov.covers(np.array(["06088", "13055", "83137"])).tolist()
[True, True, False]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from quartiers.errors import QuartiersError
from quartiers.io.limits import ReadLimits, fr_number
from quartiers.io.readers import open_table
from quartiers.io.urban_units import ARRONDISSEMENTS

COVERAGE_FILE = "couverture-communes.csv"
NATIONAL = "national"

_ARR_CODES = np.array(sorted(ARRONDISSEMENTS), dtype="U5")
_ARR_COMMUNES = np.array([ARRONDISSEMENTS[c] for c in _ARR_CODES], dtype="U5")


def as_communes(codes: np.ndarray) -> np.ndarray:
    """INSEE codes with municipal arrondissements replaced by their commune."""
    codes = np.asarray(codes, dtype="U5")
    if codes.size == 0:
        return codes
    at = np.clip(np.searchsorted(_ARR_CODES, codes), 0, len(_ARR_CODES) - 1)
    return np.where(_ARR_CODES[at] == codes, _ARR_COMMUNES[at], codes)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per set
class Coverage:
    """The communes a perimeter set is the complete list for (``codes`` None: everywhere).

    ``kind`` is ``declaree``, ``nationale`` or ``communes_du_fichier``; ``source`` says in
    French where it comes from, for summaries and pages."""

    codes: np.ndarray | None
    kind: str
    source: str

    @classmethod
    def of_codes(cls, codes: list[str] | np.ndarray, source: str,
                 kind: str = "declaree") -> Coverage:
        clean = np.unique(as_communes(np.asarray([str(c).strip() for c in codes], dtype="U5")))
        return cls(clean[clean != ""], kind, source)

    @classmethod
    def national(cls) -> Coverage:
        return cls(None, "nationale", "fichier national : tout le territoire")

    def covers(self, communes: np.ndarray) -> np.ndarray:
        """Per commune code: is the list complete there?"""
        communes = as_communes(communes)
        if self.codes is None:
            return np.ones(len(communes), dtype=bool)
        if len(self.codes) == 0:
            return np.zeros(len(communes), dtype=bool)
        pos = np.clip(np.searchsorted(self.codes, communes), 0, len(self.codes) - 1)
        return self.codes[pos] == communes

    @property
    def describe(self) -> str:
        """One French line for summaries: what the answers rest on."""
        if self.codes is None:
            return self.source
        n = len(self.codes)
        return f"{fr_number(n)} commune{'s' if n > 1 else ''} ({self.source})"


def coverage_of_grid(grid: object) -> Coverage:
    """The communes whose squares a grid holds: what a delimitation on it speaks for."""
    text = "".join(str(c) for c in np.unique(np.asarray(grid.communes)))  # type: ignore[attr-defined]
    codes = [text[i : i + 5] for i in range(0, len(text) - 4, 5)]
    return Coverage.of_codes(codes, "communes présentes dans le carroyage",
                             kind="communes_du_carroyage")


def coverage_table(coverage: Coverage) -> pd.DataFrame:
    """A coverage as the ``couverture-communes.csv`` table (``code_commune``)."""
    codes = [] if coverage.codes is None else coverage.codes.tolist()
    return pd.DataFrame({"code_commune": codes})


def read_coverage(path: str | Path) -> Coverage:
    """A coverage file: a CSV with a ``code_commune`` column (or a single column of codes)."""
    path = Path(path)
    if not path.exists():
        raise QuartiersError("fichier de couverture introuvable", fichier=path,
                             champ="--couverture")
    source = open_table(path, limits=ReadLimits.for_upload(max_bytes=50 << 20,
                                                           max_rows=200_000))
    names = {c.strip().lower(): c for c in source.columns}
    column = names.get("code_commune") or names.get("code_insee") or names.get("insee_com")
    if column is None:
        if len(source.columns) != 1:
            raise QuartiersError(
                "colonne « code_commune » absente (colonnes : "
                f"{', '.join(source.columns)})", fichier=path, ligne=1, champ="code_commune")
        column = source.columns[0]
    codes: list[str] = []
    for chunk in source:
        if chunk.unreadable:
            line, reason, _ = chunk.unreadable[0]
            raise QuartiersError(reason, fichier=path, ligne=line)
        values = chunk.table.column(column).to_pylist()
        for line, code in zip(chunk.lines.tolist(), values, strict=True):
            text = (code or "").strip()
            if len(text) != 5 or not (text.isdigit() or text[:2] in ("2A", "2B")):
                raise QuartiersError(f"code commune « {text} » invalide (5 caractères INSEE)",
                                     fichier=path, ligne=line, champ=column)
            codes.append(text)
    return Coverage.of_codes(codes, f"{path.name}")


def coverage_for(perimeter_file: Path | None, option: str | None,
                 feature_communes: np.ndarray) -> Coverage:
    """The coverage of a perimeter file: the ``--couverture`` option, else the coverage file
    beside it, else the communes its features name."""
    if option:
        if option.strip().lower() == NATIONAL:
            return Coverage.national()
        return read_coverage(option)
    if perimeter_file is not None:
        beside = perimeter_file.parent / COVERAGE_FILE
        if beside.exists():
            return read_coverage(beside)
    codes = [c for text in feature_communes for c in str(text or "").split(",") if c.strip()]
    return Coverage.of_codes(codes, "par défaut, les communes nommées dans le fichier",
                             kind="communes_du_fichier")
