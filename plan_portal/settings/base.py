"""Settings shared by every environment; the others only override.

Everything that differs between a laptop, CI and the agency's server is read
from the environment (see README "Configuration").
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me-in-production")
DEBUG = env.bool("DEBUG", default=False)
# `make bench` only: routes the benchmark floor page (/bench/floor/). Never on in production.
BENCH = env.bool("BENCH", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "simple_history",
    "django_celery_beat",
    "import_export",
    "axes",
    "csp",
    "plan_portal",
    "units",
    "tasks",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "plan_portal.middleware.SessionTimeoutMiddleware",
    "plan_portal.middleware.PrivateCacheMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Refused actions (PermissionDenied) in the `plan_portal.security` log, with user and address.
    "plan_portal.security_log.RefusedActionLogMiddleware",
    # A hung database is a 503 (its process_exception runs before the others').
    "plan_portal.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "plan_portal.urls"
WSGI_APPLICATION = "plan_portal.wsgi.application"
ASGI_APPLICATION = "plan_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "plan_portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite file by default (embedded mode); PostgreSQL when DATABASE_URL says so.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DB_CONNECT_TIMEOUT = env.int("DB_CONNECT_TIMEOUT", default=5)
# Web requests answer a hung database (a locked table, a stuck query) with a
# 503 within 5 s (plan_portal.middleware.DatabaseUnavailableMiddleware):
# these limits hold for every connection, workers and commands included;
# Celery workers raise them on each new connection (plan_portal.celery).
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=4_000)
DB_LOCK_TIMEOUT_MS = env.int("DB_LOCK_TIMEOUT_MS", default=3_000)
DB_WORKER_STATEMENT_TIMEOUT_MS = env.int("DB_WORKER_STATEMENT_TIMEOUT_MS", default=60_000)
DB_WORKER_LOCK_TIMEOUT_MS = env.int("DB_WORKER_LOCK_TIMEOUT_MS", default=30_000)


def postgresql_options(*, statement_timeout_ms: int, lock_timeout_ms: int) -> dict:
    """Connection options: a hung server must not hang a request or a worker
    forever: bound the connect, every statement, lock waits and idle transactions."""
    return {
        "connect_timeout": DB_CONNECT_TIMEOUT,
        "options": (
            f"-c statement_timeout={statement_timeout_ms}"
            f" -c lock_timeout={lock_timeout_ms}"
            " -c idle_in_transaction_session_timeout=60000"
            # The "as of" aggregates' cost estimate switches JIT on, which then spends
            # 1.4 s of a 1.7 s query compiling (issue 14); the portal never gains from it.
            " -c jit=off"
        ),
        "application_name": "plan_portal",
    }


if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        postgresql_options(statement_timeout_ms=DB_STATEMENT_TIMEOUT_MS, lock_timeout_ms=DB_LOCK_TIMEOUT_MS)
    )
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of
    # failing half-way with "database is locked"; WAL lets readers continue.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker and results ------------------------------
REDIS_URL = env("REDIS_URL", default="")
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=2.0)
# The cache answers in milliseconds or not at all: a frozen Redis must cost a
# page well under a second (a page may read and write the cache once each).
REDIS_CACHE_TIMEOUT_SECONDS = env.float("REDIS_CACHE_TIMEOUT_SECONDS", default=0.5)
# After one failed cache call, the next ones of this many seconds read as misses at once
# (plan_portal.cache.FailFastRedisClient): a page pays the timeout once, not once per key.
REDIS_CACHE_COOLDOWN_SECONDS = env.float("REDIS_CACHE_COOLDOWN_SECONDS", default=5.0)


def _next_redis_db(url: str) -> str:
    """The same server, next database number: redis://h:6379/0 -> redis://h:6379/1."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{number + 1}"))


# The cache gets a Redis database of its own: clearing a cache is a FLUSHDB,
# which on a shared database would also drop the broker's queued jobs.
REDIS_CACHE_URL = env("REDIS_CACHE_URL", default=_next_redis_db(REDIS_URL) if REDIS_URL else "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": "plan_portal",
            "TIMEOUT": 600,
            "OPTIONS": {
                "CLIENT_CLASS": "plan_portal.cache.FailFastRedisClient",
                "SOCKET_CONNECT_TIMEOUT": REDIS_CACHE_TIMEOUT_SECONDS,
                "SOCKET_TIMEOUT": REDIS_CACHE_TIMEOUT_SECONDS,
                # The cache only saves work: when Redis is down or frozen,
                # pages are computed from the database instead of failing.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "plan-portal",
            "TIMEOUT": 600,
        }
    }

