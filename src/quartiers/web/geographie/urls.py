from django.urls import path

from quartiers.web.geographie import views

app_name = "geographie"
urlpatterns = [
    path("", views.geographie, name="geographie"),
    path("quartiers.geojson", views.resultat_geojson, name="geojson"),
    path("explications.csv", views.explications_csv, name="explications"),
    path("resultats.zip", views.resultats_zip, name="zip"),
]
