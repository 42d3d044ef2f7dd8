from django.urls import path

from quartiers.web.accueil import views

app_name = "accueil"
urlpatterns = [
    path("", views.accueil, name="accueil"),
    *(path(route, views.page_du_pied, {"nom": nom, "titre": titre}, name=nom)
      for route, nom, titre in views.PAGES_DU_PIED),
]
