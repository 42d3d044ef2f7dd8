from django.apps import AppConfig


class NpnruConfig(AppConfig):
    name = "quartiers.registre.npnru"
    label = "npnru"
    verbose_name = "Renouvellement urbain (NPNRU)"
    default_auto_field = "django.db.models.BigAutoField"
