"""What every app of the register shares: big integer keys, and its ``signals`` module (the
guards of its rules) connected once the app is ready.

Each app's ``apps.py`` imports this module, not the class: Django picks the one
``AppConfig`` subclass it finds in an app's ``apps.py``."""

from __future__ import annotations

from importlib import import_module

from django.apps import AppConfig
from django.utils.module_loading import module_has_submodule


class AppRegistre(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        if module_has_submodule(self.module, "signals"):
            import_module(f"{self.name}.signals")
