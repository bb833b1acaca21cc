import io
from datetime import date, datetime

import factory
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from plan_portal.tests import factories
from plan_portal.tests.factories import UnitFactory, WorkPlanFactory, record_progress
from tasks.imports import (
    COLUMNS,
    tasks_export_workbook,
    tasks_import_apply,
    tasks_import_preview,
    tasks_template_workbook,
)
from tasks.models import ProgressUpdate, Task, TaskCoordination

# english, root and superuser_client come from the root conftest.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
User = get_user_model()


class TaskFactory(factories.TaskFactory):
    """Tasks of the import tests: in the 2021 plan, 15/01-30/11 (the exported rows name these
    dates), with an English title so that the round trips carry one."""

    plan = factory.SubFactory(WorkPlanFactory, year=2021)
    title_en = factory.Sequence(lambda n: f"Draft national standard {n}")
    start_date = date(2021, 1, 15)
    due_date = date(2021, 11, 30)


@pytest.fixture
def plan(root):
    """A 2021 plan: a parent task with a sub-task, coordinators, one task in progress."""
    plan = WorkPlanFactory(year=2021)
    # Listed in this order wherever units are sorted (coordinators in the export).
    tc = UnitFactory(code="VU-TC", sort_order=1)
    dl = UnitFactory(code="VU-DL", sort_order=2)
    ql = UnitFactory(code="VU-QLCL", sort_order=3)
    parent = TaskFactory(
        plan=plan, code="NV-01", title="Xây dựng Luật Đo lường sửa đổi", lead_unit=dl, coordinators=[tc, ql]
    )
    child = TaskFactory(plan=plan, code="NV-01.1", parent=parent, lead_unit=dl, legal_basis="Luật Đo lường 2011")
    record_progress(child, at=timezone.now(), status="in_progress", progress=30, note="Đang soạn", author=root)
    TaskFactory(plan=plan, code="NV-02", title="Rà soát tiêu chuẩn quốc gia", lead_unit=tc)
    return plan


def snapshot():
    """Everything an import could change, plus the audit and journal row counts."""
    return (
        list(
            Task.objects.order_by("code").values_list(
                "code",
                "title",
                "field",
                "lead_unit__code",
                "parent__code",
                "start_date",
                "due_date",
                "legal_basis",
                "expected_output",
                "status",
                "progress",
                "version",
            )
        ),
        sorted(TaskCoordination.objects.values_list("task__code", "unit__code")),
        Task.history.count(),
        ProgressUpdate.objects.count(),
    )


def sheet_rows(data: bytes) -> list[list]:
    return [list(row) for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True)]


def workbook_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_plan() -> list[list]:
    return sheet_rows(tasks_export_workbook(tasks=Task.objects.all()))


def test_export_writes_the_header_and_one_row_per_task(plan):
    rows = export_plan()
    assert rows[0] == [str(label) for _key, label in COLUMNS]
    assert rows[1] == [
        2021, "NV-01", "Xây dựng Luật Đo lường sửa đổi", rows[1][3], "Standards", "VU-DL", "VU-TC, VU-QLCL", None,
        datetime(2021, 1, 15), datetime(2021, 11, 30), None, None, "Not started", 0,
    ]  # fmt: skip
    assert [row[1] for row in rows[1:]] == ["NV-01", "NV-01.1", "NV-02"]
    assert rows[2][7] == "NV-01" and rows[2][12:] == ["In progress", 30]


def test_export_then_import_changes_nothing(plan, root):
    before = snapshot()
    data = tasks_export_workbook(tasks=Task.objects.all())
    preview = tasks_import_preview(file=io.BytesIO(data), user=root)
    assert preview.counts == {"create": 0, "update": 0, "unchanged": 3, "errors": 0}
    tasks_import_apply(file=io.BytesIO(data), user=root)
    assert snapshot() == before


