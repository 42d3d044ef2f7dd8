from quartiers.registre import apps as registre


class NpnruConfig(registre.AppRegistre):
    name = "quartiers.registre.npnru"
    verbose_name = "Renouvellement urbain (NPNRU)"
