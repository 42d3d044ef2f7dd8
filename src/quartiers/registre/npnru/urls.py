from django.urls import path

from quartiers.registre.npnru import views

app_name = "npnru"
urlpatterns = [
    path("", views.liste, name="liste"),
    path("nouveau/", views.modifier, name="nouveau"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.modifier, name="modifier"),
    path("enveloppes/<str:region>/", views.modifier_enveloppe, name="enveloppe"),
]