def test_export_modify_import_changes_exactly_the_edited_cells(plan, root):
    # Given an export where one title, one coordinator list and one progress are edited, and a row added
    rows = export_plan()
    rows[1][2] = "Xây dựng Luật Đo lường (sửa đổi) – trình Quốc hội"
    rows[3][6] = "VU-DL"
    rows[2][13] = 45
    rows.append(
        [
            2021,
            "NV-03",
            "Hội nghị tổng kết",
            "",
            "general",
            "VU-TC",
            "",
            "NV-02",
            "01/11/2021",
            "2021-12-20",
            "",
            "",
            "",
            "",
        ]
    )
    data = workbook_bytes(rows)
    before_history = Task.history.count()
    # When previewed
    preview = tasks_import_preview(file=io.BytesIO(data), user=root)
    assert [(row.code, row.action, row.changes) for row in preview.rows] == [
        ("NV-01", "update", ["Title (Vietnamese)"]),
        ("NV-01.1", "update", ["Status", "Progress (%)"]),
        ("NV-02", "update", ["Coordinating unit codes (comma separated)"]),
        (
            "NV-03",
            "create",
            ["Title (Vietnamese)", "Field", "Lead unit code", "Parent task code", "Start date", "Due date"],
        ),
    ]
    # Then applying it changes exactly that
    tasks_import_apply(file=io.BytesIO(data), user=root)
    tasks = {task.code: task for task in Task.objects.select_related("parent")}
    assert tasks["NV-01"].title == "Xây dựng Luật Đo lường (sửa đổi) – trình Quốc hội"
    assert (tasks["NV-01.1"].status, tasks["NV-01.1"].progress) == ("in_progress", 45)
    assert sorted(TaskCoordination.objects.values_list("task__code", "unit__code")) == [
        ("NV-01", "VU-QLCL"), ("NV-01", "VU-TC"), ("NV-02", "VU-DL"),
    ]  # fmt: skip
    new = tasks["NV-03"]
    assert (new.parent.code, new.start_date, new.due_date, new.status) == (
        "NV-02",
        date(2021, 11, 1),
        date(2021, 12, 20),
        "not_started",
    )
    # One history row for the edited title, one for the new coordinating units, one for the new task;
    # the progress went to the journal by the importer
    assert Task.history.count() == before_history + 3
    assert Task.history.filter(code="NV-02").latest().coordinating_unit_codes == "VU-DL"
    assert Task.history.filter(code="NV-01").latest().history_change_reason == "Imported from spreadsheet"
    journal = ProgressUpdate.objects.filter(task__code="NV-01.1").latest()
    assert (journal.author, journal.previous_progress, journal.progress, journal.note) == (
        root, 30, 45, "Imported from spreadsheet",
    )  # fmt: skip
    # And importing the same file again changes nothing
    after = snapshot()
    assert tasks_import_preview(file=io.BytesIO(data), user=root).counts == {
        "create": 0,
        "update": 0,
        "unchanged": 4,
        "errors": 0,
    }
    tasks_import_apply(file=io.BytesIO(data), user=root)
    assert snapshot() == after


with translation.override("en"):
    HEADER = [str(label) for _key, label in COLUMNS]
GOOD = [
    2021,
    "NV-10",
    "Nhiệm vụ mới",
    "",
    "metrology",
    "VU-DL",
    "VU-TC",
    "",
    "2021-02-01",
    "2021-06-30",
    "",
    "",
    "",
    "",
]


def with_cells(**cells):
    row = list(GOOD)
    keys = [key for key, _label in COLUMNS]
    for key, value in cells.items():
        row[keys.index(key)] = value
    return row


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (with_cells(lead_unit="VU-XYZ"), 'Unknown lead unit code "VU-XYZ".'),
        (with_cells(coordinating_units="VU-TC, VU-NOPE"), 'Unknown coordinating unit code "VU-NOPE".'),
        (with_cells(start_date="31/02/2021"), 'Start date "31/02/2021" is not a date (use DD/MM/YYYY).'),
        (with_cells(start_date="2021-07-01"), "The due date cannot be before the start date."),
        (with_cells(progress=120), 'Progress "120" must be a whole number between 0 and 100.'),
        (with_cells(progress="nửa"), 'Progress "nửa" must be a whole number between 0 and 100.'),
        (
            with_cells(field="space"),
            'Unknown field "space"; use one of: Legal framework, General coordination, Standards, Metrology,'
            " Quality and inspection, Conformity assessment, Barcodes and traceability, Productivity and quality,"
            " International cooperation, Internal administration.",
        ),
        (
            with_cells(status="done"),
            'Unknown status "done"; use one of: Not started, In progress, Completed, On hold, Cancelled.',
        ),
        (with_cells(status="completed", progress=80), "A completed task has progress 100%."),
        (with_cells(plan_year=2030), "There is no work plan for 2030; create it in the admin first."),
        (with_cells(parent="NV-99"), 'Unknown parent task code "NV-99" in this plan.'),
        (with_cells(title=""), "The title is missing."),
        (with_cells(title="x" * 501), "title (Vietnamese): Ensure this value has at most 500 characters (it has 501)."),
    ],
)
def test_preview_lists_row_errors_and_nothing_is_written(plan, root, row, error):
    before = snapshot()
    data = workbook_bytes([HEADER, GOOD[:1] + ["NV-11"] + GOOD[2:], row])
    preview = tasks_import_preview(file=io.BytesIO(data), user=root)
    assert [(r.number, r.errors) for r in preview.rows] == [(2, []), (3, [error])]
    assert not preview.is_clean
    with pytest.raises(Exception, match="Rows with errors: 3. Nothing was imported."):
        tasks_import_apply(file=io.BytesIO(data), user=root)
    assert snapshot() == before


