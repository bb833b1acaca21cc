"""An admin sets up a unit and a person in the Django admin; the person then
signs in and sees the unit's tasks."""

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, WorkPlanFactory
from units.models import Membership, Unit

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ADMIN_PASSWORD = "Qu4n-tri-vien!"
USER_PASSWORD = "Nh4n-vien-moi!"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_creates_a_unit_and_a_user_who_then_sees_the_units_tasks(live_server, page):
    # Given an administrator and the 2021 plan
    UserFactory(username="quantri", password=ADMIN_PASSWORD, is_staff=True, is_superuser=True)
    WorkPlanFactory(year=2021)
    ARTIFACTS.mkdir(exist_ok=True)

    # When the admin signs in to /admin/
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill("quantri")
    page.locator("#id_password").fill(ADMIN_PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()

    # And creates a unit
    page.goto(live_server.url + "/admin/units/unit/add/")
    page.locator("#id_code").fill("VU-SHTT")
    page.locator("#id_name").fill("Vụ Sở hữu trí tuệ và Tiêu chuẩn")
    page.locator("#id_kind").select_option("department")
    page.locator("[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    unit = Unit.objects.get(code="VU-SHTT")

    # (the plan gives the new unit a task, as an import would)
    TaskFactory(plan__year=2021, code="NV-2021-77", title="Rà soát tiêu chuẩn sở hữu trí tuệ", lead_unit=unit)

    # And creates a user in it, on one screen, with the membership inline
    page.goto(live_server.url + "/admin/auth/user/add/")
    page.locator("#id_username").fill("hoa.tran")
    page.locator("#id_password1").fill(USER_PASSWORD)
    page.locator("#id_password2").fill(USER_PASSWORD)
    page.locator("#id_first_name").fill("Hoa")
    page.locator("#id_last_name").fill("Trần")
    # The unit field is a select2 autocomplete: open it, type, pick.
    page.locator("#memberships-0 .select2-selection").click()
    page.locator(".select2-search__field").fill("shtt")
    page.locator(".select2-results__option", has_text="VU-SHTT").click()
    page.locator("#id_memberships-0-role").select_option("staff")
    page.screenshot(path=ARTIFACTS / "admin-user-add.png", full_page=True)
    page.locator("[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert list(Membership.objects.values_list("user__username", "unit__code", "role")) == [
        ("hoa.tran", "VU-SHTT", "staff")
    ]

    # Then the new user signs in and sees the unit's task on /my/
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/?next=/my/")
    page.locator("input[name=username]").fill("hoa.tran")
    page.locator("input[name=password]").fill(USER_PASSWORD)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    # Depends on issue 3 (/my/, URL name tasks:my) being merged.
    page.wait_for_url(live_server.url + "/my/")
    expect(page.get_by_text("NV-2021-77")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "admin-journey-my.png", full_page=True)


def test_admin_pages_look_right(live_server, page):
    """Screenshots of the units tree and the import preview for review."""
    from tasks.imports import tasks_export_workbook
    from tasks.models import Task

    UserFactory(username="quantri", password=ADMIN_PASSWORD, is_staff=True, is_superuser=True)
    ministry = UnitFactory(code="BO-KHCN", name="Bộ Khoa học và Công nghệ", kind="ministry", sort_order=1)
    directorate = UnitFactory(
        code="TCDLCL", name="Tổng cục Tiêu chuẩn Đo lường Chất lượng", kind="directorate", parent=ministry, sort_order=2
    )
    tc = UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn", parent=directorate, sort_order=3)
    UnitFactory(code="VU-DL", name="Vụ Đo lường", parent=directorate, sort_order=4)
    TaskFactory(plan__year=2021, code="NV-01", lead_unit=tc)
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill("quantri")
    page.locator("#id_password").fill(ADMIN_PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.goto(live_server.url + "/admin/units/unit/")
    expect(page.locator(".unit-tree-depth-2").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "admin-units-tree.png", full_page=True)

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(tasks_export_workbook(tasks=Task.objects.all())))
    sheet = workbook.worksheets[0]
    sheet.append(
        [2021, "NV-02", "Nhiệm vụ lỗi", "", "space", "VU-XYZ", "", "", "31/02/2021", "2021-01-01", "", "", "", 150]
    )
    sheet.append(
        [
            2021,
            "NV-03",
            "Nhiệm vụ mới",
            "",
            "standards",
            "VU-DL",
            "VU-TC",
            "NV-01",
            "2021-02-01",
            "2021-03-01",
            "",
            "",
            "",
            "",
        ]
    )
    path = ARTIFACTS / "import-preview.xlsx"
    workbook.save(path)
    page.goto(live_server.url + "/admin/tasks/task/import/")
    page.locator("input[type=file]").set_input_files(str(path))
    page.locator("input[type=submit]").click()
    expect(page.locator("#import-preview")).to_be_visible()
    expect(page.locator("tr.row-error")).to_have_count(1)
    page.screenshot(path=ARTIFACTS / "admin-import-preview.png", full_page=True)
