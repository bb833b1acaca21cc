"""Hostile spreadsheets through the admin's XLSX import (hypothesis).

Whatever the cells hold: never an exception (a 500 in the admin); either the
file is refused with a clear Vietnamese message, or every row is previewed as
new / changed / unchanged or with Vietnamese errors; nothing changes until the
import is confirmed, and a confirmed clean preview imports exactly as previewed.
"""

import io
import re
from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from plan_portal.tests.factories import TaskFactory, UnitFactory, WorkPlanFactory, record_progress
from tasks.imports import COLUMNS, ImportFileError, tasks_import_apply, tasks_import_preview
from tasks.models import ProgressUpdate, Task, TaskCoordination

pytestmark = pytest.mark.django_db
with translation.override("vi"):
    HEADER = [str(label) for _key, label in COLUMNS]
GOOD = [2021, "NV-01", "Xây dựng Luật Đo lường", "", "metrology", "VU-DL", "VU-TC", "", "15/01/2021", "2021-11-30"]
GOOD += ["Luật Đo lường 2011", "", "in_progress", 30]
VIETNAMESE_LETTERS = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùýĐ")

# Cells a spreadsheet can hold, biased toward what the columns expect and what breaks parsers.
plausible = st.sampled_from(
    [2021, 2030, "2021", 2021.0, 2021.5, "NV-01", "NV-02", "NV-01.1", "VU-TC", "VU-DL", "vu-tc, VU-DL; VU-X", "metrology",
     "Đo lường", "completed", "Hoàn thành", "cancelled", "15/01/2021", "31/02/2021", "2021-12-31", 0, 100, 101, -1,
     "50%", "", " ", None, True, "=1+1", "@SUM(A1)", "-2", "+3", "\t=cmd", "\r\n", "x" * 600, "'", '"', "%(code)s",
     "%s", "{}", "<script>", "\u202etxet", "NV-01, NV-02"]
)  # fmt: skip
hostile = st.one_of(
    plausible,
    st.text(max_size=40).map(lambda text: ILLEGAL_CHARACTERS_RE.sub("", text)),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1)),
    st.times(),
)
row = st.dictionaries(st.integers(0, len(GOOD) - 1), hostile, max_size=5).map(
    lambda cells: [cells.get(index, value) for index, value in enumerate(GOOD)]
)
# Mostly the real header (so rows are read), sometimes a mangled one.
mangled = st.lists(plausible, min_size=1, max_size=3).map(lambda cells: cells + HEADER[len(cells) :])
header = st.one_of(st.just(HEADER), st.just(HEADER), st.just(HEADER), mangled)
workbooks = st.tuples(header, st.lists(row, min_size=1, max_size=2))


def xlsx(header: list, rows: list[list]) -> bytes:
    workbook = Workbook()
    for values in [header, *rows]:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def state():
    return (
        list(
            Task.objects.order_by("code").values_list(
                "code", "title", "lead_unit__code", "status", "progress", "version"
            )
        ),
        sorted(TaskCoordination.objects.values_list("task__code", "unit__code")),
        Task.history.count(),
        ProgressUpdate.objects.count(),
    )


def is_vietnamese(message: str) -> bool:
    """The message's own words (not the quoted cell value) are Vietnamese."""
    return bool(VIETNAMESE_LETTERS & set(re.sub(r'"[^"]*"', "", str(message))))


@pytest.fixture
def plan(root):
    plan = WorkPlanFactory(year=2021)
    dl, tc = UnitFactory(code="VU-DL"), UnitFactory(code="VU-TC")
    dates = {"start_date": date(2021, 1, 15), "due_date": date(2021, 11, 30)}  # those of GOOD
    task = TaskFactory(plan=plan, code="NV-02", lead_unit=dl, coordinators=[tc], **dates)
    TaskFactory(plan=plan, code="NV-01.1", parent=task, lead_unit=dl, **dates)
    record_progress(task, at=timezone.now(), status="in_progress", progress=10, note="Bắt đầu", author=root)
    return plan


def messages_of(call) -> tuple[object, list[str]]:
    """(preview, messages) of an import call; a file refused as a whole has no preview."""
    try:
        preview = call()
    except ImportFileError as error:
        return None, error.messages
    return preview, [message for row in preview.rows for message in row.errors]


