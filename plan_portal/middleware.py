"""Session limits, private caching (README "Security and operations") and the 503 page for a hung database."""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import OperationalError
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .security import SESSION_SEEN_KEY, SESSION_STARTED_KEY, client_ip

log = logging.getLogger("plan_portal.security")

# Probes: no session is read, nothing is marked private (the view sets no-store).
UNTOUCHED_PATHS = ("/healthz",)


class SessionTimeoutMiddleware:
    """Signs a person out after SESSION_IDLE_TIMEOUT seconds without a request
    or SESSION_ABSOLUTE_TIMEOUT seconds after signing in, whichever comes first.

    The clock starts at sign-in (security._signed_in). The last-seen time is
    written at most every SESSION_ACTIVITY_RESOLUTION seconds, so an active
    person costs one session UPDATE per period rather than one per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(UNTOUCHED_PATHS) and request.user.is_authenticated:
            expired = self._check(request)
            if expired and request.headers.get("HX-Request") == "true":
                # An htmx partial would swap the sign-in page into a table row:
                # send the whole window to the sign-in page instead.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
                return response
        return self.get_response(request)

    def _check(self, request) -> bool:
        """True when the session has just been ended."""
        session = request.session
        now = int(time.time())
        started = session.get(SESSION_STARTED_KEY)
        seen = session.get(SESSION_SEEN_KEY, started)
        if started is None:
            # A session from before these limits existed: its clock starts now.
            session[SESSION_STARTED_KEY] = session[SESSION_SEEN_KEY] = now
            return False
        idle = now - seen > settings.SESSION_IDLE_TIMEOUT
        if idle or now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
            username = request.user.get_username()
            logout(request)
            log.info(
                "event=session-expired user=%r address=%s reason=%s",
                username,
                client_ip(request),
                "idle" if idle else "absolute",
            )
            messages.info(request, _("Your session has expired. Please sign in again."))
            return True
        if now - seen >= settings.SESSION_ACTIVITY_RESOLUTION:
            session[SESSION_SEEN_KEY] = now
        return False


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every page, export and report file
    the portal's views answer, so neither a shared proxy nor the browser's disk
    keeps a copy of what a signed-in person saw. Static files (WhiteNoise,
    earlier in the chain) keep their long cache lifetime."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(UNTOUCHED_PATHS):
            patch_cache_control(response, private=True, no_store=True)
            response.headers.pop("Expires", None)
        return response


def database_unavailable_response() -> HttpResponse:
    # Rendered without the request's context processors: they would ask the
    # database (the signed-in user, the menu) that just failed to answer.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "private, no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A hung or unreachable database ends the request with the Vietnamese 503
    page instead of a bare 500: a statement or lock timeout (settings
    DB_STATEMENT_TIMEOUT_MS, DB_LOCK_TIMEOUT_MS: within 5 s) or a lost
    connection. The failed statement's transaction was rolled back, so nothing
    is half written; Django drops the broken connection when the request ends
    (close_old_connections), so the next request connects afresh."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        log.error("event=database-unavailable method=%s path=%s error=%r", request.method, request.path, exception)
        return database_unavailable_response()
