"""Lock-out after failed sign-ins, the sign-in log, session limits and the
password-reset rate limit (issue 10, item 2)."""

import logging
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from plan_portal.security import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from plan_portal.tests.factories import UserFactory

from .security_world import PASSWORD, build_security_world


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_security_world()


def _sign_in(client, username, password, *, address="10.0.0.7", url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client) -> bool:
    return SESSION_KEY in client.session


# --- lock-out ---------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, world, caplog):
    with caplog.at_level(logging.INFO, logger="plan_portal.security"):
        statuses = [_sign_in(client, "lan", "sai-mat-khau").status_code for _ in range(5)]
        response = _sign_in(client, "lan", PASSWORD, address="10.0.0.8")
    assert statuses == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.content.decode()
    assert '<html lang="vi">' in response.content.decode()
    assert not _signed_in(client)
    assert "event=lock-out user='lan' address=10.0.0.7" in caplog.text


def test_four_wrong_passwords_then_the_right_one_signs_in_and_resets_the_count(client, world):
    for _ in range(4):
        _sign_in(client, "lan", "sai-mat-khau")
    assert _sign_in(client, "lan", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        _sign_in(client, "lan", "sai-mat-khau")
    assert _sign_in(client, "lan", PASSWORD).status_code == 302
    assert _signed_in(client)


def test_failures_from_one_address_lock_that_address_for_every_account(client, world):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        _sign_in(client, name, "doan-mo", address="10.9.9.9")
    assert _sign_in(client, "lan", PASSWORD, address="10.9.9.9").status_code == 429
    assert not _signed_in(client)
    # From another computer the same account signs in.
    assert _sign_in(client, "lan", PASSWORD, address="10.0.0.1").status_code == 302


def test_the_admin_sign_in_is_locked_out_too(client, world):
    UserFactory(username="quantri", email="qt@tcvn.gov.vn", password=PASSWORD, is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")
    statuses = [_sign_in(client, "quantri", "sai", url=admin_login).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    response = _sign_in(client, "quantri", PASSWORD, address="10.0.0.2", url=admin_login)
    assert response.status_code == 429
    assert not _signed_in(client)


def test_an_admin_unlocks_an_account_with_the_axes_command(client, world):
    for _ in range(5):
        _sign_in(client, "lan", "sai-mat-khau")
    call_command("axes_reset_username", "lan", verbosity=0)
    assert _sign_in(client, "lan", PASSWORD, address="10.0.0.3").status_code == 302


def test_sign_ins_and_failures_are_logged_with_user_and_address(client, world, caplog):
    with caplog.at_level(logging.INFO, logger="plan_portal.security"):
        _sign_in(client, "lan", "sai-mat-khau", address="10.1.2.3")
        _sign_in(client, "lan\r\nevent=sign-in", "x", address="10.1.2.3")
        _sign_in(client, "lan", PASSWORD, address="10.1.2.4")
    lines = [r.getMessage() for r in caplog.records if r.name == "plan_portal.security"]
    assert lines == [
        "event=sign-in-failed user='lan' address=10.1.2.3",
        "event=sign-in-failed user='lan\\r\\nevent=sign-in' address=10.1.2.3",
        "event=sign-in user='lan' address=10.1.2.4",
    ]


def test_behind_the_proxy_the_forwarded_address_is_the_one_counted(client, world, settings, caplog):
    settings.TRUSTED_PROXY_COUNT = 1
    with caplog.at_level(logging.INFO, logger="plan_portal.security"):
        client.post(
            reverse("login"),
            {"username": "lan", "password": "sai"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 10.20.30.40",
        )
    assert "event=sign-in-failed user='lan' address=10.20.30.40" in caplog.text


# --- session limits ----------------------------------------------------------------


def _age_session(client, **keys) -> None:
    session = client.session
    for key, value in keys.items():
        session[key] = value
    session.save()


def test_a_session_idle_past_the_limit_is_signed_out(client, world, settings):
    client.force_login(world.member)
    now = int(time.time())
    _age_session(client, **{SESSION_SEEN_KEY: now - settings.SESSION_IDLE_TIMEOUT - 5})
    response = client.get(reverse("tasks:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not _signed_in(client)
    assert "Phiên làm việc đã hết hạn" in client.get(response["Location"]).content.decode()


def test_an_expired_session_sends_an_htmx_request_to_the_sign_in_page(client, world, settings):
    client.force_login(world.member)
    _age_session(client, **{SESSION_SEEN_KEY: int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5})
    response = client.get(reverse("tasks:update-create", args=[world.task.pk]), HTTP_HX_REQUEST="true")
    assert (response.status_code, response["HX-Redirect"]) == (204, reverse("login"))
    assert not _signed_in(client)


def test_an_active_session_ends_at_the_absolute_limit(client, world, settings):
    client.force_login(world.member)
    now = int(time.time())
    _age_session(client, **{SESSION_STARTED_KEY: now - settings.SESSION_ABSOLUTE_TIMEOUT - 5, SESSION_SEEN_KEY: now})
    assert client.get(reverse("tasks:list")).status_code == 302
    assert not _signed_in(client)


def test_activity_moves_the_idle_clock_at_most_once_per_resolution(client, world, settings):
    client.force_login(world.member)
    now = int(time.time())
    recent = now - 30
    _age_session(client, **{SESSION_SEEN_KEY: recent})
    assert client.get(reverse("tasks:list")).status_code == 200
    assert client.session[SESSION_SEEN_KEY] == recent  # not rewritten: within the resolution
    older = now - settings.SESSION_ACTIVITY_RESOLUTION - 10
    _age_session(client, **{SESSION_SEEN_KEY: older})
    assert client.get(reverse("tasks:list")).status_code == 200
    assert client.session[SESSION_SEEN_KEY] >= now
    assert _signed_in(client)


def test_the_session_limits_are_the_documented_defaults(settings):
    assert (settings.SESSION_IDLE_TIMEOUT, settings.SESSION_ABSOLUTE_TIMEOUT) == (3600, 43200)
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_ABSOLUTE_TIMEOUT


# --- password reset -----------------------------------------------------------------


@pytest.fixture
def own_cache(settings):
    # The counters live in the cache; the suite's shared Redis is cleared by
    # other tests running at the same time, so these tests count in a cache of their own.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "reset"}}
    from django.core.cache import cache

    cache.clear()


def _reset(client, email, address):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_password_reset_mails_are_limited_per_account(client, world, own_cache):
    for _ in range(5):
        assert _reset(client, world.member.email, "10.0.0.5").status_code == 302
    assert len(mail.outbox) == 3
    assert {tuple(m.to) for m in mail.outbox} == {(world.member.email,)}


def test_password_reset_mails_are_limited_per_address(client, world, settings, own_cache):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 2
    emails = [f"u{n}@tcvn.gov.vn" for n in range(3)]
    for n, email in enumerate(emails):
        UserFactory(username=f"u{n}", email=email, password=PASSWORD)
    responses = [_reset(client, email, "10.0.0.6") for email in emails]
    # From another computer the same account still gets its e-mail.
    assert _reset(client, emails[2], "10.0.0.7").status_code == 302
    assert [r.status_code for r in responses] == [302, 302, 302]  # the same answer: nothing to learn
    assert [m.to for m in mail.outbox] == [[emails[0]], [emails[1]], [emails[2]]]
