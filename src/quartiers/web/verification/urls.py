from django.urls import include, path

from quartiers.web.verification import views

#: The pages of one batch, below ``lots/<uuid:lot_id>/``.
un_lot = [
    path("", views.lot, name="lot"),
    path("etat.json", views.etat, name="etat"),
    path("<str:quoi>.csv", views.telecharger, name="telecharger"),
]

app_name = "verification"
urlpatterns = [
    path("", views.point, name="point"),
    path("lots/", views.lots, name="lots"),
    path("lots/<uuid:lot_id>/", include(un_lot)),
]
