"""The inline update form without a mouse: open with Enter, fill, save, cancel with Escape,
with the focus where a person expects it."""

import pytest
from playwright.sync_api import expect

from tasks.models import Task

from .test_browser_staff import plan_tasks, sign_in  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_open_fill_save_and_cancel_the_inline_form_with_the_keyboard(live_server, page, plan_tasks):  # noqa: F811
    tasks, staff = plan_tasks
    sign_in(page, live_server, "vu-tc")
    page.goto(live_server.url + "/tasks/?plan=2020")
    row = page.locator("tbody[data-task='NV-2020-02']")

    # when the Update button is reached and Enter pressed
    row.get_by_test_id("open-update").focus()
    page.keyboard.press("Enter")
    # then the form opens with the focus in its first field (the status)
    expect(row.locator("form.task-inline-form")).to_be_visible()
    page.wait_for_function("() => document.activeElement.name === 'status'")

    # when Escape is pressed, the form closes and the focus is back on the row's Update button
    page.keyboard.press("Escape")
    expect(row.locator("form")).to_have_count(0)
    page.wait_for_function("() => document.activeElement.dataset.testid === 'open-update'")
    assert page.evaluate("() => document.activeElement.closest('tbody').dataset.task") == "NV-2020-02"

    # when it is opened again, filled by keyboard only and saved with Enter on the button
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.name === 'status'")
    page.keyboard.press("ArrowDown")  # not started -> in progress
    page.keyboard.press("Tab")
    page.keyboard.type("40")
    page.keyboard.press("Tab")
    page.keyboard.type("Đã hoàn thành dự thảo lần 1.")
    page.keyboard.press("Tab")  # the Save button
    page.keyboard.press("Enter")
    # then the update is saved and the focus is back on this row's Update button
    expect(row.get_by_test_id("saved")).to_be_visible()
    page.wait_for_function("() => document.activeElement.dataset.testid === 'open-update'")
    assert page.evaluate("() => document.activeElement.closest('tbody').dataset.task") == "NV-2020-02"
    task = Task.objects.get(pk=tasks[1].pk)
    assert (task.progress, task.version) == (40, 2)
