from django.urls import include, path

from quartiers.registre.financements import views
from quartiers.registre.routes import routes_fiche

#: The pages of one financing line, below ``financements/<int:pk>/``.
une_ligne = [
    path("modifier/", views.modifier_ligne, name="modifier_ligne"),
    path("supprimer/", views.supprimer_ligne, name="supprimer_ligne"),
]

app_name = "financements"
urlpatterns = [
    *routes_fiche(views, nouveau="nouvelle", actions=("supprimer", "historique")),
    path("postes/", views.postes, name="postes"),
    path("<int:action_pk>/financements/ajouter/", views.modifier_ligne, name="ajouter_ligne"),
    path("financements/<int:pk>/", include(une_ligne)),
]
