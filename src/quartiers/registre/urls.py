"""URLs of the register (mounted under ``/registre/`` by the project's urls)."""

from django.urls import include, path

urlpatterns = [
    path("", include("quartiers.registre.territoires.urls")),
    path("contrats/", include("quartiers.registre.contrats.urls")),
    path("actions/", include("quartiers.registre.financements.urls")),
    path("npnru/", include("quartiers.registre.npnru.urls")),
    path("echanges/", include("quartiers.registre.echanges.urls")),
]
