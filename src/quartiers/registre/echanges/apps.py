from quartiers.registre import apps as registre


class EchangesConfig(registre.AppRegistre):
    name = "quartiers.registre.echanges"
    verbose_name = "Import, export et jeux de données"