def test_preview_flags_a_code_that_appears_twice(plan, root):
    before = snapshot()
    data = workbook_bytes([HEADER, GOOD, with_cells(title="Bản trùng")])
    preview = tasks_import_preview(file=io.BytesIO(data), user=root)
    assert [(r.number, r.errors) for r in preview.rows] == [
        (2, []),
        (3, ["Task code NV-10 appears twice (also row 2)."]),
    ]
    with pytest.raises(Exception, match="Nothing was imported"):
        tasks_import_apply(file=io.BytesIO(data), user=root)
    assert snapshot() == before


def test_a_file_that_is_not_the_template_is_refused(plan, root):
    with pytest.raises(Exception, match='Column 1 of the first row should be "Plan year"'):
        tasks_import_preview(file=io.BytesIO(workbook_bytes([["Tên", "Mã"], GOOD])), user=root)
    with pytest.raises(Exception, match=r"This is not an Excel \(.xlsx\) file"):
        tasks_import_preview(file=io.BytesIO(b"code,title\nNV-1,x\n"), user=root)


def test_vietnamese_headers_are_accepted(plan, root):
    with translation.override("vi"):
        data = tasks_export_workbook(tasks=Task.objects.all())
    assert tasks_import_preview(file=io.BytesIO(data), user=root).counts["unchanged"] == 3


def test_template_has_the_header_and_a_sample_row_in_labels(plan, root):
    # given the template in Vietnamese
    with translation.override("vi"):
        data = tasks_template_workbook()
    rows = sheet_rows(data)
    # then the field and status cells hold their Vietnamese labels, the code marks the sample row
    assert rows[1][:2] == [2021, "VD-2021-01"]
    assert (rows[1][4], rows[1][12]) == ("Đo lường", "Chưa thực hiện")
    assert rows[0][4] == "Lĩnh vực" and rows[0][12] == "Trạng thái"
    assert len(rows) == 2
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["B2"].comment.text == "Dòng mẫu — sẽ bị bỏ qua khi nhập. Hãy thay bằng các nhiệm vụ của bạn."


def test_template_offers_drop_down_lists_and_dd_mm_yyyy_dates(plan, root):
    with translation.override("vi"):
        workbook = load_workbook(io.BytesIO(tasks_template_workbook()))
    sheet, lists = workbook.worksheets
    rules = {str(rule.sqref): (rule.type, rule.formula1) for rule in sheet.data_validations.dataValidation}
    # field (E), lead unit (F) and status (M) offer the Lists sheet's columns; the dates (I, J) must be dates
    assert rules == {
        "E2:E1001": ("list", "'Danh mục'!$A$2:$A$11"),
        "F2:F1001": ("list", "'Danh mục'!$G$2:$G$4"),
        "M2:M1001": ("list", "'Danh mục'!$D$2:$D$6"),
        "I2:I1001 J2:J1001": ("date", "DATE(2000,1,1)"),
    }
    assert [cell.value for cell in lists["A"]][:3] == ["Lĩnh vực", "Pháp luật", "Tổng hợp"]
    assert [cell.value for cell in lists["G"]][:5] == ["Mã đơn vị", "VU-TC", "VU-DL", "VU-QLCL", None]
    assert (sheet["I2"].number_format, sheet["J2"].number_format) == ("DD/MM/YYYY", "DD/MM/YYYY")
    assert sheet.column_dimensions["I"].number_format == "DD/MM/YYYY"


