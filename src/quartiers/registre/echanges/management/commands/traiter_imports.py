"""``python -m quartiers.web traiter_imports``: run the waiting register imports (dry runs
and confirmed applications) in this process, for deployments without the built-in worker
thread (``REGISTRE_IMPORTS_INTEGRES=False``)."""

from __future__ import annotations

from quartiers.registre.echanges.travaux import traiter_en_attente
from quartiers.web.travail_en_fond import CommandeTravailleur


class Command(CommandeTravailleur):
    help = ("Traite les imports du registre en attente (essais et applications confirmées). "
            "Tourne en boucle, ou une fois avec --une-fois.")
    travail = staticmethod(traiter_en_attente)
    compte = "{n} import(s) traité(s)."
