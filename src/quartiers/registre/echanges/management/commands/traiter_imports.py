"""``python -m quartiers.web traiter_imports``: run the waiting register imports (dry runs
and confirmed applications) in this process, for deployments without the built-in worker
thread (``REGISTRE_IMPORTS_INTEGRES=False``)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from quartiers.registre.echanges.travaux import traiter_en_attente


class Command(BaseCommand):
    help = ("Traite les imports du registre en attente (essais et applications confirmées). "
            "Tourne en boucle, ou une fois avec --une-fois.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--une-fois", action="store_true",
                            help="Traiter ce qui attend puis s'arrêter.")
        parser.add_argument("--pause", type=float, default=2.0,
                            help="Secondes entre deux recherches d'imports en attente.")

    def handle(self, *args: Any, **opts: Any) -> None:
        while True:
            n = traiter_en_attente()
            if n:
                self.stdout.write(f"{n} import(s) traité(s).")
            if opts["une_fois"]:
                return
            time.sleep(max(opts["pause"], 0.1))
