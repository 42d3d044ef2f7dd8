from django.urls import path

from quartiers.registre.echanges import views

app_name = "echanges"
urlpatterns = [
    path("", views.page, name="accueil"),
    path("importer/", views.importer_vue, name="importer"),
    path("imports/<str:pk>/", views.import_vue, name="import"),
    path("imports/<str:pk>/confirmer/", views.confirmer, name="confirmer"),
    path("imports/<str:pk>/erreurs.csv", views.rapport, name="rapport"),
    path("export/<str:type_>.<str:format_>", views.exporter_vue, name="exporter"),
]
