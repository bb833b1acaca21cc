"""Test run: same database engine as configured (SQLite or PostgreSQL), fast hashing."""

import os

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Two runs on one host (two checkouts, CI beside a developer) must never share a
# test database or cache keys. The root conftest sets the run id once, in the
# pytest controller, before the xdist workers start; workers inherit it and
# pytest-django adds their own `_gw<N>` suffix.
TEST_RUN_ID = os.environ.get("PLAN_PORTAL_TEST_RUN_ID", str(os.getpid()))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"test_plan_portal_{TEST_RUN_ID}"}  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = f"plan_portal_test_{TEST_RUN_ID}"  # noqa: F405
