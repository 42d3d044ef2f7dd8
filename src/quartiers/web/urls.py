"""Root URL configuration; each app adds its own ``urls`` module below."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
    # register apps' urls are included below this line
    # web application apps' urls are included below this line
]
