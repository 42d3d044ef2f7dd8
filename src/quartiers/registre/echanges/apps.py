from django.apps import AppConfig


class EchangesConfig(AppConfig):
    name = "quartiers.registre.echanges"
    label = "echanges"
    verbose_name = "Import, export et jeux de données"
    default_auto_field = "django.db.models.BigAutoField"
