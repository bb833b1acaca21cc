"""Entry point for the application server (e.g. uvicorn plan_portal.asgi:application).

Without DJANGO_SETTINGS_MODULE this is production: a server started with only
DATABASE_URL/REDIS_URL set refuses to start (no SECRET_KEY) instead of serving
DEBUG pages with the development key. `make run` goes through manage.py,
which defaults to the local settings.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plan_portal.settings.production")
application = get_asgi_application()
