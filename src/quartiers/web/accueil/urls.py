from django.urls import path

from quartiers.web.accueil import views

app_name = "accueil"
urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("accessibilite/", views.accessibilite, name="accessibilite"),
]
