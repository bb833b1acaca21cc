"""Layout as people meet it: a 1366 px laptop and a phone."""

import pytest

from plan_portal.tests.factories import member
from units.models import Unit

from .test_browser_staff import plan_tasks, sign_in  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ONE_LINE = """() => [...document.querySelectorAll('.portal-header .nav-link, .portal-header .btn')]
  .filter(el => el.offsetParent !== null)
  .filter(el => el.getBoundingClientRect().height > 1.8 * parseFloat(getComputedStyle(el).lineHeight))
  .map(el => el.textContent.trim())"""

# The first menu link starts right of the brand (it never slides under it).
NOTHING_UNDER_THE_BRAND = """() => document.querySelector('.portal-brand').getBoundingClientRect().right
  <= document.querySelector('.portal-header .nav-link').getBoundingClientRect().left"""


def test_the_top_bar_does_not_wrap_at_1366_px_and_the_filters_fold_on_a_phone(live_server, page, plan_tasks):  # noqa: F811
    # given the widest top bar: an administrator who is also Leadership and staff of a unit, with a long name
    member(
        Unit.objects.get(code="VU-TC"),
        username="quantri-lanhdao",
        first_name="Chuyên viên Vụ",
        last_name="Tiêu chuẩn Đo lường",
        is_staff=True,
        is_superuser=True,
        leadership=True,
    )
    # with a dozen unread notifications (the bell shows its count beside the language switch)
    from django.contrib.auth import get_user_model

    from tasks.notifications import Event, notify_events

    widest = get_user_model().objects.get(username="quantri-lanhdao")
    notify_events([Event(kind="comment", key=f"c:{i}", user_ids=frozenset([widest.pk]), url="/") for i in range(12)])
    sign_in(page, live_server, "quantri-lanhdao")
    # at 1366 px every link and button of the top bar is on one line
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server.url + "/tasks/?plan=2020")
    assert page.evaluate(ONE_LINE) == []
    assert page.evaluate(NOTHING_UNDER_THE_BRAND) is True
    assert page.locator("[data-testid=user-name]").evaluate(
        "el => el.getBoundingClientRect().height < 1.8 * parseFloat(getComputedStyle(el).lineHeight)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert page.get_by_test_id("bell").get_attribute("aria-label") == "Thông báo, 12 chưa đọc"
    assert page.get_by_test_id("bell-count").inner_text() == "12"
    bell, lang = page.get_by_test_id("bell").bounding_box(), page.locator(".portal-lang").bounding_box()
    assert abs((bell["y"] + bell["height"] / 2) - (lang["y"] + lang["height"] / 2)) < 4  # the same row
    assert page.locator("details[data-fold-on-phone]").get_attribute("open") is not None
    # on a phone the filters are folded, open from their summary, no label is cut, the plan is shown
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/tasks/")
    fold = page.locator("details[data-fold-on-phone]")
    assert fold.get_attribute("open") is None
    assert not page.locator("#id_q").is_visible()
    fold.locator("summary").click()
    assert page.locator("#id_q").is_visible()
    cut = page.evaluate(
        "() => [...document.querySelectorAll('.task-filters label')]"
        ".filter(l => l.offsetParent !== null && l.scrollWidth > l.clientWidth + 1).map(l => l.textContent.trim())"
    )
    assert cut == []
    assert page.locator("#id_plan").input_value() == "2020"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
