from django.urls import path

from quartiers.web.accueil import views

app_name = "accueil"
urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("accessibilite/", views.accessibilite, name="accessibilite"),
    path("mentions-legales/", views.mentions, name="mentions"),
    path("donnees-personnelles/", views.donnees, name="donnees"),
    path("plan-du-site/", views.plan, name="plan"),
]
