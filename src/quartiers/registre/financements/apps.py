from django.apps import AppConfig


class FinancementsConfig(AppConfig):
    name = "quartiers.registre.financements"
    label = "financements"
    verbose_name = "Actions et crédits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from quartiers.registre.financements import signals  # noqa: F401
