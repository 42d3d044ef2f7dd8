"""``python -m quartiers.web traiter_lots``: dedicated worker for batch lookup jobs."""

from __future__ import annotations

from quartiers.web.travail_en_fond import CommandeTravailleur
from quartiers.web.verification.lots import traiter_en_attente


class Command(CommandeTravailleur):
    help = "Traite les lots de vérification d'adresses en attente (en boucle par défaut)."
    travail = staticmethod(traiter_en_attente)
    compte = "{n} lot(s) traité(s)"
