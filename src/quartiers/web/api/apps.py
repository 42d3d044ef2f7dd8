from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "quartiers.web.api"
    label = "web_api"
    default_auto_field = "django.db.models.BigAutoField"
