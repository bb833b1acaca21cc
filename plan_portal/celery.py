import os

from celery import Celery

# As wsgi.py: without DJANGO_SETTINGS_MODULE the worker and the beat use the
# production settings (and refuse to start unconfigured). `make worker` and
# `make beat` export the local settings; the tests export the test settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plan_portal.settings.production")

app = Celery("plan_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
