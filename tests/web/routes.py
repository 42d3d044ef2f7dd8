"""Every route of the URLconf, for the probes that must reach each page (a new page joins
them by being routed)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


def toutes_les_routes(resolver: URLResolver | None = None,
                      prefix: str = "") -> list[tuple[str, Any]]:
    """(full route, pattern) of every view, includes walked."""
    out = []
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            out += toutes_les_routes(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append((prefix + str(p.pattern), p))
    return out
