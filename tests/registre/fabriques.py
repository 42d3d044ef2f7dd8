"""Synthetic register records shared by the register's and the web application's tests: the
two départements and two EPCIs of Auvergne-Rhône-Alpes the tests play in (real codes and
SIRENs, nothing else real)."""

from __future__ import annotations

from typing import Any


def auvergne_rhone_alpes() -> tuple[Any, Any, Any, Any, Any]:
    """(région 84, Rhône, Isère, Métropole de Lyon, Grenoble-Alpes Métropole)."""
    from quartiers.registre.territoires.models import Departement, Epci, Region

    region = Region.objects.create(code="84", nom="Auvergne-Rhône-Alpes")
    d69 = Departement.objects.create(code="69", nom="Rhône", region=region)
    d38 = Departement.objects.create(code="38", nom="Isère", region=region)
    lyon = Epci.objects.create(siren="200046977", nom="Métropole de Lyon", nature="ME",
                               departement=d69)
    grenoble = Epci.objects.create(siren="200040715", nom="Grenoble-Alpes Métropole",
                                   nature="ME", departement=d38)
    return region, d69, d38, lyon, grenoble
