"""The client's address: the one place that decides it (sign-in limits, webinar registration limit).

Behind `TRUSTED_PROXY_COUNT` proxies that each append the address they saw to X-Forwarded-For, the client is
the entry that many hops from the right: the proxies' own entries can be trusted, anything to the left of them
was sent by the client and could be anything. With no trusted proxy (the default) the header is ignored and
the connection's address (REMOTE_ADDR) counts. A missing or garbled entry also falls back to REMOTE_ADDR.
"""

import ipaddress

from django.conf import settings


def _address(value: str) -> str | None:
    """A normalised IP address, or None for anything else ("unknown", "1.2.3.4:80" with a port, junk)."""
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):  # [2001:db8::1]
        value = value[1:-1]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def forwarded_address(forwarded_for: str, trusted_proxies: int) -> str | None:
    """The address `trusted_proxies` hops from the right of an X-Forwarded-For value, or None."""
    if trusted_proxies <= 0 or not forwarded_for:
        return None
    hops = forwarded_for.split(",")
    # Fewer entries than proxies: the request skipped the outer ones; the leftmost was still written by ours.
    return _address(hops[-min(trusted_proxies, len(hops))])


def client_ip(request) -> str:
    """The client's IP address as the outermost trusted proxy saw it; "" when even REMOTE_ADDR is missing."""
    address = forwarded_address(request.META.get("HTTP_X_FORWARDED_FOR", ""), settings.TRUSTED_PROXY_COUNT)
    return address or _address(request.META.get("REMOTE_ADDR", "")) or ""
