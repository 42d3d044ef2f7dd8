from django.urls import path

from quartiers.web.carte import views

app_name = "carte"
urlpatterns = [
    path("", views.carte, name="carte"),
    path("contours/<str:couche>.geojson", views.contours, name="contours"),
]
