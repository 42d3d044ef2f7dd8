"""A batch run in a separate process, under memory and time limits.

The web server never reads a user's file in its own process: a file that would make a parser
allocate without bound, or a native library abort, only ends this child. The job then fails
once, with its reason, and the server goes on. The child is :func:`~quartiers.eligibility.
batch.verify_file` itself — the same code as ``quartiers verifier`` — fed with a JSON job on
its standard input; it reports progress and its summary as JSON lines on standard output.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from quartiers.errors import QuartiersError
from quartiers.io.limits import ReadLimits

Progress = Callable[[int, int, int], None]  # done, total, rows so far


class EchecIsole(QuartiersError):
    """The isolated run failed: the file was refused, or the child ran out of resources."""


@dataclass
class Job:
    """What the child runs: ``verify_file`` arguments that JSON can carry."""

    entree: str
    sortie: str
    erreurs: str
    perimetres: list[str]
    nom: str = ""
    tolerance: float = 0.0
    limits: dict[str, Any] = field(default_factory=dict)
    memory_bytes: int = 3 << 30
    seconds: float = 900.0
    chunk_rows: int = 100_000
    block_bytes: int = 4 << 20
    adresse: list[str] | str | None = "auto"  # address columns, or "auto" (see verify_file)
    geocodeur: str | None = None  # None: the embedded geocoder


def run(job: Job, progress: Progress | None = None) -> dict[str, Any]:
    """Run ``job`` in a child process; return its summary (``Summary`` as a dict).

    Raises :class:`EchecIsole` with a French reason when the file is refused or the child
    dies (memory, time, crash)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "quartiers.eligibility.isolated"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        text=True, encoding="utf-8", start_new_session=True,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(json.dumps(asdict(job)))
    proc.stdin.close()
    stderr: list[str] = []
    err_stream = proc.stderr
    reader = threading.Thread(target=lambda: stderr.append(err_stream.read()), daemon=True)
    reader.start()
    timer = threading.Timer(job.seconds + 30, _kill, args=(proc,))
    timer.start()
    summary: dict[str, Any] | None = None
    refusal: str | None = None
    try:
        for line in proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "progres" in msg and progress is not None:
                progress(*msg["progres"])
            elif "resume" in msg:
                summary = msg["resume"]
            elif "erreur" in msg:
                refusal = msg["erreur"]
        proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            _kill(proc)
            proc.wait()
    reader.join(5)
    if proc.returncode == 0 and summary is not None:
        return summary
    if refusal:
        raise EchecIsole(refusal)
    if proc.returncode is not None and proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        reason = ("durée maximale dépassée" if name == "SIGKILL"
                  else f"arrêt anormal du traitement ({name})")
        raise EchecIsole(f"fichier non traité : {reason}")
    tail = "".join(stderr).strip().splitlines()[-1:] or [""]
    raise EchecIsole(f"fichier non traité : erreur interne ({tail[0][:200]})")


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _limit_resources(memory_bytes: int, seconds: float) -> None:
    import resource

    if memory_bytes > 0:
        # the data segment (what the process allocates), not the address space: the
        # address index and the numba cache are mapped files that the limit must not count
        resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))
    if seconds > 0:
        cpu = int(seconds * 2) + 10  # two threads; the parent also enforces wall time
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


def _emit(**msg: Any) -> None:
    sys.stdout.write(json.dumps(msg, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def child() -> int:
    """The child's side: read the job, set the limits, run, report."""
    job = Job(**json.loads(sys.stdin.read()))
    _limit_resources(job.memory_bytes, job.seconds)
    last = [0.0]

    def progress(done: int, total: int, rows: int) -> None:
        now = time.monotonic()
        if now - last[0] > 0.5:
            last[0] = now
            _emit(progres=[done, total, rows])

    try:
        from quartiers.eligibility.api import checker
        from quartiers.eligibility.batch import verify_file

        limits = ReadLimits(**job.limits)
        checkers = [("" if len(job.perimetres) == 1 else f"_{p}", checker(p))
                    for p in job.perimetres]
        def geocoder() -> object:
            from quartiers.geocoding import open_geocoder

            return open_geocoder(job.geocodeur)

        summary = verify_file(
            job.entree, job.sortie, checkers, erreurs=job.erreurs, tolerance=job.tolerance,
            address=job.adresse, geocoder=geocoder, chunk_rows=job.chunk_rows,
            block_bytes=job.block_bytes, progress=progress, limits=limits, name=job.nom,
            bom=True,
        )
    except QuartiersError as e:
        _emit(erreur=e.message_complet())
        return 2
    except MemoryError:
        _emit(erreur="fichier non traité : mémoire insuffisante (fichier trop gros ou "
                     "piégé)")
        return 3
    result = {f.name: getattr(summary, f.name) for f in dataclasses.fields(summary)}
    result["motifs"] = dict(summary.motifs)
    result["statuts"] = {k: dict(v) for k, v in summary.statuts.items()}
    _emit(resume=result)
    return 0


if __name__ == "__main__":
    sys.exit(child())
