from django.apps import AppConfig


class CarteConfig(AppConfig):
    name = "quartiers.web.carte"
    label = "web_carte"
    default_auto_field = "django.db.models.BigAutoField"
