"""Refuse requests carrying a NUL character, before any view reads them.

PostgreSQL text cannot hold NUL (``\\x00``): a NUL in a URL, a query string or a form or JSON
body reaching a database query ends in a server error there (SQLite takes it silently). No
legitimate input of the application contains one, so the request is refused with a 400 and a
French message (JSON under ``/api/``). Only bodies the framework itself parses into fields
(URL-encoded forms, JSON) are looked at, and only within Django's in-memory size limit;
uploaded files are the file readers' business.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse

MESSAGE = "requête refusée : elle contient un caractère nul (code 0), interdit dans une saisie"


def _contient_nul(request: HttpRequest) -> bool:
    meta = request.META
    if "\x00" in request.path or b"\x00" in unquote_to_bytes(meta.get("QUERY_STRING", "")):
        return True
    kind = meta.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if kind not in ("application/json", "application/x-www-form-urlencoded"):
        return False
    try:
        size = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    if not 0 < size <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return False
    body = request.body
    if kind == "application/json":
        return b"\x00" in body or b"\\u0000" in body
    return b"\x00" in unquote_to_bytes(body.replace(b"+", b" "))


class RefusCaractereNul:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _contient_nul(request):
            if request.path.startswith("/api/"):
                return HttpResponse(
                    json.dumps({"code": "requete_invalide", "message": MESSAGE},
                               ensure_ascii=False),
                    status=400, content_type="application/json; charset=utf-8")
            return HttpResponse(MESSAGE, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
