"""axe-core in Chromium on every main page, for each role: no serious or critical violation.

axe-core comes from npm (devDependencies) and is injected by the test only, never served by the portal.
"""

from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from plan_portal.tests.test_no_english import plan_world  # noqa: F401 (fixture)
from tasks.models import Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ") + " (" +
      (n.any[0] && n.any[0].data ? JSON.stringify(n.any[0].data) : "") + ")").join(" | "));
}"""


def _pages(task_id: int) -> list[str]:
    # NV-01 has a pending request; NV-02 an extension granted; NV-03 a completion awaiting confirmation
    process = [f"/tasks/{Task.objects.get(code=code).pk}/" for code in ("NV-02", "NV-03")]
    return [
        "/my/",
        "/tasks/?plan=2020",
        "/tasks/?plan=2020&q=xay",
        f"/tasks/{task_id}/",
        *process,
        "/requests/",
        "/timeline/?plan=2020&group=field",
        "/dashboard/?plan=2020&as_of=2020-02-07",
        "/units/VU-TC/?plan=2020&as_of=2020-02-07",
        "/reports/?plan=2020",
        "/reports/2020/W6/",
        "/timeline/?plan=2020&as_of=2020-02-07",
        "/notifications/",
        "/account/notifications/",
    ]


def _violations(browser, live_server, user, urls) -> dict[str, list[str]]:
    # bypass_csp: the test injects axe-core as a script the portal's CSP would (rightly) refuse.
    context = browser.new_context(locale="vi-VN", bypass_csp=True, viewport={"width": 1280, "height": 800})
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    source = AXE.read_text()
    found = {}
    for url in urls:
        page.goto(live_server.url + url)
        page.evaluate(source)
        violations = page.evaluate(RUN_AXE)
        if violations:
            found[url] = violations
    context.close()
    return found


def test_no_serious_or_critical_accessibility_violation_on_the_main_pages_for_any_role(
    browser,
    live_server,
    plan_world,  # noqa: F811
):
    # given the plan, a report and a person of each role
    assert AXE.exists(), "npm ci installs axe-core (devDependencies)"
    task_id = Task.objects.get(code="NV-01").pk
    assert date(2020, 2, 7)  # the week of the report (W6)
    found = {}
    # when axe-core checks every main page as each of them, and the sign-in pages anonymously
    for role in ("staff", "head", "leadership", "admin"):
        found |= {
            f"{role} {u}": v for u, v in _violations(browser, live_server, plan_world[role], _pages(task_id)).items()
        }
    found |= _violations(browser, live_server, None, ["/accounts/login/", "/accounts/password_reset/"])
    # then nothing serious or critical is found
    assert found == {}
