from quartiers.registre import apps as registre


class ComptesConfig(registre.AppRegistre):
    name = "quartiers.registre.comptes"
    verbose_name = "Comptes et rôles"

    def ready(self) -> None:
        super().ready()
        from django.contrib import admin

        from quartiers.registre.comptes import permissions

        def has_permission(request):  # type: ignore[no-untyped-def]
            # Django admin only for administrators (not merely is_staff).
            return request.user.is_active and permissions.peut_utiliser_admin(request.user)

        admin.site.has_permission = has_permission  # type: ignore[method-assign]
