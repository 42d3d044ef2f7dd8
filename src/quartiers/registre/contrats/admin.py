from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from quartiers.registre.contrats.models import Avenant, ContratDeVille, Engagement, Signataire

admin.site.register(ContratDeVille, SimpleHistoryAdmin, search_fields=["reference", "intitule"],
                    list_filter=["statut", "archive"])
for model in (Signataire, Avenant, Engagement):
    admin.site.register(model, SimpleHistoryAdmin)
