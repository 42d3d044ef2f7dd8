from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from quartiers.registre.comptes.models import Profil, TentativeConnexion

admin.site.register(Profil, SimpleHistoryAdmin, list_filter=["role"])
admin.site.register(TentativeConnexion, list_display=["identifiant", "adresse_ip", "date"])
