from django.apps import AppConfig


class TerritoiresConfig(AppConfig):
    name = "quartiers.registre.territoires"
    label = "territoires"
    verbose_name = "Territoires"
    default_auto_field = "django.db.models.BigAutoField"
