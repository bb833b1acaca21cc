"""/healthz: is the portal able to serve? Cheap, no sign-in, no session.

Each check is bounded in time (HEALTHZ_TIMEOUT_SECONDS for Redis, the same
as a statement timeout for the database), so a frozen Redis or database makes
the answer "degraded" or "down" quickly instead of hanging the probe.
"""

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

OK, DOWN, IN_PROCESS = "ok", "down", "in-process"


def check_database() -> str:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                timeout_ms = int(settings.HEALTHZ_TIMEOUT_SECONDS * 1000)
                cursor.execute(f"SET LOCAL statement_timeout = {timeout_ms}")
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return DOWN
    return OK


def _ping_redis(url: str) -> str:
    timeout = settings.HEALTHZ_TIMEOUT_SECONDS
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except (redis.RedisError, OSError):
        return DOWN
    finally:
        client.close()
    return OK


def check_cache() -> str:
    config = settings.CACHES["default"]
    if config["BACKEND"].startswith("django_redis"):
        location = config["LOCATION"]
        return _ping_redis(location[0] if isinstance(location, list | tuple) else location)
    cache.set("healthz", OK, 5)
    return OK if cache.get("healthz") == OK else DOWN


def check_broker() -> str:
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return _ping_redis(settings.CELERY_BROKER_URL)
    return IN_PROCESS  # embedded mode: jobs run inside the web process


def latest_weekly_report() -> str | None:
    from reports.models import WeeklyReport

    row = WeeklyReport.objects.order_by("-iso_year", "-iso_week").values_list("iso_year", "iso_week").first()
    return f"{row[0]}-W{row[1]:02d}" if row else None


def health() -> tuple[dict, int]:
    """The JSON body and the HTTP status: 503 only when the database is down."""
    database = check_database()
    checks = {
        "database": database,
        "cache": check_cache(),
        "broker": check_broker(),
        "latest_weekly_report": latest_weekly_report() if database == OK else None,
    }
    if database != OK:
        return {"status": "down", "checks": checks}, 503
    degraded = DOWN in (checks["cache"], checks["broker"])
    return {"status": "degraded" if degraded else "ok", "checks": checks}, 200
