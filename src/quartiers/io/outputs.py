"""Writers for the published formats, each atomic (temporary file, then rename)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from quartiers.io.atomic import atomic_path

WGS84 = "EPSG:4326"


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV, comma-separated, no index."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, encoding="utf-8")


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """RFC 7946 GeoJSON: EPSG:4326, longitude first, counter-clockwise outer rings."""
    out = gdf.to_crs(WGS84) if gdf.crs is not None else gdf
    with atomic_path(path) as tmp:
        out.to_file(  # the layer is named after the file, not its temporary name
            tmp, driver="GeoJSON", engine="pyogrio", layer=Path(path).stem,
            layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": "7"},
        )


def write_gpkg(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """GeoPackage, in the frame's own CRS."""
    with atomic_path(path) as tmp:
        gdf.to_file(tmp, driver="GPKG", layer=layer, engine="pyogrio")


def write_geoparquet(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """GeoParquet 1.x (geometry as WKB, CRS in metadata)."""
    with atomic_path(path) as tmp:
        gdf.to_parquet(tmp, index=False)


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)


def write_json(data: Any, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), "utf-8")


def write_text(text: str, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, "utf-8")
