"""Project-wide pytest fixtures, one section per concern."""

import os
from pathlib import Path

import pytest

# ---------------------------------------------------------------------------
# Browser tests (pytest-playwright + pytest-django's live_server)
# ---------------------------------------------------------------------------
# Playwright's sync API runs an event loop in the test thread, which makes
# Django refuse ORM calls made from the test ("SynchronousOnlyOperation").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# One id per test run, chosen by the pytest controller before xdist starts its
# workers (they inherit the environment): the test settings name the test
# database and the cache prefix after it, so concurrent runs never collide.
os.environ.setdefault("PLAN_PORTAL_TEST_RUN_ID", f"{os.getpid()}")

# The Debian chromium package; Playwright must never download a browser.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        # An error, not a skip: a missing browser must not pass silently.
        raise RuntimeError(
            f"{CHROMIUM} not found: the browser tests need Debian's chromium "
            "package (apt-get install chromium); Playwright must not download one."
        )
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A browser as the agency's staff use it: Vietnamese first, Hanoi time.
    return {
        **browser_context_args,
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
        "viewport": {"width": 1280, "height": 800},
    }


@pytest.fixture(scope="session")
def base_url(pytestconfig):
    # Same value as pytest-playwright's own fallback, whose fixture is an
    # instance method of a plugin class: pytest 9 deprecates that, and
    # filterwarnings=error would turn every browser test into an error.
    try:
        ini_value = pytestconfig.getini("base_url")
    except ValueError:
        ini_value = None
    return pytestconfig.getoption("--base-url", None) or ini_value or None


# ---------------------------------------------------------------------------
# CI runs on the real services: refuse to fall back to SQLite or to skip.
# ---------------------------------------------------------------------------
def pytest_configure(config):
    if os.environ.get("CI") != "true":
        return
    problems = []
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        problems.append("DATABASE_URL must point at PostgreSQL")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        problems.append("REDIS_URL must be set")
    else:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis at {redis_url} does not answer: {exc}")
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} is missing")
    if problems:
        raise pytest.UsageError("CI needs the real services: " + "; ".join(problems))


# ---------------------------------------------------------------------------
# Admin tests: a superuser, and pages read in English so assertions can name
# Django's own admin wording.
# ---------------------------------------------------------------------------
@pytest.fixture
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def root(db):
    from plan_portal.tests.factories import UserFactory

    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def superuser_client(client, root):
    client.force_login(root)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# ---------------------------------------------------------------------------
# Test data shared by more than one app (the data itself is made in
# plan_portal/tests/factories.py).
# ---------------------------------------------------------------------------
@pytest.fixture
def empty_cache():
    """The dashboard caches its figures: start and end each test with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def plan_2020(db):
    """The hand-built 2020 plan (see factories.plan_2020_build): (plan, {"T1": task, ...})."""
    from plan_portal.tests.factories import plan_2020_build

    return plan_2020_build()
