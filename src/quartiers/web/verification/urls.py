from django.urls import path

from quartiers.web.verification import views

app_name = "verification"
urlpatterns = [
    path("", views.point, name="point"),
    path("lots/", views.lots, name="lots"),
    path("lots/<uuid:lot_id>/", views.lot, name="lot"),
    path("lots/<uuid:lot_id>/etat.json", views.etat, name="etat"),
    path("lots/<uuid:lot_id>/<str:quoi>.csv", views.telecharger, name="telecharger"),
]
