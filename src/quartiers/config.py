"""Where the data lives: one configurable data directory.

``QUARTIERS_DATA`` names it; without it, ``../shared/data`` next to the repository (or to the
current directory) is used when it exists. Every dataset the project reads is declared in
:data:`DATASETS` with its expected location, its producer and where to download it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from quartiers.errors import DonneesManquantes

ENV_VAR = "QUARTIERS_DATA"
VAR_ENV = "QUARTIERS_VAR"


@dataclass(frozen=True)
class Dataset:
    """A dataset the project reads from the data directory."""

    key: str
    path: str
    description: str
    producer: str
    source: str


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "carroyage",
        "filosofi-2019-200m/carreaux_200m_extrait_2019.csv",
        "Filosofi 2019, carreaux de 200 m (extrait)",
        "INSEE",
        "https://www.insee.fr/fr/statistiques/7655475",
    ),
    Dataset(
        "uu_composition",
        "unites-urbaines-2020/UU2020_au_01-01-2023.xlsx",
        "Base des unités urbaines 2020 (composition communale)",
        "INSEE",
        "https://www.insee.fr/fr/information/4802589",
    ),
    Dataset(
        "uu_revenus",
        "filosofi-2018-uu2020/cc_filosofi_2018_UU2020-geo2021.CSV",
        "Filosofi 2018, indicateurs par unité urbaine 2020",
        "INSEE",
        "https://www.insee.fr/fr/statistiques/5055909",
    ),
    Dataset(
        "national_revenus",
        "filosofi-2018-uu2020/cc_filosofi_2018_METRO-geo2021.CSV",
        "Filosofi 2018, France métropolitaine",
        "INSEE",
        "https://www.insee.fr/fr/statistiques/5055909",
    ),
    Dataset(
        "qpv_2024",
        "qpv-2024/qpv-2024-paca-hors-marseille-aix.geojson",
        "Périmètres officiels des QPV 2024 (PACA hors Marseille-Aix)",
        "ANCT",
        "https://www.data.gouv.fr/fr/datasets/quartiers-prioritaires-de-la-politique-de-la-ville-qpv/",
    ),
    Dataset(
        "qpv_2015",
        "qpv-2015/qpv-2015-occitanie-ille-et-vilaine.geojson",
        "Périmètres officiels des QPV 2015 (Occitanie, Ille-et-Vilaine)",
        "ANCT (CGET)",
        "https://www.data.gouv.fr/fr/datasets/quartiers-prioritaires-de-la-politique-de-la-ville-qpv/",
    ),
    Dataset(
        "communes",
        "communes-2018",
        "Contours simplifiés des communes et départements (IGN Admin Express 2018)",
        "IGN",
        "https://github.com/gregoiredavid/france-geojson",
    ),
)


def data_dir() -> Path:
    """Return the data directory (``QUARTIERS_DATA`` or ``../shared/data``).

    Raises :class:`DonneesManquantes` with a French explanation when none can be found.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise DonneesManquantes(
                f"le dossier de données {path} (variable {ENV_VAR}) n'existe pas"
            )
        return path
    here = Path(__file__).resolve()
    candidates = [Path.cwd() / ".." / "shared" / "data", here.parents[3] / "shared" / "data"]
    candidates += [p / "shared" / "data" for p in here.parents]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    raise DonneesManquantes(
        "aucun dossier de données trouvé : définissez la variable "
        f"{ENV_VAR} (par exemple {ENV_VAR}=../shared/data)"
    )


def dataset(key: str) -> Path:
    """Path of dataset ``key`` in the data directory, checked to exist."""
    spec = next((d for d in DATASETS if d.key == key), None)
    if spec is None:
        raise KeyError(key)
    path = data_dir() / spec.path
    if not path.exists():
        raise DonneesManquantes(
            f"jeu de données « {spec.description} » absent : {path} "
            f"(producteur {spec.producer}, à télécharger sur {spec.source})"
        )
    return path


def var_dir() -> Path:
    """The project's working directory for built state (``QUARTIERS_VAR`` or ``<repo>/var``,
    the same folder as the web application's database)."""
    env = os.environ.get(VAR_ENV)
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[2] / "var"
