"""``python -m quartiers.web creer_jeton UTILISATEUR [--nom USAGE]``: create an API token."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from quartiers.web.api.models import JetonApi


class Command(BaseCommand):
    help = "Crée un jeton d'API pour un utilisateur et l'affiche (une seule fois)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("utilisateur")
        parser.add_argument("--nom", default="client machine", help="usage du jeton")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(username=options["utilisateur"])
        except User.DoesNotExist:
            raise CommandError(f"utilisateur « {options['utilisateur']} » inconnu") from None
        _, jeton = JetonApi.creer(user, options["nom"])
        self.stdout.write(jeton)
