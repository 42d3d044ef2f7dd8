from django.urls import path

from quartiers.web.carte import views

app_name = "carte"
urlpatterns = [
    path("", views.carte, name="carte"),
    path("contours/departements.geojson", views.departements, name="departements"),
    path("contours/communes/<str:departement>.geojson", views.communes, name="communes"),
]
