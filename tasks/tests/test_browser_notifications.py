"""Notifications in real Chromium (issue 12): a coordinating unit's staff member
mentions a lead-unit colleague, who sees the bell's count, opens the notification
and replies; a Leadership member urges all of a unit's overdue tasks and the
unit's head finds them under the bell."""

import re
from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, WorkPlanFactory, member
from tasks.models import Comment, Notification
from units.models import Membership

from .test_browser_staff import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_units(db):
    # A flushed database has no Leadership group: give it its permission again.
    group, _ = Group.objects.get_or_create(name="Leadership")
    group.permissions.add(Permission.objects.get(codename="decide_request"))
    plan = WorkPlanFactory(year=2020)
    tc, dl = UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn"), UnitFactory(code="VU-DL", name="Vụ Đo lường")
    member(tc, username="vu-tc-hoa", first_name="Hòa", last_name="Nguyễn Thị")
    member(tc, Membership.Role.HEAD, username="vu-tc-truong", first_name="Minh", last_name="Lê Văn")
    member(dl, username="vu-dl", first_name="Trang", last_name="Phạm Thu")
    UserFactory(username="lanhdao", first_name="Lãnh đạo", last_name="Tổng cục", leadership=True)
    first = TaskFactory(plan=plan, code="NV-01", lead_unit=tc, due_date=date(2020, 6, 30), coordinators=[dl])
    second = TaskFactory(plan=plan, code="NV-02", lead_unit=tc, due_date=date(2020, 9, 30))
    return first, second


def post_comment(page, text: str) -> None:
    page.locator("#id_comment_body").fill(text)
    page.get_by_test_id("comment-form").get_by_role("button", name="Gửi bình luận").click()


def test_a_mentioned_colleague_sees_the_bell_opens_the_notification_and_replies(live_server, page, two_units):
    first, _second = two_units

    # Given the coordinating unit's staff member mentions a colleague of the lead unit
    sign_in(page, live_server, "vu-dl")
    page.goto(live_server.url + f"/tasks/{first.pk}/")
    post_comment(page, "Nhờ @vu-tc-hoa xem dự thảo giúp")
    expect(page.locator("[data-kind=comment]").get_by_test_id("mention")).to_have_text("@vu-tc-hoa")

    # When the colleague signs in
    page.context.clear_cookies()
    sign_in(page, live_server, "vu-tc-hoa")

    # Then the bell shows one unread notification, read out with its count
    bell = page.get_by_test_id("bell")
    expect(page.get_by_test_id("bell-count")).to_have_text("1")
    expect(bell).to_have_attribute("aria-label", "Thông báo, 1 chưa đọc")

    # When they open the notifications and the mention
    bell.click()
    link = page.get_by_test_id("notification").filter(has_text="NV-01").get_by_test_id("notification-link")
    expect(link).to_have_text("Trang Phạm Thu đã nhắc đến bạn trong nhiệm vụ NV-01")
    link.click()

    # Then they are on the task with the comment, and the bell has nothing left
    expect(page).to_have_url(re.compile(rf"/tasks/{first.pk}/#comment-{Comment.objects.get().pk}$"))
    expect(page.locator("[data-kind=comment]").get_by_test_id("comment-body")).to_contain_text("xem dự thảo giúp")
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
    expect(page.get_by_test_id("bell")).to_have_attribute("aria-label", "Thông báo, 0 chưa đọc")

    # When they reply, mentioning the colleague who asked
    post_comment(page, "@vu-dl Đã xem, chiều nay gửi lại bản sửa")

    # Then the reply is in the timeline and its author is told, once
    expect(page.locator("[data-kind=comment]").first.get_by_test_id("comment-body")).to_contain_text("bản sửa")
    assert Comment.objects.count() == 2
    mentions = Notification.objects.filter(kind="mention").values_list("recipient__username", "actor__username")
    assert sorted(mentions) == [("vu-dl", "vu-tc-hoa"), ("vu-tc-hoa", "vu-dl")]


def test_the_units_head_finds_the_urgings_of_all_its_overdue_tasks_under_the_bell(live_server, page, two_units):
    first, second = two_units

    # Given a Leadership member urges all of VU-TC's overdue tasks from the unit page
    sign_in(page, live_server, "lanhdao")
    page.goto(live_server.url + "/units/VU-TC/?plan=2020")
    form = page.get_by_test_id("urge-overdue-form")
    form.locator("textarea[name=note]").fill("Đề nghị Vụ khẩn trương hoàn thành, báo cáo trước 15/12.")
    form.get_by_role("button", name="Đôn đốc các nhiệm vụ quá hạn").click()
    expect(page.locator(".alert-success")).to_contain_text("2 nhiệm vụ quá hạn")

    # When the unit's head signs in
    page.context.clear_cookies()
    sign_in(page, live_server, "vu-tc-truong")

    # Then the bell counts both urgings, and the notifications page lists them with the note
    expect(page.get_by_test_id("bell-count")).to_have_text("2")
    page.get_by_test_id("bell").click()
    rows = page.get_by_test_id("notification")
    expect(rows).to_have_count(2)
    for task in (first, second):
        row = rows.filter(has_text=task.code)
        expect(row.get_by_test_id("notification-link")).to_have_text(
            f"Lãnh đạo Tổng cục đã đôn đốc đơn vị bạn về nhiệm vụ {task.code}"
        )
        expect(row).to_contain_text("báo cáo trước 15/12")

    # When the head opens one, it is read and the task's timeline shows the urging
    rows.filter(has_text="NV-02").get_by_test_id("notification-link").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{second.pk}/#urging-\d+$"))
    expect(page.locator("[data-kind=urging]")).to_contain_text("báo cáo trước 15/12")
    expect(page.get_by_test_id("bell-count")).to_have_text("1")
