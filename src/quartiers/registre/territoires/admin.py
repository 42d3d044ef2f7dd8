from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from quartiers.registre.territoires.models import Commune, Departement, Epci, Quartier, Region

admin.site.register(Region)
admin.site.register(Departement)
admin.site.register(Epci, SimpleHistoryAdmin, search_fields=["nom", "siren"])
admin.site.register(Commune, search_fields=["nom", "code"], raw_id_fields=["epci"])
admin.site.register(Quartier, SimpleHistoryAdmin, search_fields=["code", "nom"],
                    list_filter=["millesime"], raw_id_fields=["communes"])
