from django.urls import path

from quartiers.registre.financements import views

app_name = "financements"
urlpatterns = [
    path("", views.liste, name="liste"),
    path("postes/", views.postes, name="postes"),
    path("nouvelle/", views.modifier, name="nouvelle"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.modifier, name="modifier"),
    path("<int:pk>/supprimer/", views.supprimer, name="supprimer"),
    path("<int:pk>/historique/", views.historique, name="historique"),
    path("<int:action_pk>/financements/ajouter/", views.modifier_ligne, name="ajouter_ligne"),
    path("financements/<int:pk>/modifier/", views.modifier_ligne, name="modifier_ligne"),
    path("financements/<int:pk>/supprimer/", views.supprimer_ligne, name="supprimer_ligne"),
]
