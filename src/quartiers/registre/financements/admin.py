from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from quartiers.registre.financements.models import Action, LigneFinancement

admin.site.register(Action, SimpleHistoryAdmin, search_fields=["reference", "intitule"])
admin.site.register(LigneFinancement, SimpleHistoryAdmin)
