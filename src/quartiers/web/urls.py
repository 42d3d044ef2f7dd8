"""Root URL configuration; each app adds its own ``urls`` module below."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # register apps' urls are included below this line
    path("", include("quartiers.registre.comptes.urls")),
    path("registre/", include("quartiers.registre.urls")),
    # web application apps' urls are included below this line
    path("", include("quartiers.web.accueil.urls")),
    path("carte/", include("quartiers.web.carte.urls")),
    path("quartiers/", include("quartiers.web.fiches.urls")),
    path("geographie/", include("quartiers.web.geographie.urls")),
    path("verifier/", include("quartiers.web.verification.urls")),
    path("api/", include("quartiers.web.api.urls")),
]

handler404 = "quartiers.web.accueil.views.erreur_404"
handler500 = "quartiers.web.accueil.views.erreur_500"
