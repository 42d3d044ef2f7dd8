from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from quartiers.registre.contrats.models import PARTIES_DU_CONTRAT, ContratDeVille, TerritoireContrat

admin.site.register(ContratDeVille, SimpleHistoryAdmin, search_fields=["reference", "intitule"],
                    list_filter=["generation", "statut", "archive", "demonstration"])
admin.site.register(TerritoireContrat, list_display=["contrat", "code_departement",
                                                     "population_qpv"])
for model in PARTIES_DU_CONTRAT:
    admin.site.register(model, SimpleHistoryAdmin)
