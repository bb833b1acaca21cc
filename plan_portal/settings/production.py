"""The agency's server: PostgreSQL, Redis, HTTPS behind nginx (deploy/).

Configured only from the environment. Refuses to start (ImproperlyConfigured)
without SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; `manage.py check --deploy`
passes. Static files must be collected first (`manage.py collectstatic`): the
manifest storage refuses to name a file that was not collected.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env


def _required(name: str, why: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. plan_portal.settings.production reads its configuration only from the "
            f"environment: set {name} ({why}). See README, section 'Production'."
        )
    return value


DEBUG = False

SECRET_KEY = _required(
    "SECRET_KEY", "a long random string, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(50))'`"
)
if len(SECRET_KEY) < 50 or any(word in SECRET_KEY.lower() for word in ("insecure", "change-me", "replace-with")):
    raise ImproperlyConfigured(
        "SECRET_KEY must be a random string of at least 50 characters, not the development key or the example's."
    )

_required("ALLOWED_HOSTS", "the host names the portal answers to, comma separated, e.g. kehoach.tcvn.gov.vn")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

_required("DATABASE_URL", "PostgreSQL, e.g. postgres://plan_portal:PASSWORD@127.0.0.1:5432/plan_portal")
if env.db_url("DATABASE_URL")["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...) in production.")

# nginx terminates TLS and says so in X-Forwarded-Proto (deploy/nginx/plan-portal.conf).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# /healthz is probed over plain HTTP on the loopback by monitoring.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
# One nginx in front: its X-Forwarded-For entry is the client's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)

# Hashed static files collected at deploy time, pre-compressed (.gz, .br) for
# nginx's gzip_static unless STATIC_COMPRESS=false (quicker collectstatic).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_COMPRESS", default=True)
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
# Intranet host names cannot be on the browsers' public HSTS preload list.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
