"""The XLSX import writes journal entries only for users who may: superusers, and
staff of the task's lead or a coordinating unit (the rule of the update form)."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from plan_portal.tests.factories import TaskFactory, UnitFactory, WorkPlanFactory, member
from tasks.imports import COLUMNS, tasks_export_workbook, tasks_import_apply, tasks_import_preview
from tasks.models import ProgressUpdate, Task, TaskCoordination

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
KEYS = [key for key, _label in COLUMNS]
REFUSED = (
    "You may not record the status or progress of task {code}: only superusers and staff of its lead unit"
    " may. Leave its status and progress cells as they are."
)


@pytest.fixture
def plan():
    plan = WorkPlanFactory(year=2021)
    ours, theirs = UnitFactory(code="VU-TC"), UnitFactory(code="VU-DL")
    TaskFactory(plan=plan, code="NV-01", title="Nhiệm vụ của Vụ Tiêu chuẩn", lead_unit=ours)
    TaskFactory(plan=plan, code="NV-02", title="Nhiệm vụ của Vụ Đo lường", lead_unit=theirs)
    return plan


@pytest.fixture
def staff_admin(plan):
    """Staff of VU-TC who may import tasks in the admin, not a superuser."""
    user = member(UnitFactory(code="VU-TC"), is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="tasks", codename__in=["add_task", "change_task", "view_task"]
        )
    )
    return user


def exported_rows() -> list[list]:
    data = tasks_export_workbook(tasks=Task.objects.all())
    return [list(row) for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True)]


def with_cells(rows: list[list], code: str, **cells) -> list[list]:
    row = next(row for row in rows if row[1] == code)
    for key, value in cells.items():
        row[KEYS.index(key)] = value
    return rows


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def state():
    return (
        list(Task.objects.order_by("code").values_list("code", "title", "status", "progress", "version")),
        sorted(TaskCoordination.objects.values_list("task__code", "unit__code")),
        Task.history.count(),
        list(ProgressUpdate.objects.values_list("task__code", "author__username", "progress")),
    )


def test_progress_of_another_units_task_is_a_row_error_and_nothing_is_written(staff_admin):
    before = state()
    data = xlsx(with_cells(exported_rows(), "NV-02", progress=50, title="Đổi tên"))

    preview = tasks_import_preview(file=io.BytesIO(data), user=staff_admin)

    assert [(row.code, row.errors) for row in preview.rows] == [
        ("NV-01", []),
        ("NV-02", [REFUSED.format(code="NV-02")]),
    ]
    with pytest.raises(ValidationError, match="Rows with errors: 3. Nothing was imported."):
        tasks_import_apply(file=io.BytesIO(data), user=staff_admin)
    assert state() == before


def test_the_refusal_is_translated(staff_admin):
    data = xlsx(with_cells(exported_rows(), "NV-02", status="in_progress"))

    with translation.override("vi"):
        preview = tasks_import_preview(file=io.BytesIO(data), user=staff_admin)

    assert preview.rows[1].errors == [
        "Bạn không được ghi trạng thái hoặc tiến độ của nhiệm vụ NV-02: chỉ quản trị viên cấp cao và cán bộ của"
        " đơn vị chủ trì được ghi. Hãy giữ nguyên ô trạng thái và tiến độ của nhiệm vụ này."
    ]


def test_own_units_progress_and_any_plan_fields_are_imported(staff_admin):
    # Given a file with progress for the user's own task and a new title for another unit's task
    data = xlsx(
        with_cells(with_cells(exported_rows(), "NV-01", status="in_progress", progress=40), "NV-02", title="Đổi tên")
    )
    # When imported
    preview = tasks_import_apply(file=io.BytesIO(data), user=staff_admin)
    # Then both are written, the journal entry by the importing user
    assert preview.counts == {"create": 0, "update": 2, "unchanged": 0, "errors": 0}
    assert list(Task.objects.order_by("code").values_list("title", "status", "progress")) == [
        ("Nhiệm vụ của Vụ Tiêu chuẩn", "in_progress", 40),
        ("Đổi tên", "not_started", 0),
    ]
    entry = ProgressUpdate.objects.get()
    assert (entry.task.code, entry.author, entry.note) == ("NV-01", staff_admin, "Imported from spreadsheet")


def test_a_new_task_gets_a_journal_entry_only_where_the_users_unit_leads(staff_admin):
    before = state()
    rows = exported_rows()
    new = [
        2021,
        "NV-03",
        "Nhiệm vụ mới",
        "",
        "general",
        "VU-DL",
        "",
        "",
        "2021-02-01",
        "2021-06-30",
        "",
        "",
        "in_progress",
        10,
    ]
    # Another unit's task, also when the user's unit only coordinates it (issue 11: only the lead unit records).
    for refused in (xlsx([*rows, new]), xlsx([*rows, new[:6] + ["VU-TC"] + new[7:]])):
        assert tasks_import_preview(file=io.BytesIO(refused), user=staff_admin).rows[2].errors == [
            REFUSED.format(code="NV-03")
        ]
    assert state() == before

    allowed = xlsx([*rows, new[:5] + ["VU-TC"] + new[6:]])
    tasks_import_apply(file=io.BytesIO(allowed), user=staff_admin)
    task = Task.objects.get(code="NV-03")
    assert (task.lead_unit.code, task.status, task.progress) == ("VU-TC", "in_progress", 10)
    assert list(ProgressUpdate.objects.values_list("task__code", "author__username")) == [
        ("NV-03", staff_admin.username)
    ]


def test_a_superuser_records_progress_on_any_task(plan, root):
    data = xlsx(with_cells(exported_rows(), "NV-02", status="completed", progress=100))

    tasks_import_apply(file=io.BytesIO(data), user=root)

    assert ProgressUpdate.objects.get().author == root
    assert Task.objects.get(code="NV-02").progress == 100


def test_the_admin_upload_shows_the_refusal_and_offers_no_confirmation(staff_admin, client):
    before = state()
    client.force_login(staff_admin)
    data = xlsx(with_cells(exported_rows(), "NV-02", progress=50))
    file = SimpleUploadedFile("plan.xlsx", data, content_type="application/vnd.ms-excel")

    response = client.post(reverse("admin:tasks_task_import"), {"file": file}, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "You may not record the status or progress of task NV-02" in html
    assert 'name="confirm"' not in html
    assert state() == before
