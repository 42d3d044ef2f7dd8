"""Content-Security-Policy on every response.

Everything the pages load comes from the application itself: scripts, styles, fonts, images,
the GeoJSON fetched by the map and MapLibre's worker (the CSP build of MapLibre loads its
worker from a static file, so no ``blob:`` worker is needed). The only other origin allowed is
the optional base map (``FOND_CARTE_URL``), for its tiles.

No inline script or style runs unless it is known in advance: a template may give an inline
``<script>`` the per-request nonce (``nonce="{{ request.csp_nonce }}"``), and the inline
scripts and ``style="..."`` attributes written literally in the templates (no template
variable inside) are allowed by their SHA-256 hash, computed once from the template files.
What a request injects into a page has neither, and is refused by the browser.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
_STYLE_ATTR = re.compile(r"""\sstyle=(?:"([^"]*)"|'([^']*)')""", re.I)
_TEMPLATE_TAG = re.compile(r"\{[{%#]")


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _template_files() -> list[Path]:
    from django.template import engines

    files: list[Path] = []
    for engine in engines.all():
        for loader in engine.engine.template_loaders:
            for d in loader.get_dirs():
                root = Path(d)
                if root.is_dir():
                    files.extend(root.rglob("*.html"))
    return files


@cache
def empreintes_gabarits() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Hashes of the literal inline scripts and style attributes of every template."""
    scripts: set[str] = set()
    styles: set[str] = set()
    for path in _template_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for m in _SCRIPT.finditer(text):
            attrs, body = m.group("attrs").lower(), m.group("body")
            if "src=" in attrs or "application/json" in attrs or not body.strip():
                continue
            if not _TEMPLATE_TAG.search(body):
                scripts.add(_hash(body))
        for m in _STYLE_ATTR.finditer(text):
            value = m.group(1) if m.group(1) is not None else m.group(2)
            if not _TEMPLATE_TAG.search(value):
                styles.add(_hash(value))
    return tuple(sorted(scripts)), tuple(sorted(styles))


def _origine(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def politique(nonce: str) -> str:
    """The header value for one response."""
    scripts, styles = empreintes_gabarits()
    fond = _origine(getattr(settings, "FOND_CARTE_URL", ""))
    tuiles = f" {fond}" if fond else ""
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", f"'nonce-{nonce}'", *scripts]),
        "style-src": f"'self' 'nonce-{nonce}'",
        "style-src-attr": " ".join(["'unsafe-hashes'", *styles]) if styles else "'none'",
        "img-src": f"'self' data: blob:{tuiles}",
        "font-src": "'self' data:",
        "connect-src": f"'self'{tuiles}",
        "worker-src": "'self'",
        "child-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{k} {v}" for k, v in directives.items())


class CspMiddleware:
    """Gives each request a nonce (``request.csp_nonce``) and each response the policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = politique(nonce)
        return response
