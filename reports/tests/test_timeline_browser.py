"""The timeline in Chromium: the chart drawn by vis-timeline, usable with a keyboard, the table behind a
button, the page without JavaScript, and the printout."""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from plan_portal.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
URL = "/timeline/?plan=2020&as_of=2020-06-30"


def _page(browser, live_server, **options):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900}, **options)
    client = Client()
    client.force_login(UserFactory(username="doc-tien-do"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + URL)
    return page


def test_the_chart_is_drawn_and_used_with_a_keyboard(browser, live_server, plan_2020):
    page = _page(browser, live_server)
    chart = page.locator("#timeline-chart")
    # the chart shows every task as a bar, grouped by lead unit, with today's line
    expect(chart.locator(".vis-item.timeline-task")).to_have_count(9)
    expect(chart.locator(".vis-label")).to_have_text([re.compile("DV-A"), re.compile("DV-B")])
    expect(chart.locator(".vis-current-time")).to_be_visible()
    # T4 is overdue: dashed and marked in words, its done share (30%) painted
    t4 = chart.locator(".vis-item.timeline-task-overdue", has_text="T4")
    expect(t4).to_contain_text("Quá hạn")
    assert t4.evaluate("el => el.style.getPropertyValue('--timeline-done')") == "30%"
    # the table is folded behind a button, which a keyboard opens
    table, toggle = page.locator("#timeline-table"), page.locator("#timeline-toggle")
    expect(table).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(table).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Enter")
    expect(table).to_be_hidden()
    # Tab from the button reaches the bars, each a link to its task
    page.keyboard.press("Tab")  # the task list's link
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.closest('#timeline-chart') !== null, document.activeElement.className]"
    )
    assert focused == [True, "timeline-item-link"]
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/tasks/\d+/$"))


def test_without_javascript_the_table_is_the_page(browser, live_server, plan_2020):
    page = _page(browser, live_server, java_script_enabled=False)
    expect(page.locator("#timeline-chart")).to_be_hidden()
    expect(page.locator("#timeline-table tr[data-task]")).to_have_count(9)
    expect(page.locator("#timeline-table tr[data-task='T4']")).to_contain_text("Quá hạn")


def test_the_printout_has_the_chart_then_the_table_without_the_filters(browser, live_server, plan_2020):
    page = _page(browser, live_server)
    expect(page.locator("#timeline-chart .vis-item").first).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("#timeline-chart")).to_be_visible()
    expect(page.locator("#timeline-table")).to_be_visible()
    expect(page.locator("form.task-filters")).to_be_hidden()
