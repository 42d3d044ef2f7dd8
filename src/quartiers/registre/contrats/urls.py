from django.urls import path

from quartiers.registre.contrats import views
from quartiers.registre.routes import routes_fiche

app_name = "contrats"
urlpatterns = [
    *routes_fiche(views, actions=("archiver", "desarchiver", "supprimer", "historique",
                                  "renouveler")),
    path("<int:pk>/<str:kind>/ajouter/", views.ajouter_element, name="ajouter_element"),
    path("elements/<str:kind>/<int:pk>/supprimer/", views.supprimer_element,
         name="supprimer_element"),
    path("signataires/<int:pk>/confirmer/", views.confirmer_signataire,
         name="confirmer_signataire"),
]
