"""The accountable process in real Chromium: the lead unit asks for an
extension, a Leadership member approves it from the queue, the task shows its
new due date, and the dashboard for a day before the approval is unchanged."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from plan_portal.tests.factories import MembershipFactory, TaskFactory, UnitFactory, UserFactory, WorkPlanFactory
from tasks.models import DueDateChange, Task, TaskRequest
from tasks.services import task_record_progress
from units.models import Membership

from .test_browser_staff import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIGURES = ("completed_on_time", "completed_late", "open_within_deadline", "open_overdue", "extended")


def _figures(page, live_server) -> dict:
    page.goto(live_server.url + "/dashboard/?plan=2020&as_of=2020-07-05")
    return {key: page.locator(f"[data-figure={key}] [data-count]").inner_text() for key in FIGURES} | {
        "overdue": page.get_by_test_id("overdue-list").inner_text()
    }


def test_an_extension_asked_approved_from_the_queue_and_a_past_that_does_not_move(live_server, page):
    # Given a task of VU-TC, due 30/06/2020, at 60% since 05/06 (a flushed
    # database has no Leadership group: give it its permission again)
    group, _ = Group.objects.get_or_create(name="Leadership")
    group.permissions.add(Permission.objects.get(codename="decide_request"))
    plan = WorkPlanFactory(year=2020)
    tc = UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn")
    head = MembershipFactory(
        unit=tc,
        user=UserFactory(username="vu-tc-head", first_name="Lê Minh", last_name="Hà"),
        role=Membership.Role.HEAD,
    ).user
    UserFactory(leadership=True, username="lanhdao", first_name="Lãnh đạo", last_name="Tổng cục")
    task = TaskFactory(
        plan=plan,
        code="NV-2020-11",
        title="Định hướng Bộ, ngành xây dựng TCVN, QCVN",
        lead_unit=tc,
        start_date=date(2020, 1, 2),
        due_date=date(2020, 6, 30),
    )
    task_record_progress(
        task=task,
        author=head,
        status="in_progress",
        progress=60,
        note="Đã gửi văn bản đề nghị các Bộ, ngành.",
        recorded_at=datetime(2020, 6, 5, 15, tzinfo=TZ),
    )
    sign_in(page, live_server, "lanhdao")
    before = _figures(page, live_server)
    assert before["open_overdue"] == "1" and before["extended"] == "0"

    # When the lead unit's head asks for an extension on the task's page
    page.context.clear_cookies()
    sign_in(page, live_server, "vu-tc-head")
    page.goto(live_server.url + f"/tasks/{task.pk}/")
    form = page.get_by_test_id("request-form")
    form.locator("select[name=kind]").select_option("extension")
    form.locator("textarea[name=reason]").fill("Nhiều Bộ, ngành chưa gửi danh mục đề xuất.")
    form.locator("input[name=proposed_due_date]").fill("2020-09-30")
    form.get_by_role("button", name="Gửi đề nghị").click()
    expect(page.get_by_test_id("pending-request")).to_contain_text("Gia hạn thời hạn hoàn thành")
    assert TaskRequest.objects.get().state == "pending"

    # And a Leadership member approves it from the queue with the approving document
    page.context.clear_cookies()
    sign_in(page, live_server, "lanhdao")
    page.goto(live_server.url + "/requests/")
    row = page.get_by_test_id("request-row").filter(has_text="NV-2020-11")
    expect(row.get_by_test_id("request-state")).to_have_text("Chờ xử lý")
    row.locator("select[name=decision]").select_option("approve")
    row.locator("input[name=document_ref]").fill("Công văn số 1187/TĐC-VP ngày 10/07/2020")
    row.get_by_role("button", name="Lưu quyết định").click()
    expect(
        page.get_by_test_id("request-row").filter(has_text="NV-2020-11").get_by_test_id("request-state")
    ).to_have_text("Đã phê duyệt")

    # Then the task shows its new due date, the original one and the decision
    page.goto(live_server.url + f"/tasks/{task.pk}/")
    expect(page.get_by_test_id("due-date")).to_have_text("30/09/2020")
    expect(page.get_by_test_id("due-date-changes")).to_contain_text("30/06/2020 → 30/09/2020")
    expect(page.get_by_test_id("due-date-changes")).to_contain_text("Công văn số 1187/TĐC-VP ngày 10/07/2020")
    expect(page.locator("#timeline [data-kind=decision]")).to_contain_text("Đã phê duyệt")
    assert Task.objects.get(pk=task.pk).due_date == date(2020, 9, 30)
    assert DueDateChange.objects.get().document_ref == "Công văn số 1187/TĐC-VP ngày 10/07/2020"

    # And the dashboard for a day before the approval has not moved
    assert _figures(page, live_server) == before
    expect(page.get_by_test_id("overdue-list")).to_contain_text("NV-2020-11")
    page.goto(live_server.url + "/dashboard/?plan=2020")
    expect(page.locator("[data-figure=extended] [data-count]")).to_have_text("1")
    expect(page).to_have_url(re.compile("/dashboard/"))
