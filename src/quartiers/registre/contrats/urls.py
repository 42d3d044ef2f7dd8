from django.urls import path

from quartiers.registre.contrats import views

app_name = "contrats"
urlpatterns = [
    path("", views.liste, name="liste"),
    path("nouveau/", views.modifier, name="nouveau"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.modifier, name="modifier"),
    path("<int:pk>/archiver/", views.archiver, name="archiver"),
    path("<int:pk>/desarchiver/", views.desarchiver, name="desarchiver"),
    path("<int:pk>/supprimer/", views.supprimer, name="supprimer"),
    path("<int:pk>/historique/", views.historique, name="historique"),
    path("<int:pk>/renouveler/", views.renouveler, name="renouveler"),
    path("<int:pk>/<str:kind>/ajouter/", views.ajouter_element, name="ajouter_element"),
    path("elements/<str:kind>/<int:pk>/supprimer/", views.supprimer_element,
         name="supprimer_element"),
    path("signataires/<int:pk>/confirmer/", views.confirmer_signataire,
         name="confirmer_signataire"),
]
