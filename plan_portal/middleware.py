"""Answers a hung or unreachable database with a 503 page instead of a bare 500."""

import logging

from django.db import OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def database_unavailable_response() -> HttpResponse:
    # Rendered without the request's context processors: they would ask the
    # database (the signed-in user, the menu) that just failed to answer.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A statement or lock timeout (settings DB_STATEMENT_TIMEOUT_MS,
    DB_LOCK_TIMEOUT_MS) or a lost connection ends the request with a 503. The
    failed statement's transaction was rolled back, so nothing is half
    written."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        logger.error("Database unavailable on %s %s: %s", request.method, request.path, exception)
        # Django drops a connection that errored when the request ends
        # (close_old_connections), so the next request connects afresh.
        return database_unavailable_response()
