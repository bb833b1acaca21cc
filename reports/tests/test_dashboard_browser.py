"""Chromium draws the dashboard's charts (the canvases hold pixels) and a screenshot is kept."""

from pathlib import Path

import pytest
from django.conf import settings

from plan_portal.tests.factories import UserFactory

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

# True when a canvas has at least one non-transparent pixel.
CANVAS_HAS_PIXELS = """(canvas) => {
  const ctx = canvas.getContext("2d");
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) return true; }
  return false;
}"""


def _sign_in(page, live_server, client):
    client.force_login(UserFactory(username="lanhdao-test"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_charts_render_in_chromium(page, live_server, client, plan_2020):
    _sign_in(page, live_server, client)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/dashboard/?plan=2020&as_of=2020-06-30")

    for canvas_id in ("chart-units", "chart-fields", "chart-burnup"):
        canvas = page.locator(f"#{canvas_id}")
        canvas.wait_for()
        assert canvas.evaluate(CANVAS_HAS_PIXELS), canvas_id
    assert errors == []
    assert page.locator("[data-figure=open_overdue] [data-count]").inner_text() == "2"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_unit_page_charts_render_on_a_phone(page, live_server, client, plan_2020):
    _sign_in(page, live_server, client)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/units/DV-B/?plan=2020&as_of=2020-06-30")

    for canvas_id in ("chart-fields", "chart-burnup"):
        assert page.locator(f"#{canvas_id}").evaluate(CANVAS_HAS_PIXELS), canvas_id
    assert page.locator("#chart-units").count() == 0  # one unit: no per-unit chart
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "unit-page-phone.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_burnup_has_one_percentage_axis(page, live_server, client, plan_2020):
    # given the dashboard as of 30/06/2020 (9 tasks, 1 cancelled: 8 count)
    _sign_in(page, live_server, client)
    page.goto(f"{live_server.url}/dashboard/?plan=2020&as_of=2020-06-30")
    page.locator("#chart-burnup").wait_for()
    chart = page.evaluate(
        """() => { const c = Chart.getChart(document.getElementById("chart-burnup"));
        return {axes: Object.keys(c.options.scales).sort(), max: c.options.scales.y.max,
                completed: c.data.datasets[0].data.at(-1), due: c.data.datasets[1].data.at(-1)}; }"""
    )
    # then counts and progress share one 0-100% axis: 3 of 8 completed (T1, T2, T9), 5 of 8 due (+T4, T7)
    assert chart == {"axes": ["x", "y"], "max": 100, "completed": 37.5, "due": 62.5}
