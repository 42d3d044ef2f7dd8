from django.urls import path

from quartiers.web.api.base import api

urlpatterns = [path("v1/", api.urls)]
