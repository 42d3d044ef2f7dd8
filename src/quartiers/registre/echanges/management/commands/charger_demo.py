"""``python -m quartiers.web charger_demo``: the demo dataset (données de démonstration), on
top of the real data (territories and ANCT contracts, loaded first when missing)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from quartiers.errors import QuartiersError
from quartiers.registre.contrats.models import ContratDeVille
from quartiers.registre.echanges import demonstration
from quartiers.registre.territoires.models import Region


class Command(BaseCommand):
    help = ("Charge les données de démonstration d'Auvergne-Rhône-Alpes, là seulement où "
            "aucune donnée réelle n'est publiée (contrats Engagements Quartiers 2030, 18 sites "
            "NPNRU d'intérêt national et 33 d'intérêt régional, enveloppe CPER de 89 M€) et les "
            "comptes de démonstration. Charge d'abord les territoires et les contrats réels "
            "de l'ANCT s'ils manquent.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if ContratDeVille.objects.filter(demonstration=True).exists():
            self.stdout.write("Données de démonstration déjà chargées : rien à faire.")
            return
        try:
            if not Region.objects.filter(code=demonstration.REGION,
                                         departements__communes__isnull=False).exists():
                call_command("charger_territoires", stdout=self.stdout)
            if not ContratDeVille.objects.reels().exists():
                call_command("charger_contrats_anct", "--wet-run", stdout=self.stdout)
            demonstration.charger(self.stdout.write)
        except (QuartiersError, ValueError) as e:
            raise CommandError(str(e)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Comptes de démonstration (mot de passe « {demonstration.MOT_DE_PASSE_DEMO} ») : "
            + ", ".join(f"{u} ({d[4]})" for u, d in demonstration.COMPTES.items())))