# Sessions live in the database so that losing Redis never signs anyone out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Absolute limit: a sign-in lasts at most this long, however active the person
# is (plan_portal.middleware.SessionTimeoutMiddleware; also the cookie's age).
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=60 * 60 * 12)
# Idle limit: signed out after this many seconds without a request.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=60 * 60)
# The last-seen time is written at most this often (one UPDATE per person per
# period, not one per request), so the idle limit is exact to this many seconds.
SESSION_ACTIVITY_RESOLUTION = 5 * 60
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Celery ----------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Embedded mode: no Redis, so jobs run in-process, synchronously.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A job taken by a worker that then died outright (SIGKILL, power loss) is
# handed out again after this long: just above the longest job's hard time
# limit (reports.tasks.TIME_LIMITS, 300 s), so a report is rebuilt within
# minutes and a job still running is never handed out twice. It must also
# exceed the longest retry countdown (retry_backoff_max, 300 s): a job waiting
# for its retry sits unacknowledged in the worker.
BROKER_VISIBILITY_TIMEOUT = env.int("BROKER_VISIBILITY_TIMEOUT", default=360)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    # kombu scans for jobs of dead workers every `interval` seconds but, by default,
    # only on every 10th sweep (and once at start): a job left by a killed worker
    # could wait ~100 s beyond its visibility timeout. Scan on every sweep, and
    # never let a worker killed while holding the scan's lock block it for 5 minutes.
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    "unacked_mutex_expire": 60,
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "retry_on_timeout": True,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
}
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT_SECONDS
# Workers and commands retry a publish a little; requests never do
# (reports.enqueue.job_enqueue: one attempt, then the catch-up job).
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 3,
    "interval_start": 0.5,
    "interval_step": 1,
    "interval_max": 3,
}
# A request waits this long at most to queue a job (reports.enqueue.job_enqueue);
# what could not be queued is done by the catch-up job.
JOB_ENQUEUE_TIMEOUT_SECONDS = env.float("JOB_ENQUEUE_TIMEOUT_SECONDS", default=1.5)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Auth ------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account or address is refused before any password check.
    "plan_portal.security.PortalAxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
LEADERSHIP_GROUP = "Leadership"

# --- Security: headers, lock-out, rate limits (README "Security and operations")
# Behind nginx every request comes from 127.0.0.1: the client's address is then
# the last X-Forwarded-For entry added by this many trusted proxies (0: none,
# REMOTE_ADDR is the client). Used by the lock-out, the reset limit and the logs.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent only on HTTPS requests (SecurityMiddleware), so harmless on a laptop.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# django-csp 4 format. Every script and style is a file under /static/ (no
# inline <script>, <style> or style="" in the portal's templates); Bootstrap's
# CSS draws a few icons from data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# django-axes: after AXES_FAILURE_LIMIT failed sign-ins for one account, or from
# one address, further attempts are refused for AXES_COOLOFF_TIME hours (429,
# portal page). Counted in the database (axes.AccessAttempt), so every web
# process sees the same count; a success resets the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "plan_portal.security.client_ip"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_VERBOSE = False  # plan_portal.security logs sign-ins and lock-outs itself
# Password-reset e-mails: at most this many per account and per address in
# PASSWORD_RESET_WINDOW seconds; more requests get the same answer, no e-mail.
PASSWORD_RESET_LIMIT_PER_ACCOUNT = env.int("PASSWORD_RESET_LIMIT_PER_ACCOUNT", default=3)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=10)
PASSWORD_RESET_WINDOW = 60 * 60

