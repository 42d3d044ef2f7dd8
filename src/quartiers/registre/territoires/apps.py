from quartiers.registre import apps as registre


class TerritoiresConfig(registre.AppRegistre):
    name = "quartiers.registre.territoires"
    verbose_name = "Territoires"
