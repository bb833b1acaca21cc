"""A Redis cache client that stops asking a Redis that does not answer.

The cache only saves work (IGNORE_EXCEPTIONS): when Redis is frozen, each call
waits for the socket timeout and then reads as a miss. A page that reads and
writes several keys (the dashboard: figures, body, burn-up weeks) would wait
that long once per call. After one failed call this client answers every call
of the next few seconds at once, as a miss, then tries Redis again.
"""

import functools
import time

from django.conf import settings
from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted


class FailFastRedisClient(DefaultClient):
    # Per process: every request of a gunicorn worker benefits from one timeout seen.
    _down_until = 0.0

    @classmethod
    def trip(cls) -> None:
        cls._down_until = time.monotonic() + settings.REDIS_CACHE_COOLDOWN_SECONDS

    @classmethod
    def reset(cls) -> None:
        cls._down_until = 0.0

    @staticmethod
    def _check_up() -> None:
        if time.monotonic() < FailFastRedisClient._down_until:
            raise ConnectionInterrupted(connection=None)

    def get_client(self, write: bool = True, tried: list[int] | None = None):
        self._check_up()
        return super().get_client(write=write, tried=tried)

    def get_client_with_index(self, write: bool = True, tried: list[int] | None = None):
        self._check_up()  # set() asks for its client here
        return super().get_client_with_index(write=write, tried=tried)


def _tripping(name: str):
    method = getattr(DefaultClient, name)

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except ConnectionInterrupted:
            FailFastRedisClient.trip()
            raise

    return wrapper


# The calls the portal and its libraries make (django-axes, sessions fall back to the database).
for _name in ("get", "set", "add", "get_many", "set_many", "delete", "delete_many", "incr", "decr", "has_key", "touch"):
    setattr(FailFastRedisClient, _name, _tripping(_name))
