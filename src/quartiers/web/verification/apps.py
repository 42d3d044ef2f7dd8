from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "quartiers.web.verification"
    label = "web_verification"
    default_auto_field = "django.db.models.BigAutoField"
