from django.apps import AppConfig


class ComptesConfig(AppConfig):
    name = "quartiers.registre.comptes"
    label = "comptes"
    verbose_name = "Comptes et rôles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin

        from quartiers.registre.comptes import permissions, signals  # noqa: F401

        def has_permission(request):  # type: ignore[no-untyped-def]
            # Django admin only for administrators (not merely is_staff).
            return request.user.is_active and permissions.peut_utiliser_admin(request.user)

        admin.site.has_permission = has_permission  # type: ignore[method-assign]
