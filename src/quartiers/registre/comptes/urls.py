from django.urls import path

from quartiers.registre.comptes import views

app_name = "comptes"
urlpatterns = [
    path("connexion/", views.Connexion.as_view(), name="connexion"),
    path("deconnexion/", views.Deconnexion.as_view(), name="deconnexion"),
]
