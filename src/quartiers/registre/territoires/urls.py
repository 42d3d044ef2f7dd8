from django.urls import path

from quartiers.registre.territoires import views

app_name = "territoires"
urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("territoires/", views.regions, name="regions"),
    *(path(f"tableaux/{nom}/<{convertisseur}:{cle}>/", vue, name=nom)
      for nom, convertisseur, cle, vue, _ in views.TABLEAUX),
]
