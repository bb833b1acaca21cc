"""Talking about tasks in real Chromium (issue 12): a coordinating unit's staff
member mentions a lead-unit colleague picked from the autocomplete (typed
without accents), and a Leadership member urges all of a unit's overdue tasks
from the unit page; the urgings show on those tasks' timelines."""

from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, WorkPlanFactory, member
from tasks.models import Comment, Urging

from .test_browser_staff import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mention_picked_from_the_autocomplete_and_a_unit_urged_from_its_page(live_server, page):
    # Given VU-TC leading two tasks overdue since 2020 (one coordinated by VU-DL) and one completed,
    # a colleague at VU-TC named with accents, and a Leadership member (a flushed database has no
    # Leadership group: give it its permission again)
    group, _ = Group.objects.get_or_create(name="Leadership")
    group.permissions.add(Permission.objects.get(codename="decide_request"))
    plan = WorkPlanFactory(year=2020)
    tc, dl = UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn"), UnitFactory(code="VU-DL", name="Vụ Đo lường")
    member(tc, username="vu-tc-hoa", first_name="Hòa", last_name="Nguyễn Thị")
    member(dl, username="vu-dl", first_name="Trang", last_name="Phạm Thu")
    UserFactory(username="lanhdao", first_name="Lãnh đạo", last_name="Tổng cục", leadership=True)
    first = TaskFactory(plan=plan, code="NV-01", lead_unit=tc, due_date=date(2020, 6, 30), coordinators=[dl])
    second = TaskFactory(plan=plan, code="NV-02", lead_unit=tc, due_date=date(2020, 9, 30))

    # When the coordinating unit's staff member types "@" and part of the name without accents
    sign_in(page, live_server, "vu-dl")
    page.goto(live_server.url + f"/tasks/{first.pk}/")
    box = page.locator("#id_comment_body")
    box.click()
    box.press_sequentially("Nhờ @nguyen thi h")
    # and picks the colleague from the list, then posts
    options = page.get_by_test_id("mention-list").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Nguyễn Thị Hòa")
    options.first.click()
    box.press_sequentially("xem dự thảo giúp")
    expect(box).to_have_value("Nhờ @vu-tc-hoa xem dự thảo giúp")
    page.get_by_test_id("comment-form").get_by_role("button", name="Gửi bình luận").click()

    # Then the swapped timeline says so in its live region, and the comment shows with the mention,
    # stored for notifications
    expect(page.get_by_test_id("timeline-status")).to_have_text("Đã gửi bình luận.")
    comment_item = page.locator("[data-kind=comment]")
    expect(comment_item.get_by_test_id("mention")).to_have_text("@vu-tc-hoa")
    expect(comment_item.get_by_test_id("comment-body")).to_contain_text("xem dự thảo giúp")
    assert list(Comment.objects.get().mentions.values_list("username", flat=True)) == ["vu-tc-hoa"]

    # When a Leadership member urges VU-TC's overdue tasks from the unit page
    page.context.clear_cookies()
    sign_in(page, live_server, "lanhdao")
    page.goto(live_server.url + "/units/VU-TC/?plan=2020")
    form = page.get_by_test_id("urge-overdue-form")
    form.locator("textarea[name=note]").fill("Đề nghị Vụ khẩn trương hoàn thành, báo cáo trước 15/12.")
    form.get_by_role("button", name="Đôn đốc các nhiệm vụ quá hạn").click()

    # Then the page confirms it and counts them, and each task's timeline shows the urging
    expect(page.locator(".alert-success")).to_contain_text("2 nhiệm vụ quá hạn")
    expect(page.get_by_test_id("urgings-total")).to_have_text("2")
    assert sorted(Urging.objects.values_list("task__code", flat=True)) == ["NV-01", "NV-02"]
    for task in (first, second):
        page.goto(live_server.url + f"/tasks/{task.pk}/")
        urging = page.locator("[data-kind=urging]")
        expect(urging.get_by_test_id("urging-badge")).to_have_text("Đôn đốc")
        expect(urging).to_contain_text("báo cáo trước 15/12")

    # When they urge one task from its page (htmx swaps the timeline and the urging form in)
    form = page.get_by_test_id("urge-form")
    form.locator("textarea[name=note]").fill("Đề nghị gửi dự thảo trong tuần.")
    form.get_by_role("button", name="Gửi ý kiến đôn đốc").click()

    # Then the timeline confirms it in its live region and lists it first; the form is empty again
    expect(page.get_by_test_id("timeline-status")).to_have_text("Đã gửi ý kiến đôn đốc tới VU-TC.")
    expect(page.locator("[data-kind=urging]").first).to_contain_text("Đề nghị gửi dự thảo trong tuần.")
    expect(page.get_by_test_id("urge-form").locator("textarea[name=note]")).to_have_value("")
    assert Urging.objects.filter(task=second).count() == 2
