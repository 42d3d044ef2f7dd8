from django.urls import path

from quartiers.registre.territoires import views

app_name = "territoires"
urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("territoires/", views.regions, name="regions"),
    path("tableaux/region/<str:code>/", views.tableau_region, name="region"),
    path("tableaux/departement/<str:code>/", views.tableau_departement, name="departement"),
    path("tableaux/epci/<str:siren>/", views.tableau_epci, name="epci"),
    path("tableaux/contrat/<int:pk>/", views.tableau_contrat, name="contrat"),
]