def check_preview(data: bytes, user, before) -> None:
    with translation.override("vi"):
        preview, messages = messages_of(lambda: tasks_import_preview(file=io.BytesIO(data), user=user))
    assert state() == before
    assert messages or preview.rows
    event("file refused" if preview is None else "previewed")
    assert all(is_vietnamese(message) for message in messages), messages
    # The catch-all for an unexpected exception in a row must never be needed.
    assert "Không kiểm tra được dòng này; hãy đối chiếu các ô với tệp mẫu." not in messages
    if preview is None:
        return
    assert all(row.errors or row.action in ("create", "update", "unchanged") for row in preview.rows)
    event("clean" if preview.is_clean else "row errors")
    if preview.is_clean and preview.has_changes:
        with transaction.atomic():  # confirm, then undo, so the next example starts from the same plan
            applied = tasks_import_apply(file=io.BytesIO(data), user=user)
            assert applied.counts == preview.counts
            transaction.set_rollback(True)
        assert state() == before


SETTINGS = {"deadline": None, "database": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


@settings(max_examples=200, **SETTINGS)
@given(workbook=workbooks)
def test_hostile_cells_never_break_the_import(plan, root, workbook):
    check_preview(xlsx(*workbook), root, state())


@settings(max_examples=30, **SETTINGS)
@given(data=st.binary(max_size=300) | st.sampled_from([b"PK\x03\x04" + b"\x00" * 40, xlsx(HEADER, [GOOD])[:500]]))
def test_files_that_are_not_spreadsheets_are_refused_in_vietnamese(plan, root, data):
    check_preview(data, root, state())


@settings(max_examples=25, **SETTINGS)
@given(workbook=workbooks)
def test_hostile_cells_through_the_admin_never_answer_500(superuser_client, plan, workbook):
    before = state()
    superuser_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi"
    file = SimpleUploadedFile("plan.xlsx", xlsx(*workbook), content_type="application/vnd.ms-excel")
    response = superuser_client.post(reverse("admin:tasks_task_import"), {"file": file})
    assert response.status_code == 200
    assert state() == before
    preview = response.context.get("preview")
    if preview is not None and preview.is_clean and preview.has_changes:
        with transaction.atomic():
            token = response.context["token"]
            confirmed = superuser_client.post(reverse("admin:tasks_task_import"), {"confirm": "1", "token": token})
            assert confirmed.status_code == 302
            transaction.set_rollback(True)


def test_a_clean_row_and_a_time_where_a_date_belongs(plan, root):
    bad = GOOD[:8] + [time(10, 30)] + GOOD[9:]
    with translation.override("vi"):
        preview = tasks_import_preview(file=io.BytesIO(xlsx(HEADER, [GOOD, bad])), user=root)
    assert [(row.action, row.errors) for row in preview.rows] == [
        ("create", []),
        (
            "",
            [
                "Mã nhiệm vụ NV-01 bị trùng (đã có ở dòng 2).",
                'Ngày bắt đầu "10:30:00" không phải là ngày (dùng dạng DD/MM/YYYY).',
            ],
        ),
    ]


def test_a_file_over_10_mb_is_refused_before_it_is_read(plan, root, english):
    before = state()
    with pytest.raises(ImportFileError, match=r"The file is too big \(at most 10 MB\)."):
        tasks_import_preview(file=io.BytesIO(b"PK" + b"\0" * 10 * 1024 * 1024), user=root)
    assert state() == before


def test_too_many_rows_even_empty_ones_are_refused(plan, root, monkeypatch, english):
    monkeypatch.setattr("tasks.imports.MAX_ROWS", 2)
    monkeypatch.setattr("tasks.imports.MAX_SHEET_ROWS", 20)
    codes = [GOOD[:1] + [f"NV-1{index}"] + GOOD[2:] for index in range(3)]
    with pytest.raises(ImportFileError, match="The file has more than 2 rows."):
        tasks_import_preview(file=io.BytesIO(xlsx(HEADER, codes)), user=root)
    with pytest.raises(ImportFileError, match="The file has more than 2 rows."):
        tasks_import_preview(file=io.BytesIO(xlsx(HEADER, [[" "]] * 25)), user=root)
    assert len(tasks_import_preview(file=io.BytesIO(xlsx(HEADER, [[" "]] * 15 + codes[:2])), user=root).rows) == 2


def test_an_unexpected_failure_in_a_row_is_a_row_error_not_a_500(plan, root, monkeypatch, english):
    # Given a journal service that fails in an unforeseen way
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("tasks.resources.task_record_progress", broken)
    before = state()
    data = xlsx(HEADER, [GOOD])
    # Then the row says so, and neither the preview nor the import writes anything
    preview = tasks_import_preview(file=io.BytesIO(data), user=root)
    assert [row.errors for row in preview.rows] == [
        ["This row could not be checked; check its cells against the template."]
    ]
    with pytest.raises(ValidationError, match="Rows with errors: 2. Nothing was imported."):
        tasks_import_apply(file=io.BytesIO(data), user=root)
    assert state() == before
