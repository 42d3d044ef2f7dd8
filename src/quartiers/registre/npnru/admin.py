from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from quartiers.registre.npnru.models import EnveloppeCPER, ProjetNPNRU

admin.site.register(ProjetNPNRU, SimpleHistoryAdmin, search_fields=["reference", "nom"])
admin.site.register(EnveloppeCPER, SimpleHistoryAdmin)
