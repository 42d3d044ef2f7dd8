"""Index building from the sources: BAN files (production) or the reference of the data
directory (quick start and tests), with progress and a report of every skipped row."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from quartiers.config import data_dir, var_dir
from quartiers.geocoding.build import IndexBuilder
from quartiers.geocoding.geometry import CommuneOutlines
from quartiers.geocoding.labels import accent_table
from quartiers.geocoding.sources import Rejet, iter_ban, read_reference
from quartiers.geocoding.store import write_index

ENV_INDEX = "QUARTIERS_ADRESSES"

#: progress(message, done, total, rows): French message of the step, done/total in the
#: step's unit (bytes of a file, rows), rows read so far.
Progress = Callable[[str, int, int, int], None]


def default_index_dir() -> Path:
    """Where the embedded index lives: ``QUARTIERS_ADRESSES`` or ``<var>/adresses``."""
    env = os.environ.get(ENV_INDEX)
    return Path(env).expanduser() if env else var_dir() / "adresses"


@dataclass
class BuildReport:
    """What an indexing run did."""

    dossier: Path
    adresses: int = 0
    numeros: int = 0
    voies: int = 0
    communes: int = 0
    secondes: float = 0.0
    rejets: list[Rejet] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def motifs(self) -> Counter[str]:
        """Skipped rows by reason (reasons without their varying values)."""
        return Counter(r.motif.split(" « ")[0].split(" (")[0] for r in self.rejets)


def _outlines(root: Path | None) -> CommuneOutlines:
    folder = root / "communes-2018" if root is not None else None
    return CommuneOutlines(folder)


def build_index(
    ban: Sequence[str | Path] = (),
    reference: bool = False,
    output: str | Path | None = None,
    progress: Progress | None = None,
    root: Path | None = None,
) -> BuildReport:
    """Build the address index from BAN files and/or the reference addresses.

    With neither, the reference of the data directory is used. The commune outlines of the
    data directory (when there is one) give commune entries and place the addresses that
    come without a commune code.
    """
    start = time.perf_counter()
    out = Path(output) if output is not None else default_index_dir()
    if root is None:
        try:
            root = data_dir()
        except Exception:
            if reference or not ban:
                raise
            root = None
    if not ban:
        reference = True
    report = BuildReport(out)
    if progress:
        progress("Contours des communes", 0, 1, 0)
    builder = IndexBuilder(_outlines(root))
    if progress:
        progress("Contours des communes", 1, 1, 0)
    if reference:
        assert root is not None
        ref = read_reference(root)
        accents = accent_table(
            ref.table.column("adresse").to_pylist() + ref.table.column("commune").to_pylist())
        builder.add(ref.table, raw_address=True, accents=accents)
        report.rejets += ref.rejets
        report.sources.append("adresses-reference (adresses réelles hors BAN : 06, 13, 69, "
                              "83, 84, et France services)")
        if progress:
            progress("Adresses de référence", ref.table.num_rows, ref.table.num_rows,
                     builder.n_rows)
    for path in ban:
        path = Path(path)
        label = f"BAN {path.name}"

        def step(done: int, total: int, label: str = label) -> None:
            if progress:
                progress(label, done, total, builder.n_rows)

        for batch in iter_ban(path, report.rejets, step):
            builder.add(batch, raw_address=False)
        report.sources.append(f"BAN {path.name}")
    if progress:
        progress("Écriture de l'index", 0, 1, builder.n_rows)
    index = builder.finish({"sources": report.sources})
    index.meta["rejets"] = len(report.rejets)
    index.meta["motifs_rejets"] = dict(report.motifs())
    write_index(index, out)
    report.adresses = index.meta["adresses"]
    report.numeros = index.meta["numeros"]
    report.voies = index.meta["voies"]
    report.communes = index.meta["communes"]
    report.secondes = time.perf_counter() - start
    if progress:
        progress("Écriture de l'index", 1, 1, builder.n_rows)
    return report
