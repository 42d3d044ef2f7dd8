from django.apps import AppConfig


class FichesConfig(AppConfig):
    name = "quartiers.web.fiches"
    label = "web_fiches"
    default_auto_field = "django.db.models.BigAutoField"
