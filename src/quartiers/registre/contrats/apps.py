from quartiers.registre import apps as registre


class ContratsConfig(registre.AppRegistre):
    name = "quartiers.registre.contrats"
    verbose_name = "Contrats de ville"
