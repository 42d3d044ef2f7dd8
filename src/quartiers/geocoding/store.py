"""The on-disk index: one folder of memory-mapped files, written atomically.

Numeric arrays are ``.npy`` files opened with ``mmap_mode="r"`` (nothing is read until a
query touches it, and the pages are shared between processes); text columns are Arrow IPC
files, memory-mapped too; ``index.json`` says what the index holds. A new index is built in a
hidden sibling folder and renamed into place: a reader never sees a half-written index.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from quartiers.errors import QuartiersError

FORMAT = "quartiers-adresses"
VERSION = 1
META_FILE = "index.json"


@dataclass
class AddressIndex:
    """Arrays of the index (see :mod:`quartiers.geocoding.build` for their meaning)."""

    arrays: dict[str, np.ndarray]
    texts: dict[str, pa.Array]
    meta: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["arrays"][name]
        except KeyError:
            raise AttributeError(name) from None


def write_index(index: AddressIndex, folder: str | Path) -> Path:
    """Write ``index`` into ``folder`` atomically (build beside it, then rename)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        for name, arr in index.arrays.items():
            np.save(staging / f"{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)
        for name, text in index.texts.items():
            table = pa.table({name: text})
            with pa.OSFile(str(staging / f"{name}.arrow"), "wb") as sink, \
                    pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        meta = dict(index.meta, format=FORMAT, version=VERSION)
        (staging / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2),
                                         encoding="utf-8")
        old = None
        if folder.exists():
            old = folder.parent / f".{folder.name}.ancien-{os.getpid()}"
            os.replace(folder, old)
        os.replace(staging, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def read_index(folder: str | Path) -> AddressIndex:
    """Open an index folder (memory-mapped)."""
    folder = Path(folder)
    meta_path = folder / META_FILE
    if not meta_path.is_file():
        raise QuartiersError("aucun index d'adresses ici (index.json absent) : lancez "
                             "« quartiers adresses indexer »", fichier=folder)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise QuartiersError(
            f"index d'adresses d'un autre format ({meta.get('format')} "
            f"v{meta.get('version')}, attendu {FORMAT} v{VERSION}) : reconstruisez-le avec "
            "« quartiers adresses indexer »", fichier=meta_path)
    arrays = {p.stem: np.load(p, mmap_mode="r") for p in sorted(folder.glob("*.npy"))}
    texts = {}
    for p in sorted(folder.glob("*.arrow")):
        table = pa.ipc.open_file(pa.memory_map(str(p), "r")).read_all()
        texts[p.stem] = table.column(0).combine_chunks()
    return AddressIndex(arrays, texts, meta)
