"""The Content-Security-Policy in a real browser: the portal's pages and the
admin run with no blocked script or style (issue 10, item 2)."""

import re

import pytest
from playwright.sync_api import expect

from .security_world import PASSWORD, build_security_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text[:60]}") if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def _sign_in(page, base_url, username):
    page.goto(base_url + "/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))


def test_portal_and_admin_pages_run_under_the_csp_without_violations(live_server, page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_security_world()
    world.member.is_staff = world.member.is_superuser = True
    world.member.save()
    violations = _watch_csp(page)
    _sign_in(page, live_server.url, "lan")
    for path in (
        "/my/",
        "/tasks/",
        f"/tasks/{world.task.pk}/",
        "/units/VU-TC/?plan=2020&as_of=2020-06-30",
        "/reports/",
        "/khong-co-trang-nay/",
        "/admin/",
        "/admin/tasks/task/",
        f"/admin/tasks/task/{world.task.pk}/change/",
        "/admin/units/unit/",
        "/admin/tasks/task/import/",
        f"/admin/tasks/task/{world.task.pk}/history/",
        "/accounts/password_reset/",
        "/admin/django_celery_beat/periodictask/add/",
        "/dashboard/?plan=2020&as_of=2020-06-30",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    # The dashboard's charts are drawn by static/js/dashboard.js: its scripts ran.
    expect(page.locator("canvas").first).to_be_visible()
    # The timeline's chart is drawn by vis-timeline and static/js/timeline.js, bars coloured through the CSSOM.
    page.goto(live_server.url + "/timeline/?plan=2020&as_of=2020-06-30")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#timeline-chart .vis-item.timeline-task").first).to_be_visible()
    assert violations == []
