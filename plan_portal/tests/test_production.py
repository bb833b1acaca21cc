"""The documented production path (README "Production"): settings only from the
environment, refused when unconfigured, and gunicorn serving real pages after
collectstatic, behind a proxy that says X-Forwarded-Proto: https."""

import http.client
import json
import os
import re
import runpy
import secrets
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from .security_world import PASSWORD, build_security_world

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SECRET = "k" * 10 + secrets.token_urlsafe(48)


def _clean_env(**overrides) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PYTEST_", "PLAN_PORTAL_"))
        and k not in ("SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "STATIC_ROOT", "MEDIA_ROOT")
    }
    env.update(overrides)
    return env


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "plan_portal.settings.production",
    "SECRET_KEY": SECRET,
    "ALLOWED_HOSTS": "kehoach.tcvn.gov.vn,127.0.0.1",
    "DATABASE_URL": "postgres://plan_portal@127.0.0.1:5432/plan_portal",
}


def _load_production(monkeypatch, **environ) -> dict:
    """Run settings/production.py as a server would import it, with this environment."""
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_module("plan_portal.settings.production")


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_each_required_variable(monkeypatch, missing):
    with pytest.raises(ImproperlyConfigured, match=f"^{missing} is not set. .*README, section 'Production'"):
        _load_production(monkeypatch, **{k: v for k, v in PRODUCTION.items() if k != missing})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECRET_KEY", "insecure-development-key-change-me-in-production", "not the development key"),
        ("SECRET_KEY", "short", "at least 50 characters"),
        ("DATABASE_URL", "sqlite:////tmp/plan.sqlite3", "must point at PostgreSQL"),
        ("ALLOWED_HOSTS", " ", "ALLOWED_HOSTS is not set"),
    ],
)
def test_production_refuses_a_development_key_or_sqlite(monkeypatch, name, value, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        _load_production(monkeypatch, **{**PRODUCTION, name: value})


def test_production_configured_from_the_environment_has_debug_off_and_secure_cookies(monkeypatch):
    loaded = _load_production(monkeypatch, **PRODUCTION)
    assert loaded["DEBUG"] is False
    assert loaded["SECRET_KEY"] == SECRET
    assert loaded["ALLOWED_HOSTS"] == ["kehoach.tcvn.gov.vn", "127.0.0.1"]
    assert (loaded["SESSION_COOKIE_SECURE"], loaded["CSRF_COOKIE_SECURE"], loaded["SECURE_SSL_REDIRECT"]) == (
        True,
        True,
        True,
    )
    assert loaded["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_servers_started_without_a_settings_module_refuse_instead_of_serving_debug():
    # The defect: gunicorn with only DATABASE_URL/REDIS_URL set ran settings.local
    # (DEBUG pages, the development SECRET_KEY). wsgi, asgi and celery now
    # default to production, which refuses to start unconfigured.
    env = _clean_env(DATABASE_URL=PRODUCTION["DATABASE_URL"], REDIS_URL="redis://127.0.0.1:6379/0")
    code = (
        "import importlib\n"
        "for module in ('plan_portal.wsgi', 'plan_portal.asgi', 'plan_portal.celery'):\n"
        "    try:\n"
        "        importlib.import_module(module)\n"
        "        from django.conf import settings\n"
        "        print(module, 'DEBUG', settings.DEBUG)\n"
        "    except Exception as exc:\n"
        "        print(module, type(exc).__name__, str(exc).split('.')[0])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.splitlines() == [
        f"{module} ImproperlyConfigured SECRET_KEY is not set"
        for module in ("plan_portal.wsgi", "plan_portal.asgi", "plan_portal.celery")
    ], result.stderr


# --- deploy/ ----------------------------------------------------------------------

DEPLOY = ROOT / "deploy"


def _env_example() -> dict:
    pairs = (line.split("=", 1) for line in (DEPLOY / "env.example").read_text().splitlines())
    return {key: value for key, value in (p for p in pairs if len(p) == 2) if key and not key.startswith("#")}


def test_the_example_environment_configures_production_once_its_secret_is_replaced(monkeypatch):
    example = _env_example()
    assert example["DJANGO_SETTINGS_MODULE"] == "plan_portal.settings.production"
    with pytest.raises(ImproperlyConfigured, match="not the development key or the example's"):
        _load_production(monkeypatch, **example)
    loaded = _load_production(monkeypatch, **{**example, "SECRET_KEY": SECRET})
    assert loaded["DEBUG"] is False
    assert loaded["ALLOWED_HOSTS"] == ["kehoach.tcvn.gov.vn"]
    assert loaded["TRUSTED_PROXY_COUNT"] == 1
    nginx = (DEPLOY / "nginx" / "plan-portal.conf").read_text()
    assert nginx.count("server_name kehoach.tcvn.gov.vn;") == 2
    assert f"alias {example['STATIC_ROOT']}/;" in nginx


def test_the_nginx_site_passes_the_scheme_and_never_serves_media():
    nginx = (DEPLOY / "nginx" / "plan-portal.conf").read_text()
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert re.search(r"location /media/ \{\s*return 404;\s*\}", nginx)
    assert "ssl_certificate " in nginx and "return 301 https://$host$request_uri;" in nginx


@pytest.mark.parametrize(
    ("unit", "command"),
    [
        ("plan-portal-web.service", "/srv/plan-portal/.venv/bin/gunicorn plan_portal.wsgi"),
        ("plan-portal-worker.service", "/srv/plan-portal/.venv/bin/celery -A plan_portal worker"),
        ("plan-portal-beat.service", "/srv/plan-portal/.venv/bin/celery -A plan_portal beat"),
    ],
)
def test_each_systemd_unit_runs_its_process_with_the_production_environment(unit, command):
    text = (DEPLOY / "systemd" / unit).read_text()
    assert "EnvironmentFile=/etc/plan-portal/env" in text
    assert f"ExecStart={command}" in text
    assert "User=plan-portal" in text
    assert "[Install]\nWantedBy=multi-user.target" in text


# --- gunicorn behind a TLS proxy ----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Just enough of a browser: cookies (Secure ones too: the proxy is HTTPS), no redirects followed."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: str | None = None, https: bool = True, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        content = response.read()
        conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, content


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("the production test needs PostgreSQL")
        pytest.skip("production runs on PostgreSQL: set DATABASE_URL")
    db = connection.settings_dict
    env = _clean_env(
        **{
            **PRODUCTION,
            "DATABASE_URL": (
                f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                f"/{db['NAME']}"
            ),
        },
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_COMPRESS="false",  # the same manifest, without minutes of brotli
        LOG_LEVEL="WARNING",
    )
    # README step: collectstatic before the first start.
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, capture_output=True
    )
    assert collect.returncode == 0, collect.stderr.decode()
    port = _free_port()
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "plan_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--no-control-socket",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("gunicorn did not start:\n" + (tmp_path / "gunicorn.log").read_text())
                time.sleep(0.1)
        yield Browser(port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        # Its connections must be gone before the test database is flushed or dropped.
        connection.close()


def test_gunicorn_with_production_settings_serves_the_portal_behind_https(gunicorn, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Production checks passwords with Django's default hasher, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    build_security_world()
    browser = gunicorn

    # Plain HTTP is sent to HTTPS; the health probe is not.
    response, _ = browser.request("GET", "/accounts/login/", https=False)
    assert response.status == 301
    assert response.getheader("Location") == f"https://127.0.0.1:{browser.port}/accounts/login/"

    response, content = browser.request("GET", "/accounts/login/")
    page = content.decode()
    assert response.status == 200
    assert '<html lang="vi">' in page and "Đăng nhập" in page
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
    assert "script-src 'self'" in response.getheader("Content-Security-Policy")
    static_urls = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page)))
    assert "/static/css/portal.css" not in static_urls
    assert all(re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", url) for url in static_urls), static_urls
    assert len(static_urls) >= 5
    for url in static_urls:
        asset, body = browser.request("GET", url)
        assert (asset.status, len(body) > 0) == (200, True), url

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    origin = f"https://127.0.0.1:{browser.port}"
    response, _ = browser.request(
        "POST",
        "/accounts/login/",
        body=f"csrfmiddlewaretoken={token}&username=lan&password={PASSWORD}&next=/tasks/",
        headers={"Origin": origin, "Referer": f"{origin}/accounts/login/"},
    )
    assert response.status == 302, response.getheader("Location")
    assert response.getheader("Location") == "/tasks/"
    cookie_header = " ".join(response.headers.get_all("Set-Cookie"))
    assert "sessionid=" in cookie_header and "Secure" in cookie_header and "HttpOnly" in cookie_header

    response, content = browser.request("GET", "/tasks/")
    assert response.status == 200
    assert "NV-2020-01" in content.decode()
    assert {"private", "no-store"} <= {p.strip() for p in response.getheader("Cache-Control").split(",")}

    response, content = browser.request("GET", "/khong-co-trang-nay/")
    assert response.status == 404
    assert "Không tìm thấy trang" in content.decode()
    assert "Traceback" not in content.decode()

    response, content = browser.request("GET", "/healthz", https=False)
    assert response.status == 200
    assert json.loads(content) == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "in-process", "latest_weekly_report": "2020-W26"},
    }
