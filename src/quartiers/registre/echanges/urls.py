from django.urls import include, path

from quartiers.registre.echanges import views

#: The pages of one import, below ``imports/<str:pk>/``.
un_import = [
    path("", views.import_vue, name="import"),
    path("confirmer/", views.confirmer, name="confirmer"),
    path("erreurs.csv", views.rapport, name="rapport"),
]

app_name = "echanges"
urlpatterns = [
    path("", views.page, name="accueil"),
    path("importer/", views.importer_vue, name="importer"),
    path("imports/<str:pk>/", include(un_import)),
    path("export/<str:type_>.<str:format_>", views.exporter_vue, name="exporter"),
]
