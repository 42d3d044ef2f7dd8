"""Server start: load what the pages need before gunicorn forks its workers."""

from __future__ import annotations


def prechauffer() -> None:
    """Load everything the pages need (server start: before forking the workers)."""
    from quartiers.web.fiches.indicateurs import carreaux_par_quartier, uu_carreaux
    from quartiers.web.geodonnees.geojson import (
        contours_geojson,
        departements_contours,
        quartiers_geojson,
    )
    from quartiers.web.geodonnees.listes import MILLESIMES
    from quartiers.web.verification.services import geocodeur, liste

    for m in MILLESIMES:
        liste(m)
        quartiers_geojson(m)
    geocodeur()
    contours_geojson("departement")
    for dep in departements_contours():
        contours_geojson("communes", dep)
    carreaux_par_quartier("2024")
    uu_carreaux()
