"""A Redis that accepts connections but never answers (frozen) costs a page one
socket timeout, not one per cache call: plan_portal.cache.FailFastRedisClient."""

import socket
import time

import pytest
from django_redis.cache import RedisCache

from plan_portal.cache import FailFastRedisClient

TIMEOUT = 0.3


@pytest.fixture
def frozen_redis_cache():
    # A listening socket nobody accepts from: the kernel completes the connection, no reply ever comes.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    cache = RedisCache(
        f"redis://127.0.0.1:{listener.getsockname()[1]}/0",
        {
            "OPTIONS": {
                "CLIENT_CLASS": "plan_portal.cache.FailFastRedisClient",
                "SOCKET_TIMEOUT": TIMEOUT,
                "SOCKET_CONNECT_TIMEOUT": TIMEOUT,
                "IGNORE_EXCEPTIONS": True,
            }
        },
    )
    FailFastRedisClient.reset()
    yield cache
    FailFastRedisClient.reset()  # the suite's own cache must not read as down
    listener.close()


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_after_one_timeout_the_next_cache_calls_read_as_misses_at_once(frozen_redis_cache, settings):
    settings.REDIS_CACHE_COOLDOWN_SECONDS = 60
    # when the first call meets the frozen Redis, it waits for the socket timeout and reads as a miss
    first, waited = _timed(lambda: frozen_redis_cache.get("figures"))
    assert first is None and waited >= TIMEOUT * 0.9

    # then the page's next calls (a read of two keys, two writes, a read) answer at once
    results, elapsed = _timed(
        lambda: (
            frozen_redis_cache.get_many(["figures", "body"]),
            frozen_redis_cache.set("figures", 1),
            frozen_redis_cache.set("body", "<p>"),
            frozen_redis_cache.get("weeks", "default"),
        )
    )
    assert results == ({}, None, None, "default")
    assert elapsed < TIMEOUT  # without the client: four more timeouts, 1.2 s


def test_once_the_cooldown_is_over_redis_is_asked_again(frozen_redis_cache, settings):
    settings.REDIS_CACHE_COOLDOWN_SECONDS = 0.2
    frozen_redis_cache.get("figures")
    time.sleep(0.25)

    _result, waited = _timed(lambda: frozen_redis_cache.get("figures"))

    assert waited >= TIMEOUT * 0.9  # it tried Redis again (and waited for it)
