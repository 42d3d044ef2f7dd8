from django.apps import AppConfig


class GeographieConfig(AppConfig):
    name = "quartiers.web.geographie"
    label = "web_geographie"
    default_auto_field = "django.db.models.BigAutoField"
