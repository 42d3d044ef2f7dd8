"""``python -m quartiers.web purger_lots``: delete the batch jobs past their retention."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from quartiers.web.verification.lots import purger


class Command(BaseCommand):
    help = ("Supprime les lots de vérification (et leurs fichiers) plus anciens que la durée "
            "de conservation (QUARTIERS_LOTS_CONSERVATION_ANONYMES / _COMPTES, en jours).")

    def handle(self, *args: Any, **options: Any) -> None:
        n = purger()
        self.stdout.write(f"{n} lot(s) supprimé(s)")
