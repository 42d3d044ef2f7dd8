from django.urls import path

from quartiers.registre.npnru import views
from quartiers.registre.routes import routes_fiche

app_name = "npnru"
urlpatterns = [
    *routes_fiche(views),
    path("enveloppes/<str:region>/", views.modifier_enveloppe, name="enveloppe"),
]
