"""A Redis cache that a Redis outage cannot break: reads miss, writes are skipped, a warning is logged.

Everything the portal caches can be computed again (pages, counters, session copies: sessions are
`cached_db`, so the database has them), so while Redis is down the portal is slower, not broken.
Short socket timeouts (set in settings) keep a Redis that hangs from holding requests.
"""

import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


def _warn(operation: str, error: Exception) -> None:
    logger.warning("Cache %s skipped, Redis unreachable: %s", operation, error)


class KeptClientRedisCacheClient(RedisCacheClient):
    """Django's client, with one `redis.Redis` kept per connection pool.

    Django makes a new `redis.Redis` for every cache operation, and each one copies redis-py's table of response
    callbacks (some 170 entries): about a quarter of a millisecond, four or five times on a signed-in page
    (docs/performance.md). A `redis.Redis` may be shared by threads (it takes a connection from the pool for each
    command), and the pool itself starts afresh in a forked process, so one per pool is enough.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except REDIS_DOWN as error:
            _warn("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except REDIS_DOWN as error:
            _warn("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except REDIS_DOWN as error:
            _warn("has_key", error)
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except REDIS_DOWN as error:
            _warn("set", error)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except REDIS_DOWN as error:
            _warn("set_many", error)
            return list(data)

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except REDIS_DOWN as error:
            # Fail open, like incr: with nothing shared, a lock or rate limit built on add (allauth's) must not
            # turn every sign-in away while Redis is down.
            _warn("add", error)
            return True

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except REDIS_DOWN as error:
            _warn("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except REDIS_DOWN as error:
            _warn("delete", error)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except REDIS_DOWN as error:
            _warn("delete_many", error)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except REDIS_DOWN as error:
            # A counter that cannot be read counts from zero (rate limits are lenient while Redis is away).
            _warn("incr", error)
            return delta

    def clear(self):
        try:
            return super().clear()
        except REDIS_DOWN as error:
            _warn("clear", error)
            return False
