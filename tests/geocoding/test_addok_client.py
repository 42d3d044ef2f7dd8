"""The addok client against a tiny real HTTP server started by the test, which serves
RECORDED addok-format answers (the shape of addok 1.x ``/search/`` and addok-csv's
``/search/csv/``), and checks what the client sends."""

from __future__ import annotations

import csv
import io
import json
import threading
import typing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from quartiers.errors import QuartiersError
from quartiers.geocoding import open_geocoder

FEATURE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [7.279931, 43.714181]},
    "properties": {"label": "12 Boulevard Pasteur 06000 Nice", "score": 0.9731,
                   "housenumber": "12", "type": "housenumber", "name": "12 Boulevard Pasteur",
                   "postcode": "06000", "citycode": "06088", "city": "Nice"},
}
STREET = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [7.2801, 43.7139]},
    "properties": {"label": "Boulevard Pasteur 06000 Nice", "score": 0.71, "type": "street",
                   "postcode": "06000", "citycode": "06088", "city": "Nice"},
}
CSV_HEAD = ["q", "latitude", "longitude", "result_label", "result_score", "result_score_next",
            "result_type", "result_id", "result_housenumber", "result_name", "result_street",
            "result_postcode", "result_city", "result_context", "result_citycode",
            "result_oldcitycode", "result_oldcity", "result_district", "result_status"]


class Recorded(BaseHTTPRequestHandler):
    seen: typing.ClassVar[list[tuple[str, bytes]]] = []

    def log_message(self, *args):  # silence
        pass

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.seen.append((self.path, b""))
        if not self.path.startswith("/search/?"):
            self.send_error(404)
            return
        body = {"type": "FeatureCollection", "features": [FEATURE, STREET]}
        self._send(json.dumps(body).encode(), "application/json")

    def do_POST(self):
        data = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((self.path, data))
        text = data.decode()
        csv_part = text.split("Content-Type: text/csv\r\n\r\n", 1)[1].rsplit("\r\n--", 1)[0]
        queries = [r["q"] for r in csv.DictReader(io.StringIO(csv_part))]
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(CSV_HEAD)
        for q in queries:
            if "pasteur" in q.lower():
                w.writerow([q, "43.714181", "7.279931", "12 Boulevard Pasteur 06000 Nice",
                            "0.9731", "", "housenumber", "06088_1234_00012", "12",
                            "12 Boulevard Pasteur", "Boulevard Pasteur", "06000", "Nice",
                            "06, Alpes-Maritimes", "06088", "", "", "", "ok"])
            else:
                w.writerow([q] + [""] * (len(CSV_HEAD) - 2) + ["not-found"])
        self._send(out.getvalue().encode(), "text/csv")


@pytest.fixture
def addok_server():
    Recorded.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_search_maps_types_and_fields(addok_server):
    g = open_geocoder(f"addok:{addok_server}")
    found = g.search("12 bd pasteur nice", limit=2)
    assert [f["type"] for f in found] == ["numero", "rue"]
    assert found[0]["lat"] == 43.714181 and found[0]["lon"] == 7.279931
    assert found[0]["radius_m"] == 0.0 and np.isnan(found[1]["radius_m"])
    assert found[0]["citycode"] == "06088" and found[0]["score"] == 0.9731
    path = Recorded.seen[0][0]
    assert path.startswith("/search/?") and "q=12+bd+pasteur+nice" in path and "limit=2" in path


def test_geocode_batches_through_csv(addok_server, monkeypatch):
    monkeypatch.setattr("quartiers.geocoding.addok.CSV_CHUNK", 2)
    g = open_geocoder(f"addok:{addok_server}")
    res = g.geocode(["12 bd Pasteur Nice", "nulle part", None, "12 BOULEVARD PASTEUR"])
    assert list(res.type) == ["numero", None, None, "numero"]
    assert list(res.score) == [0.9731, 0.0, 0.0, 0.9731]
    assert np.isnan(res.lat[1]) and res.lat[0] == 43.714181
    assert len([p for p, _ in Recorded.seen if p == "/search/csv/"]) == 2


def test_unreachable_server_is_a_french_error():
    g = open_geocoder("addok:http://127.0.0.1:9")
    with pytest.raises(QuartiersError, match="injoignable"):
        g.search("x")