def test_the_template_uploaded_unchanged_imports_nothing_and_says_so(plan, root, superuser_client):
    before = snapshot()
    with translation.override("vi"):
        data = tasks_template_workbook()
    preview = tasks_import_preview(file=io.BytesIO(data), user=root)
    assert (preview.rows, preview.samples, preview.has_changes) == ([], [2], False)
    html = upload(superuser_client, data).content.decode()
    assert "Confirm import" not in html
    assert "Row 2 is a sample row (code starting with VD-): skipped." in html
    assert "The file holds only the template's sample row: nothing to import." in html
    assert snapshot() == before


def test_the_sample_row_is_skipped_beside_real_rows(plan, root):
    with translation.override("vi"):
        rows = sheet_rows(tasks_template_workbook())
    rows.append(
        [2021, "NV-09", "Hội nghị", "", "Đo lường", "VU-TC", "", "", "01/03/2021", "30/04/2021", "", "", "", ""]
    )
    preview = tasks_import_preview(file=io.BytesIO(workbook_bytes(rows)), user=root)
    assert [(row.number, row.code, row.action) for row in preview.rows] == [(3, "NV-09", "create")]
    assert preview.samples == [2]


def test_vietnamese_labels_and_old_keys_are_both_accepted(plan, root):
    # given one row with the Vietnamese labels and one with the keys of older files (under the old headers)
    rows = export_plan()
    rows[0][4], rows[0][12] = "Field key", "Status key"
    rows[1][4], rows[1][12] = "standards", "not_started"
    rows[3][4], rows[3][12] = "Tiêu chuẩn", "Chưa thực hiện"
    # then nothing changes
    preview = tasks_import_preview(file=io.BytesIO(workbook_bytes(rows)), user=root)
    assert [(row.code, row.errors) for row in preview.rows] == [("NV-01", []), ("NV-01.1", []), ("NV-02", [])]
    assert preview.counts == {"create": 0, "update": 0, "unchanged": 3, "errors": 0}


# --- Through the admin ---------------------------------------------------------


def upload(client, data: bytes):
    file = SimpleUploadedFile("plan.xlsx", data, content_type="application/vnd.ms-excel")
    return client.post(reverse("admin:tasks_task_import"), {"file": file})


def test_admin_upload_shows_errors_and_offers_no_confirmation(superuser_client, plan):
    before = snapshot()
    response = upload(superuser_client, workbook_bytes([HEADER, with_cells(lead_unit="VU-XYZ")]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unknown lead unit code &quot;VU-XYZ&quot;." in html
    assert 'name="confirm"' not in html
    assert snapshot() == before


def test_admin_upload_then_confirm_imports_in_one_go(superuser_client, plan, root):
    response = upload(superuser_client, workbook_bytes([HEADER, GOOD]))
    assert 'name="confirm"' in response.content.decode()
    assert not Task.objects.filter(code="NV-10").exists()
    response = superuser_client.post(
        reverse("admin:tasks_task_import"), {"confirm": "1", "token": response.context["token"]}
    )
    assert response.status_code == 302
    task = Task.objects.get(code="NV-10")
    assert (task.lead_unit.code, list(task.coordinating_units.values_list("code", flat=True))) == ("VU-DL", ["VU-TC"])
    assert task.history.get().history_user == root


def test_admin_confirm_with_a_stale_token_imports_nothing(superuser_client, plan):
    upload(superuser_client, workbook_bytes([HEADER, GOOD]))
    response = superuser_client.post(reverse("admin:tasks_task_import"), {"confirm": "1", "token": "forged"})
    assert response.status_code == 302
    assert not Task.objects.filter(code="NV-10").exists()


def test_admin_export_follows_the_list_filters(superuser_client, plan):
    response = superuser_client.get(reverse("admin:tasks_task_export"), {"q": "ra soat"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert [row[1] for row in sheet_rows(response.content)[1:]] == ["NV-02"]


def test_admin_template_download(superuser_client, plan):
    response = superuser_client.get(reverse("admin:tasks_task_import_template"))
    assert response.status_code == 200
    assert sheet_rows(response.content)[0] == HEADER
