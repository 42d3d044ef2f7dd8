"""The client's address, as seen through the reverse proxies the deployment trusts.

``X-Forwarded-For`` is written by whoever sends the request, so it is ignored unless
``PROXIES_DE_CONFIANCE`` (``QUARTIERS_PROXIES``) says how many reverse proxies of our own
stand in front of the application: each appends the address it received the request from,
so the client is the N-th address from the right. Anything the client put further left is
never used. Login throttling and the public rate limit both key on this address.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def adresse_client(request: Any) -> str:
    """The client's IP address (normalised), or "" when unknown."""
    if request is None:
        return ""
    meta = getattr(request, "META", {})
    remote = str(meta.get("REMOTE_ADDR", "")).strip()
    n = int(getattr(settings, "PROXIES_DE_CONFIANCE", 0) or 0)
    if n > 0:
        chain = [a.strip() for a in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
        chain = [a for a in chain if a]
        # REMOTE_ADDR is the nearest proxy; XFF holds the n-1 other proxies' view, then ours
        hops = [*chain, remote]
        remote = hops[-(n + 1)] if len(hops) > n else hops[0]
    return _normaliser(remote)


def _normaliser(adresse: str) -> str:
    try:
        ip = ipaddress.ip_address(adresse.strip("[]"))
    except ValueError:
        return adresse[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        # one IPv6 host usually owns a whole /64: count it as one client
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
