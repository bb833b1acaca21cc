"""Dates read and are typed dd/mm/yyyy whatever the browser's language."""

import pytest
from django.conf import settings

from plan_portal.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def american_page(browser, live_server, client):
    # A browser set to American English: <input type=date> would show 10/02/2020 for 2 October.
    context = browser.new_context(locale="en-US", timezone_id="Asia/Ho_Chi_Minh")
    client.force_login(UserFactory(username="lanhdao-date"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    yield context.new_page()
    context.close()


def test_the_dashboard_date_field_shows_and_accepts_dd_mm_yyyy_in_an_american_browser(
    american_page, live_server, plan_2020
):
    page = american_page
    # given the dashboard as of 2 October 2020
    page.goto(f"{live_server.url}/dashboard/?plan=2020&as_of=2020-10-02")
    field = page.locator("#dash-as-of")
    # then the field and the heading agree, day first
    assert field.input_value() == "02/10/2020"
    assert "02/10/2020" in page.locator("h1 + p").inner_text()
    # when a person types 5 October as digits only and submits
    field.fill("")
    field.press_sequentially("05102020")
    assert field.input_value() == "05/10/2020"
    field.press("Enter")
    # then the dashboard is as of 5 October
    page.wait_for_url("**as_of=05%2F10%2F2020**")
    assert page.locator("#dash-as-of").input_value() == "05/10/2020"
    assert "05/10/2020" in page.locator("h1 + p").inner_text()


def test_the_task_list_due_date_filters_are_dd_mm_yyyy_text_fields(american_page, live_server, plan_2020):
    page = american_page
    # given the task list filtered by due date, typed the Vietnamese way
    page.goto(f"{live_server.url}/tasks/?plan=2020&due_from=01/06/2020&due_to=2020-06-30")
    # then both fields show dd/mm/yyyy and are plain text fields
    assert page.locator("#id_due_from").input_value() == "01/06/2020"
    assert page.locator("#id_due_to").input_value() == "30/06/2020"
    assert page.locator("input[type=date]").count() == 0
    # and the filter applied: T4 (due 15/06) and T9 (due 30/06) only
    codes = page.locator("tbody[data-task]").evaluate_all("rows => rows.map(r => r.dataset.task)")
    assert sorted(codes) == ["T4", "T9"]
