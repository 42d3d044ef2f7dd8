"""Helpers shared by the eligibility tests (independent GEOS answers, synthetic sets)."""

from __future__ import annotations

import numpy as np
import shapely

from quartiers.perimeters import PerimeterSet


def reference(ps: PerimeterSet, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Independent answer with plain GEOS: (inside any QPV, signed distance)."""
    pts = shapely.points(x, y)
    union = shapely.union_all(ps.geometry)
    boundaries = shapely.union_all(shapely.boundary(ps.geometry))
    inside = shapely.intersects(union, pts)
    d = shapely.distance(pts, boundaries)
    return inside, np.where(inside, -d, d)


def synthetic_set(geoms: list, codes: list[str] | None = None) -> PerimeterSet:
    n = len(geoms)
    codes = codes or [f"QT{i:05d}" for i in range(n)]
    return PerimeterSet(
        codes=np.array(codes, dtype=object), names=np.array([f"Quartier {c}" for c in codes],
                                                            dtype=object),
        communes=np.array(["99999"] * n, dtype=object), departements=np.array(["99"] * n,
                                                                              dtype=object),
        geometry=np.array(geoms, dtype=object), millesime="test", source="synthétique",
    )


def synthetic_territory(boxes: dict[str, tuple[float, float, float, float]]):  # type: ignore[no-untyped-def]
    """Communes drawn as boxes (synthetic), code -> (xmin, ymin, xmax, ymax) in Lambert-93."""
    from quartiers.eligibility.territory import Territory

    codes = list(boxes)
    return Territory(np.array(codes, dtype=object),
                     np.array([f"Commune {c}" for c in codes], dtype=object),
                     np.array([shapely.box(*boxes[c]) for c in codes], dtype=object),
                     sorted({c[:2] for c in codes}), "synthétique")


def covered_set(geoms: list, covered: list[str], codes: list[str] | None = None) -> PerimeterSet:
    """A synthetic set declared complete for the communes ``covered``."""
    from quartiers.eligibility.coverage import Coverage

    ps = synthetic_set(geoms, codes)
    ps.coverage = Coverage.of_codes(covered, "synthétique")
    return ps
