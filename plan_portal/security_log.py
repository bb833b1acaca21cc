"""Refused actions in the security log (logger `plan_portal.security`).

Every PermissionDenied a view raises (the portal's own views and the admin)
is logged with the user, the address, the method and the path before Django
answers 403, so an operator can see who tried what from where.
"""

import logging

from django.core.exceptions import PermissionDenied

logger = logging.getLogger("plan_portal.security")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def client_address(request) -> str:
    # REMOTE_ADDR is the peer; behind the documented nginx it is set from
    # X-Real-IP / X-Forwarded-For by the proxy configuration, never trusted
    # from the client here.
    return request.META.get("REMOTE_ADDR", "") or "-"


class RefusedActionLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            user = getattr(request, "user", None)
            username = user.get_username() if user is not None and user.is_authenticated else "anonymous"
            logger.warning(
                "refused %s %s user=%s address=%s write=%s",
                request.method,
                request.path,
                username,
                client_address(request),
                request.method in WRITE_METHODS,
                extra={
                    "event": "refused",
                    "user": username,
                    "address": client_address(request),
                    "method": request.method,
                    "path": request.path,
                },
            )
        return None
