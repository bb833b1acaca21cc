"""/healthz: ok, degraded (Redis down or frozen) and down (database unreachable)."""

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
from django.db import connection
from django.urls import reverse

from plan_portal.tests.factories import UserFactory

from .security_world import build_security_world

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, on a free port: stopped or frozen by PID."""
    if not os.path.exists(REDIS_SERVER):
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing")
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    process.port = port
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def redis_settings(settings, own_redis):
    """Cache and broker on the test's own Redis (the cache fails open, as in production)."""
    url = f"redis://127.0.0.1:{own_redis.port}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"{url}/1",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    settings.REDIS_CACHE_URL = f"{url}/1"
    settings.CELERY_BROKER_URL = f"{url}/0"
    return own_redis


def _healthz(client):
    started = time.monotonic()
    response = client.get(reverse("healthz"))
    return response, time.monotonic() - started


@pytest.mark.django_db
def test_healthz_is_ok_with_the_latest_weekly_report(client, redis_settings, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    build_security_world()
    response, _ = _healthz(client)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "latest_weekly_report": "2020-W26"},
    }
    assert response.cookies == {}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_healthz_reads_no_session_and_sets_no_cookie_even_for_a_signed_in_browser(client):
    client.force_login(UserFactory(username="lan"))
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.cookies == {}
    assert "Cookie" not in response.get("Vary", "")


@pytest.mark.django_db
def test_healthz_is_degraded_not_down_when_redis_is_stopped(client, redis_settings):
    redis_settings.terminate()
    redis_settings.wait(timeout=10)
    response, seconds = _healthz(client)
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "down", "broker": "down", "latest_weekly_report": None},
    }
    assert seconds < 3


@pytest.mark.django_db
def test_healthz_answers_within_seconds_when_redis_is_frozen(client, redis_settings):
    redis_settings.send_signal(signal.SIGSTOP)
    response, seconds = _healthz(client)
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["cache"] == "down"
    assert seconds < 3.5


@pytest.mark.django_db(transaction=True)
def test_healthz_is_down_with_503_when_the_database_is_unreachable(client, monkeypatch):
    # The connection is reopened on a closed port; monkeypatch puts the real
    # one back before the flush. (SQLite's in-memory test database ignores close().)
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (CI runs it)")
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "PORT", str(_free_port()))
    try:
        response, seconds = _healthz(client)
    finally:
        connection.close()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"] == "down"
    assert body["checks"]["latest_weekly_report"] is None
    assert seconds < 3
