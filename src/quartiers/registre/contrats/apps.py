from django.apps import AppConfig


class ContratsConfig(AppConfig):
    name = "quartiers.registre.contrats"
    label = "contrats"
    verbose_name = "Contrats de ville"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from quartiers.registre.contrats import signals  # noqa: F401
