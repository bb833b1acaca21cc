"""Sign-in security: the client's address, the lock-out backend, the sign-in
log and the password-reset rate limit (README "Security and operations").

Every sign-in, failed sign-in, lock-out, expired session and refused reset
e-mail is logged on the `plan_portal.security` logger with the account and
the address, as `event=... user=... address=...`.
"""

import hashlib
import ipaddress
import logging
import time

from axes.backends import AxesStandaloneBackend
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver

log = logging.getLogger("plan_portal.security")

SESSION_STARTED_KEY = "portal_signed_in_at"
SESSION_SEEN_KEY = "portal_seen_at"


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies
    the X-Forwarded-For entry the outermost trusted proxy added (entries further
    left are whatever the client sent, so they are never believed)."""
    if request is None:
        return None
    meta = getattr(request, "META", {})
    address = meta.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies > 0 and len(forwarded) >= proxies:
        address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def _event(event: str, *, user, request, level=logging.INFO, **extra) -> None:
    # %r: a user name typed into the form must not forge log lines (CR/LF).
    details = "".join(f" {key}={value!r}" for key, value in extra.items())
    log.log(level, "event=%s user=%r address=%s%s", event, user, client_ip(request), details)


class PortalAxesBackend(AxesStandaloneBackend):
    """django-axes' lock-out check on every sign-in through a web request.

    `authenticate()` without a request (a shell, `Client.login` in tests) has no
    address to count and is left to the next backend instead of failing."""

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_logged_in, dispatch_uid="plan_portal_security_signed_in")
def _signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        # The session clock (middleware.SessionTimeoutMiddleware) starts here,
        # while the session is being written anyway: no extra query later.
        now = int(time.time())
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_SEEN_KEY] = now
    _event("sign-in", user=user.get_username(), request=request)


@receiver(user_login_failed, dispatch_uid="plan_portal_security_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    _event("sign-in-failed", user=credentials.get("username"), request=request, level=logging.WARNING)


@receiver(user_locked_out, dispatch_uid="plan_portal_security_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    _event("lock-out", user=username, request=request, level=logging.WARNING)


# --- password reset ----------------------------------------------------------


def _within_limit(key: str, limit: int) -> bool:
    """Count one more request under `key` for PASSWORD_RESET_WINDOW; False past `limit`.

    The cache fails open (Redis down: no limit) rather than refusing every
    reset: the lock-out, not this limit, protects the passwords."""
    cache.add(key, 0, timeout=settings.PASSWORD_RESET_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        return True
    return count is None or count <= limit


def password_reset_allowed(*, email: str, address: str | None) -> bool:
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    by_address = _within_limit(f"password-reset:address:{address}", settings.PASSWORD_RESET_LIMIT_PER_ADDRESS)
    by_account = _within_limit(f"password-reset:account:{account}", settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT)
    return by_address and by_account


class RateLimitedPasswordResetForm(PasswordResetForm):
    """Django's reset form with a limit per account and per address. Past the
    limit the visitor sees the same "e-mail sent" page (nothing tells whether
    the address has an account) and no e-mail leaves."""

    def save(self, *args, request=None, **kwargs):
        email = self.cleaned_data["email"]
        if not password_reset_allowed(email=email, address=client_ip(request)):
            _event("password-reset-refused", user=email, request=request, level=logging.WARNING)
            return
        _event("password-reset", user=email, request=request)
        super().save(*args, request=request, **kwargs)


password_reset_view = auth_views.PasswordResetView.as_view(form_class=RateLimitedPasswordResetForm)
