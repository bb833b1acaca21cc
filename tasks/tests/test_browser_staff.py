"""Staff and Leadership journeys in real Chromium."""

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from plan_portal.tests.factories import PASSWORD, TaskFactory, UnitFactory, UserFactory, member
from tasks.models import ProgressUpdate, Task
from units.models import Membership

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username):
    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))


@pytest.fixture
def plan_tasks(db):
    tc = UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn", short_name="Vụ TC")
    dl = UnitFactory(code="VU-DL", name="Vụ Đo lường", short_name="Vụ ĐL")
    staff = member(tc, username="vu-tc", first_name="Phạm Thu", last_name="Trang")
    member(tc, Membership.Role.HEAD, username="vu-tc-head")
    titles = [
        ("NV-2020-01", "Xây dựng Đề án nâng cao năng lực đo lường quốc gia", tc, date(2020, 10, 31)),
        (
            "NV-2020-02",
            "Rà soát, chuyển đổi tiêu chuẩn quốc gia (TCVN) phù hợp tiêu chuẩn quốc tế",
            tc,
            date(2020, 12, 31),
        ),
        ("NV-2020-03", "Hướng dẫn áp dụng hệ thống quản lý chất lượng theo TCVN ISO 9001:2015", tc, date(2020, 6, 30)),
        ("NV-2020-04", "Triển khai Chương trình quốc gia nâng cao năng suất và chất lượng", tc, date(2020, 11, 30)),
        ("NV-2020-05", "Kiểm tra nhà nước về đo lường đối với phương tiện đo nhóm 2", dl, date(2020, 9, 30)),
    ]
    tasks = [
        TaskFactory(code=code, title=title, lead_unit=unit, start_date=date(2020, 1, 15), due_date=due)
        for code, title, unit, due in titles
    ]
    tasks[0].coordinations.create(unit=dl)
    return tasks, staff


def test_staff_filters_updates_a_task_inline_and_sees_it_in_the_timeline(live_server, page, plan_tasks):
    tasks, staff = plan_tasks
    sign_in(page, live_server, "vu-tc")
    page.goto(live_server.url + "/tasks/")

    page.get_by_label("Tìm kiếm").fill("do luong")
    page.get_by_role("button", name="Lọc", exact=True).click()
    expect(page).to_have_url(re.compile(r"q=do\+luong"))
    expect(page.get_by_test_id("match-count")).to_have_text(re.compile("2 nhiệm vụ"))

    row = page.locator("tbody[data-task='NV-2020-01']")
    row.get_by_test_id("open-update").click()
    form = row.locator("form.task-inline-form")
    expect(form).to_be_visible()
    form.locator("select[name=status]").select_option("in_progress")
    form.locator("input[name=progress]").fill("35")
    form.locator("textarea[name=note]").fill("Đã trình Bộ dự thảo Đề án lần 1.")
    form.get_by_role("button", name="Lưu cập nhật").click()

    expect(row.get_by_test_id("saved")).to_be_visible()
    expect(row.locator(".task-progress-value")).to_have_text("35%")
    expect(row.locator("form")).to_have_count(0)
    task = Task.objects.get(pk=tasks[0].pk)
    assert (task.status, task.progress, task.version) == ("in_progress", 35, 2)

    row.get_by_role("link", name=re.compile("Đề án nâng cao năng lực")).click()
    timeline = page.locator("#timeline")
    expect(timeline.get_by_test_id("timeline-item").first).to_contain_text("Đã trình Bộ dự thảo Đề án lần 1.")
    expect(timeline.get_by_test_id("timeline-item").first).to_contain_text("Phạm Thu Trang")


def test_leadership_reads_everything_and_sees_no_update_form(live_server, page, plan_tasks):
    tasks, _staff = plan_tasks
    UserFactory(username="lanhdao", first_name="Lãnh đạo", leadership=True)
    sign_in(page, live_server, "lanhdao")

    page.goto(live_server.url + "/tasks/")
    expect(page.get_by_test_id("match-count")).to_have_text(re.compile("5 nhiệm vụ"))
    expect(page.get_by_test_id("open-update")).to_have_count(0)

    page.goto(live_server.url + f"/tasks/{tasks[1].pk}/")
    expect(page.get_by_role("heading", name=tasks[1].title)).to_be_visible()
    expect(page.get_by_test_id("update-form")).to_have_count(0)


def test_a_refused_update_shows_the_error_next_to_the_field_and_saves_nothing(live_server, page, plan_tasks):
    tasks, _staff = plan_tasks
    sign_in(page, live_server, "vu-tc-head")
    page.goto(live_server.url + f"/tasks/{tasks[1].pk}/")

    form = page.get_by_test_id("update-form")
    form.locator("select[name=status]").select_option("completed")
    form.locator("input[name=progress]").fill("80")
    form.locator("textarea[name=note]").fill("Gần xong")
    form.get_by_role("button", name="Lưu cập nhật").click()

    form = page.get_by_test_id("update-form")
    error = form.locator("[data-field=progress]")
    expect(error).to_have_text("Nhiệm vụ đã hoàn thành phải có tiến độ 100%.")
    expect(form.locator("input[name=progress]")).to_have_class(re.compile("is-invalid"))
    expect(form.locator("textarea[name=note]")).to_have_value("Gần xong")
    assert ProgressUpdate.objects.count() == 0

    # Inline, from the list, with htmx: same rule, error next to the field.
    page.goto(live_server.url + "/tasks/?q=NV-2020-03")
    row = page.locator("tbody[data-task='NV-2020-03']")
    row.get_by_test_id("open-update").click()
    row.locator("input[name=progress]").fill("150")
    row.locator("textarea[name=note]").fill("Thử")
    row.get_by_role("button", name="Lưu cập nhật").click()
    expect(row.locator("[data-field=progress]")).to_have_text("Tiến độ phải là số nguyên từ 0 đến 100.")
    assert ProgressUpdate.objects.count() == 0


@pytest.mark.parametrize("width", [390, 1280])
def test_screenshots_of_the_list_and_detail(live_server, page, plan_tasks, width):
    from tasks.services import task_record_progress

    tasks, staff = plan_tasks
    for task, progress in zip(tasks, (60, 20, 100, 45, 10), strict=True):
        task_record_progress(
            task=task,
            author=staff,
            status="completed" if progress == 100 else "in_progress",
            progress=progress,
            note=f"Đã thực hiện được {progress}% khối lượng công việc.",
            check_permission=False,
        )
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "vu-tc")
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/tasks/")
    page.locator("tbody[data-task='NV-2020-02']").get_by_test_id("open-update").click()
    expect(page.locator("form.task-inline-form")).to_be_visible()
    page.mouse.move(0, 0)
    page.screenshot(path=ARTIFACTS / f"task-list-{width}.png", full_page=True)
    page.goto(live_server.url + f"/tasks/{tasks[0].pk}/")
    page.screenshot(path=ARTIFACTS / f"task-detail-{width}.png", full_page=True)
