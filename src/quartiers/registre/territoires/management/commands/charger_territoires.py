"""``python -m quartiers.web charger_territoires``: reference territories from the data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from quartiers.errors import QuartiersError
from quartiers.registre.territoires import chargement


class Command(BaseCommand):
    help = ("Charge les régions, départements, communes (INSEE, UU2020), les quartiers "
            "(listes officielles 2015 et 2024 partagées, quartiers calculés par le moteur) "
            "et, avec --epci, les EPCI d'un fichier CSV.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--regions", help="Codes région séparés par des virgules "
                            "(par défaut : toutes).")
        parser.add_argument("--epci", type=Path, help="CSV des EPCI, une ligne par commune "
                            "(colonnes siren;nom;commune[;nature] ou CODGEO;EPCI;LIBEPCI).")
        parser.add_argument("--sans-quartiers", action="store_true",
                            help="Ne pas charger les quartiers.")
        parser.add_argument("--sans-calcul", action="store_true",
                            help="Ne pas calculer les quartiers avec le moteur.")

    def handle(self, *args: Any, **opts: Any) -> None:
        regions = set(opts["regions"].split(",")) if opts.get("regions") else None
        log = self.stdout.write
        try:
            with transaction.atomic():
                chargement.charger_communes(regions, log)
                if not opts["sans_quartiers"]:
                    chargement.charger_quartiers(log, calcules=not opts["sans_calcul"])
                if opts.get("epci"):
                    if not opts["epci"].exists():
                        raise CommandError(f"fichier EPCI introuvable : {opts['epci']}")
                    chargement.charger_epci(opts["epci"].read_bytes(), log)
        except (QuartiersError, ValueError) as e:
            raise CommandError(str(e)) from None
        self.stdout.write(self.style.SUCCESS("Territoires chargés."))
