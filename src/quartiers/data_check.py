"""Light checks that each dataset is present and readable (``quartiers donnees``)."""

from __future__ import annotations

from pathlib import Path

from quartiers.config import Dataset
from quartiers.errors import QuartiersError


def check_dataset(root: Path, spec: Dataset) -> tuple[bool, str]:
    """(ok, French detail) for one dataset."""
    path = root / spec.path
    if not path.exists():
        return False, f"absent : {path}"
    try:
        if spec.key == "carroyage":
            from quartiers.io.grid import read_grid

            grid = read_grid(path)
            return True, f"{len(grid)} carreaux, {grid.ind.sum():,.0f} habitants".replace(",", " ")
        if spec.key == "uu_composition":
            from quartiers.io.urban_units import read_composition

            communes, uu, *_ = read_composition(path)
            return True, f"{len(communes)} communes, {len(set(uu.tolist()))} unités urbaines"
        if spec.key == "uu_revenus":
            from quartiers.io.urban_units import read_uu_incomes

            return True, f"{len(read_uu_incomes(path))} unités urbaines avec revenus"
        if spec.key == "national_revenus":
            from quartiers.io.urban_units import read_national_median

            return True, f"médiane nationale {read_national_median(path):.0f} EUR"
        if spec.key in ("qpv_2024", "qpv_2015"):
            import pyogrio

            info = pyogrio.read_info(path)
            return True, f"{info['features']} périmètres"
        if spec.key == "communes":
            files = sorted(path.glob("communes-*.geojson"))
            if not files:
                return False, "aucun fichier communes-*.geojson"
            return True, f"{len(files)} départements"
    except QuartiersError as e:
        return False, e.message_complet()
    except Exception as e:  # unreadable file of any kind
        return False, f"illisible : {e}"
    return True, "présent"
