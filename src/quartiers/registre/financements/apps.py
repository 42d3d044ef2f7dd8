from quartiers.registre import apps as registre


class FinancementsConfig(registre.AppRegistre):
    name = "quartiers.registre.financements"
    verbose_name = "Actions et crédits"
