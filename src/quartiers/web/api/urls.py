from django.urls import path

from quartiers.web.api.views import api

urlpatterns = [path("v1/", api.urls)]
