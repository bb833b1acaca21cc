"""Test run: same database engine as configured (SQLite or PostgreSQL), fast hashing."""

import os

from . import base as _base
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
    # The test process creates and drops databases and builds whole plans: it
    # gets the workers' limits. The servers the fault tests start keep the web
    # limits (PLAN_PORTAL_WEB_LIMITS=1), as production web processes do. A new
    # dict, so base.DATABASES keeps the production values.
    if not _base.env.bool("PLAN_PORTAL_WEB_LIMITS", default=False):
        _limits = _base.postgresql_options(
            statement_timeout_ms=_base.DB_WORKER_STATEMENT_TIMEOUT_MS, lock_timeout_ms=_base.DB_WORKER_LOCK_TIMEOUT_MS
        )
        _default = _base.DATABASES["default"]
        DATABASES = {**_base.DATABASES, "default": {**_default, "OPTIONS": {**_default["OPTIONS"], **_limits}}}
CACHES["default"]["KEY_PREFIX"] = f"plan_portal_test_{TEST_RUN_ID}"  # noqa: F405