# --- Internationalisation --------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# The project's catalogue first; locale_vendor/ fills what Django's and django-celery-beat's lack.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
FORMAT_MODULE_PATH = ["plan_portal.formats"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365

# --- Static and uploaded files --------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- E-mail ----------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Cổng theo dõi kế hoạch <no-reply@tcvn.gov.vn>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Portal ------------------------------------------------------------------
# A task is "at risk" when its progress trails the elapsed share of its
# start-to-due period by more than this many points.
AT_RISK_MARGIN = 15
# A task with no update for this many days is "stale".
STALE_AFTER_DAYS = 14
# Attachments on tasks (evidence): largest file accepted, in bytes.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
DEMO_PASSWORD_DEFAULT = "ChangeMe-2020"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Sign-ins, failed sign-ins, lock-outs, reset e-mails: user and address.
        "plan_portal.security": {"level": "INFO"},
        # django-axes logs every reset at INFO; plan_portal.security says what matters.
        "axes": {"level": "WARNING"},
    },
}

# WhiteNoise serves static files straight from the finders (no collectstatic)
# outside production; production.py turns this off and uses the manifest.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# --- Reports (weekly reports, issue 5) -------------------------------------
# Extra addresses that receive every weekly report besides Leadership, e.g.
# REPORT_EXTRA_RECIPIENTS=van-thu@tcvn.gov.vn,vanphong@tcvn.gov.vn
REPORT_EXTRA_RECIPIENTS = env.list("REPORT_EXTRA_RECIPIENTS", default=[])
REPORT_FROM_EMAIL = env("REPORT_FROM_EMAIL", default=DEFAULT_FROM_EMAIL)
# Absolute address of the portal for links in e-mails (empty: no links).
REPORT_BASE_URL = env("REPORT_BASE_URL", default="")
# The catch-up job (build_due_weekly_reports_task, every 10 minutes) e-mails
# the week just ended from Monday at this hour (local time) on.
REPORT_SEND_HOUR = env.int("REPORT_SEND_HOUR", default=7)
# Report files no row uses are removed once older than this (longer than any build).
REPORT_ORPHAN_GRACE_SECONDS = env.int("REPORT_ORPHAN_GRACE_SECONDS", default=15 * 60)
# The weekly PDF is laid out as an administrative report (Nghị định
# 30/2020/NĐ-CP, Phụ lục I): the governing body and the agency in the heading,
# the number's symbol (Số: …/BC-TĐC, the number itself is given by the
# clerk), the place in the date line, the recipients ("Nơi nhận") and who signs.
REPORT_GOVERNING_BODY = env("REPORT_GOVERNING_BODY", default="BỘ KHOA HỌC VÀ CÔNG NGHỆ")
# A line break ("\n", also written as the two characters \n in the environment) where the name wraps.
REPORT_AGENCY_NAME = env("REPORT_AGENCY_NAME", default="TỔNG CỤC TIÊU CHUẨN\nĐO LƯỜNG CHẤT LƯỢNG").replace("\\n", "\n")
REPORT_AGENCY_SYMBOL = env("REPORT_AGENCY_SYMBOL", default="TĐC")
REPORT_PLACE = env("REPORT_PLACE", default="Hà Nội")
# "Nơi nhận", one recipient a line, separated by ";" (a line may hold commas: "Lưu: VT, VP").
REPORT_RECIPIENTS_BLOCK = [
    line.strip()
    for line in env(
        "REPORT_RECIPIENTS_BLOCK",
        default="Tổng cục trưởng (để b/c);Các Phó Tổng cục trưởng;Các đơn vị thuộc Tổng cục;Lưu: VT, VP",
    ).split(";")
    if line.strip()
]
# Signing on the head's behalf ("KT." = ký thay) by a deputy, as weekly reports usually are.
REPORT_SIGNER_AUTHORITY = env("REPORT_SIGNER_AUTHORITY", default="KT. TỔNG CỤC TRƯỞNG")
REPORT_SIGNER_TITLE = env("REPORT_SIGNER_TITLE", default="PHÓ TỔNG CỤC TRƯỞNG")
REPORT_SIGNER_NAME = env("REPORT_SIGNER_NAME", default="")
# E-mail outbox (reports.outbox): a sender holds a message this long at most
# (well above EMAIL_TIMEOUT); a message is given up after this many attempts.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=120)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
# WeasyPrint and fontTools log every layout step at INFO.
LOGGING["loggers"].update({"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}})

# --- /healthz -----------------------------------------------------------------
# Each check (database statement, Redis ping) gives up after this many seconds.
HEALTHZ_TIMEOUT_SECONDS = env.float("HEALTHZ_TIMEOUT_SECONDS", default=1.0)
