"""The geocoder interface over an addok server (the BAN's geocoder, self-hosted or public).

``/search/?q=`` answers one query (GeoJSON), ``/search/csv/`` a batch (CSV in, CSV out, the
``addok-csv`` plugin). addok's types map to ours: housenumber -> ``numero``, street ->
``rue``, locality -> ``lieudit``, municipality -> ``commune``. addok gives no extent: the
radius is 0 for a house number and unknown (NaN) otherwise.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np

from quartiers.errors import QuartiersError
from quartiers.geocoding.result import GeocodeResult

TYPES = {"housenumber": "numero", "street": "rue", "locality": "lieudit",
         "municipality": "commune"}
#: Rows per ``/search/csv/`` request.
CSV_CHUNK = 5_000


class AddokGeocoder:
    """:class:`~quartiers.geocoding.Geocoder` over an addok server at ``url``."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _open(self, request: urllib.request.Request | str) -> bytes:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as e:
            raise QuartiersError(f"le serveur addok {self.url} a répondu {e.code} "
                                 f"({e.reason})") from e
        except (urllib.error.URLError, OSError) as e:
            raise QuartiersError(f"serveur addok injoignable ({self.url}) : "
                                 f"{getattr(e, 'reason', e)}") from e

    def search(self, text: str, limit: int = 5) -> list[dict[str, Any]]:
        """Suggestions from ``/search/``, best first."""
        query = urllib.parse.urlencode({"q": text, "limit": max(1, limit)})
        body = self._open(f"{self.url}/search/?{query}")
        try:
            features = json.loads(body)["features"]
        except (ValueError, KeyError) as e:
            raise QuartiersError(f"réponse illisible du serveur addok {self.url}") from e
        return [_feature(f) for f in features]

    def geocode(self, queries: Sequence[str | None]) -> GeocodeResult:
        """Best answers through ``/search/csv/``, in chunks of :data:`CSV_CHUNK` rows."""
        texts = ["" if q is None else str(q) for q in queries]
        rows: list[dict[str, Any] | None] = []
        for start in range(0, len(texts), CSV_CHUNK):
            rows += self._csv(texts[start:start + CSV_CHUNK])
        return GeocodeResult.from_rows(rows)

    def _csv(self, texts: list[str]) -> list[dict[str, Any] | None]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["q"])
        for t in texts:
            writer.writerow([" ".join(t.split())])
        boundary = uuid.uuid4().hex
        body = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"columns\"\r\n\r\nq\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"delimiter\"\r\n\r\n,\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"data\"; "
            f"filename=\"requetes.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        ).encode() + buffer.getvalue().encode("utf-8") + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            f"{self.url}/search/csv/", data=body, method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        answer = self._open(request).decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(answer))
        out: list[dict[str, Any] | None] = []
        for row in reader:
            out.append(_csv_row(row))
        if len(out) != len(texts):
            raise QuartiersError(f"le serveur addok {self.url} a rendu {len(out)} lignes pour "
                                 f"{len(texts)} adresses")
        return out


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _csv_row(row: dict[str, str]) -> dict[str, Any] | None:
    score = _float(row.get("result_score"))
    if not np.isfinite(score) or not row.get("result_label"):
        return None
    kind = TYPES.get(row.get("result_type", ""))
    return {
        "lat": _float(row.get("latitude")), "lon": _float(row.get("longitude")),
        "score": score, "label": row.get("result_label"), "type": kind,
        "citycode": row.get("result_citycode") or None,
        "postcode": row.get("result_postcode") or None,
        "city": row.get("result_city") or None,
        "radius_m": 0.0 if kind == "numero" else float("nan"),
    }


def _feature(feature: dict[str, Any]) -> dict[str, Any]:
    props = feature.get("properties", {})
    lon, lat = (feature.get("geometry") or {}).get("coordinates", [np.nan, np.nan])[:2]
    kind = TYPES.get(props.get("type", ""))
    return {
        "lat": float(lat), "lon": float(lon), "score": float(props.get("score", 0.0)),
        "label": props.get("label"), "type": kind, "citycode": props.get("citycode"),
        "postcode": props.get("postcode"), "city": props.get("city"),
        "radius_m": 0.0 if kind == "numero" else float("nan"),
    }
