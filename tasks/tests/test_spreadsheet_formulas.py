"""Titles and notes that look like formulas stay text in every task spreadsheet and CSV,
and the admin export still imports back without a change."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, WorkPlanFactory, member
from tasks.imports import tasks_export_workbook, tasks_import_apply, tasks_import_preview
from tasks.models import ProgressUpdate, Task
from tasks.services import task_record_progress

pytestmark = pytest.mark.django_db
HOSTILE = ["=1+1", "@SUM(A1)", "-2", "+3", "\tTab", "\rCR"]


def no_formulas(data: bytes) -> list:
    """Every cell of every sheet, after checking none is a formula."""
    workbook = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    return cells


@pytest.fixture
def hostile_tasks(client):
    plan = WorkPlanFactory(year=2020)
    unit = UnitFactory(code="VU-TC")
    user = member(unit)
    for index, title in enumerate(HOSTILE):
        task = TaskFactory(
            plan=plan,
            code=f"NV-{index}",
            title=title,
            legal_basis=f"={index}*2",
            lead_unit=unit,
            due_date=date(2020, 9, 1),
        )
        task_record_progress(task=task, author=user, status="in_progress", progress=10, note="@note")
    client.force_login(user)
    return plan


def test_task_list_xlsx_writes_formula_like_titles_as_text(hostile_tasks, client):
    response = client.get(reverse("tasks:export-xlsx"), {"plan": 2020})

    cells = no_formulas(response.content)
    titles = {cell.value: cell for cell in cells if cell.column == 2 and cell.row > 1}
    assert sorted(titles) == sorted([*HOSTILE[:5], "\nCR"])
    assert {(cell.data_type, cell.quotePrefix) for cell in titles.values()} == {("s", True)}


def test_task_list_csv_prefixes_formula_like_titles_with_an_apostrophe(hostile_tasks, client):
    response = client.get(reverse("tasks:export-csv"), {"plan": 2020})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    assert [row[1] for row in rows[1:]] == ["'" + title for title in HOSTILE]
    assert {row[0] for row in rows[1:]} == {f"NV-{index}" for index in range(6)}


def test_admin_export_writes_formula_like_cells_as_text(hostile_tasks, admin_client):
    response = admin_client.get(reverse("admin:tasks_task_export"))

    cells = no_formulas(response.content)
    legal_basis = [cell for cell in cells if cell.column == 11 and cell.row > 1 and cell.parent.title != "Lists"]
    assert [(cell.value, cell.data_type) for cell in legal_basis] == [(f"={index}*2", "s") for index in range(6)]


def snapshot():
    return (
        list(Task.objects.order_by("code").values_list("code", "title", "legal_basis", "expected_output", "version")),
        Task.history.count(),
        ProgressUpdate.objects.count(),
    )


def test_admin_export_of_formula_like_text_imports_back_unchanged(db):
    # Given tasks whose texts look like formulas (leading whitespace never reaches
    # the database: every way in strips it)
    root = UserFactory(username="root2", is_staff=True, is_superuser=True)
    plan = WorkPlanFactory(year=2020)
    texts = ["=1+1", "@SUM(A1)", "-2", "+3", '=HYPERLINK("http://x.example","y")', "'=1+1"]
    for index, text in enumerate(texts):
        TaskFactory(plan=plan, code=f"NV-{index}", title=text, legal_basis=text, expected_output=text)
    before = snapshot()
    # When the export is imported back
    data = tasks_export_workbook(tasks=Task.objects.all())
    no_formulas(data)
    preview = tasks_import_preview(file=io.BytesIO(data), user=root)
    tasks_import_apply(file=io.BytesIO(data), user=root)
    # Then nothing changes
    assert preview.counts == {"create": 0, "update": 0, "unchanged": 6, "errors": 0}
    assert snapshot() == before
    assert [row[1] for row in before[0]] == texts
