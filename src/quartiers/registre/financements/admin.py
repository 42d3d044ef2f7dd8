from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from quartiers.registre.financements.models import Action, LigneFinancement, PosteFinance

admin.site.register(Action, SimpleHistoryAdmin, search_fields=["reference", "intitule"])
admin.site.register(LigneFinancement, SimpleHistoryAdmin)
admin.site.register(PosteFinance, search_fields=["identifiant", "beneficiaire_nom",
                                                 "code_contrat_source"],
                    list_filter=["dispositif", "annee"], raw_id_fields=["contrat"])
