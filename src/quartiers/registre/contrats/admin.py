from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from quartiers.registre.contrats.models import (
    Avenant,
    ContratDeVille,
    Engagement,
    Priorite,
    ProjetQuartier,
    RevueAnnuelle,
    Signataire,
    TerritoireContrat,
)

admin.site.register(ContratDeVille, SimpleHistoryAdmin, search_fields=["reference", "intitule"],
                    list_filter=["generation", "statut", "archive", "demonstration"])
admin.site.register(TerritoireContrat, list_display=["contrat", "code_departement",
                                                     "population_qpv"])
for model in (Signataire, Avenant, Engagement, Priorite, ProjetQuartier, RevueAnnuelle):
    admin.site.register(model, SimpleHistoryAdmin)
