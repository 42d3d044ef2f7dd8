"""Work done outside the requests, shared by the register's imports
(:mod:`quartiers.registre.echanges.travaux`) and the batch lookups
(:mod:`quartiers.web.verification.lots`): a queue of jobs in the database drained one job at
a time, by a daemon thread of the web process or by a dedicated command."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections

log = logging.getLogger(__name__)


class Travail(Protocol):
    pk: Any


T = TypeVar("T", bound=Travail)


def vider_file(nom: str, reserver: Callable[[], T | None], traiter: Callable[[T], object],
               echouer: Callable[[T, str], object]) -> int:
    """Process the jobs ``reserver`` claims until none is left; return how many. A job whose
    processing raises ends through ``echouer(job, message)``: never left running forever."""
    n = 0
    while (job := reserver()) is not None:
        try:
            traiter(job)
        except Exception as e:
            log.exception("%s %s", nom, job.pk)
            echouer(job, f"erreur interne : {e}")
        n += 1
    return n


class TravailleurEnFond:
    """One daemon thread per process that runs ``travail`` until nothing is left, started or
    woken by :meth:`reveiller` (a request that queued a job) unless the setting ``reglage``
    is false. A wake-up during a run makes it run once more; the thread ends when a run
    starts with no wake-up pending."""

    def __init__(self, nom: str, travail: Callable[[], object], reglage: str) -> None:
        self.nom, self.travail, self.reglage = nom, travail, reglage
        self._verrou = threading.Lock()
        self._demande = False
        self._thread: threading.Thread | None = None

    def reveiller(self) -> None:
        if not getattr(settings, self.reglage, True):
            return
        with self._verrou:
            self._demande = True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._tourner, name=self.nom,
                                                daemon=True)
                self._thread.start()

    def _tourner(self) -> None:
        try:
            while True:
                with self._verrou:
                    if not self._demande:
                        self._thread = None
                        return
                    self._demande = False
                try:
                    self.travail()
                except Exception:  # database gone (shutdown): the jobs stay queued
                    log.exception("%s", self.nom)
        finally:
            # the thread ends: its own connections (thread-local) are closed, whatever
            # CONN_MAX_AGE says, so that none is left open on the server
            connections.close_all()

    def attendre(self, timeout: float = 120) -> None:
        """Wait for the running thread (tests)."""
        t = self._thread
        if t is not None:
            t.join(timeout)


class CommandeTravailleur(BaseCommand):
    """A dedicated worker: runs ``travail`` (a :func:`vider_file`) in a loop, or once with
    ``--une-fois``, and says how many jobs each run processed (``compte``, with ``{n}``)."""

    travail: staticmethod[[], int]
    compte: str

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--une-fois", action="store_true",
                            help="Traiter ce qui attend puis s'arrêter.")
        parser.add_argument("--pause", type=float, default=2.0,
                            help="Secondes entre deux recherches de travail en attente "
                                 "(2 par défaut).")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            n = self.travail()
            if n:
                self.stdout.write(self.compte.format(n=n))
            if options["une_fois"]:
                return
            time.sleep(max(options["pause"], 0.1))
