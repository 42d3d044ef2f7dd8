from django.apps import AppConfig


class AccueilConfig(AppConfig):
    name = "quartiers.web.accueil"
    label = "web_accueil"
    default_auto_field = "django.db.models.BigAutoField"
