import logging
import os
import socket
import time

import pytest
from django.core.cache import caches

from portal.cache_backends import TolerantRedisCache


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.fixture
def down_cache():
    return TolerantRedisCache(
        f"redis://127.0.0.1:{_closed_port()}/0", {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    )


def test_reads_miss_and_writes_are_skipped_while_redis_is_down(down_cache, caplog):
    caplog.set_level(logging.WARNING, logger="portal.cache_backends")
    started = time.monotonic()

    assert down_cache.get("page", "fallback") == "fallback"
    down_cache.set("page", "html")
    assert down_cache.add("page", "html") is True  # fails open: locks and rate limits let requests through
    assert down_cache.get_many(["a", "b"]) == {}
    assert down_cache.get_or_set("computed", lambda: 42) == 42
    assert down_cache.incr("counter") == 1
    assert down_cache.delete("page") is False
    down_cache.set_many({"a": 1})
    down_cache.delete_many(["a"])

    assert time.monotonic() - started < 10  # refused connections fail at once, not after long timeouts
    assert "Redis unreachable" in caplog.text


def test_errors_other_than_a_lost_connection_are_not_hidden(down_cache, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("django.core.cache.backends.redis.RedisCache.get", broken)
    with pytest.raises(ValueError):
        down_cache.get("page")


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_with_redis_up_it_is_an_ordinary_cache():
    cache = TolerantRedisCache(os.environ["REDIS_URL"], {})
    cache.set("outbox-test-key", {"a": 1}, 30)
    try:
        assert cache.get("outbox-test-key") == {"a": 1}
    finally:
        cache.delete("outbox-test-key")


@pytest.mark.django_db
def test_cached_db_sessions_survive_redis_down(settings):
    settings.CACHES = {
        **settings.CACHES,
        "down": {
            "BACKEND": "portal.cache_backends.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    settings.SESSION_CACHE_ALIAS = "down"
    from django.contrib.sessions.backends.cached_db import SessionStore

    session = SessionStore()
    session["active_organisation_id"] = 5
    session.save()

    loaded = SessionStore(session_key=session.session_key)
    assert loaded["active_organisation_id"] == 5
    caches["down"].close()


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs the real Redis")
def test_one_redis_client_is_kept_per_pool_and_serves_every_operation():
    cache = TolerantRedisCache(os.environ["REDIS_URL"], {"OPTIONS": {"socket_connect_timeout": 0.5}})
    first = cache._cache.get_client("a")
    assert cache._cache.get_client("b", write=True) is first  # one server: reads and writes share the pool
    cache.set("kept-client-test", {"n": 1}, 30)
    assert cache.get("kept-client-test") == {"n": 1}
    assert cache.get_many(["kept-client-test", "missing"]) == {"kept-client-test": {"n": 1}}
    cache.set("kept-client-counter", 1, 30)
    assert cache.incr("kept-client-counter") == 2
    assert cache._cache.get_client("c") is first
    cache.delete_many(["kept-client-test", "kept-client-counter"])


def test_the_kept_client_holds_the_pool_not_a_connection():
    """A refused connection leaves the same client, on the same pool, which makes a new connection for the next
    operation (the fault test stops and starts the real Redis under running web processes: tests/faults)."""
    cache = TolerantRedisCache(
        f"redis://127.0.0.1:{_closed_port()}/0", {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    )
    client = cache._cache.get_client()
    assert cache.get("x", "miss") == "miss"
    assert cache._cache.get_client() is client
    assert client.connection_pool is cache._cache._get_connection_pool(False)
