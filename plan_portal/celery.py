import os

from celery import Celery
from celery.signals import celeryd_init

# As wsgi.py: without DJANGO_SETTINGS_MODULE the worker and the beat use the
# production settings (and refuse to start unconfigured). `make worker` and
# `make beat` export the local settings; the tests export the test settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plan_portal.settings.production")

app = Celery("plan_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _worker_database_limits(sender, connection, **kwargs):
    """Jobs may run longer statements than a web request (whose limits are the
    connection defaults, see settings DB_STATEMENT_TIMEOUT_MS)."""
    from django.conf import settings

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, false), set_config('lock_timeout', %s, false)",
                [f"{settings.DB_WORKER_STATEMENT_TIMEOUT_MS}ms", f"{settings.DB_WORKER_LOCK_TIMEOUT_MS}ms"],
            )


@celeryd_init.connect
def _on_worker_start(**kwargs):
    # Only in worker processes (prefork children inherit the connection).
    from django.db.backends.signals import connection_created

    connection_created.connect(_worker_database_limits, dispatch_uid="plan_portal_worker_db_limits")
