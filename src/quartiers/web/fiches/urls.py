from django.urls import path

from quartiers.web.fiches import views

app_name = "fiches"
urlpatterns = [
    path("", views.liste, name="liste"),
    path("<str:code>/", views.fiche, name="fiche"),
]
