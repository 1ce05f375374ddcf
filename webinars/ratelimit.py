"""A small fixed-window rate limit on Django's cache (Redis in production, shared by all web processes)."""

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    """The client's address. Behind a proxy, WEBINARS_CLIENT_IP_HEADER names the header it sets (e.g. X-Real-IP).

    In a list (X-Forwarded-For) the last address counts: it is the one our proxy added; the ones before it
    come from the client and could be anything.
    """
    header = getattr(settings, "WEBINARS_CLIENT_IP_HEADER", "")
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        if value:
            return value.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one attempt; False once more than `limit` attempts were made within `window` seconds."""
    cache_key = f"ratelimit:{scope}:{key}"
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        count = 1
    return count <= limit
