"""Refused actions in the security log (logger `plan_portal.security`).

Every PermissionDenied a view raises (the portal's own views and the admin)
is logged with the user, the address, the method and the path before Django
answers 403, in the format of the sign-in events (`plan_portal.security`), so
an operator can see who tried what from where.
"""

import logging

from django.core.exceptions import PermissionDenied

from .security import client_ip

logger = logging.getLogger("plan_portal.security")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RefusedActionLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            user = getattr(request, "user", None)
            username = user.get_username() if user is not None and user.is_authenticated else None
            # %r: a path or name typed by the client must not forge log lines (CR/LF).
            logger.warning(
                "event=refused user=%r address=%s method=%s path=%r write=%s",
                username,
                client_ip(request),
                request.method,
                request.path,
                request.method in WRITE_METHODS,
                extra={"user": username, "address": client_ip(request)},
            )
        return None
