"""``python -m quartiers.web traiter_lots``: dedicated worker for batch lookup jobs."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from quartiers.web.verification.lots import traiter_en_attente


class Command(BaseCommand):
    help = "Traite les lots de vérification d'adresses en attente (en boucle par défaut)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--une-fois", action="store_true",
                            help="traiter les lots en attente puis s'arrêter")
        parser.add_argument("--pause", type=float, default=2.0,
                            help="secondes entre deux recherches de lots (défaut 2)")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            n = traiter_en_attente()
            if n:
                self.stdout.write(f"{n} lot(s) traité(s)")
            if options["une_fois"]:
                return
            time.sleep(options["pause"])
