"""Titles and notes that look like formulas stay text in the weekly XLSX."""

from datetime import date

import pytest
from openpyxl import load_workbook

from plan_portal.tests.factories import at, record_progress
from reports.services import weekly_report_build
from tasks.models import Status, Task

pytestmark = pytest.mark.django_db
TITLES = ["=1+1", "@SUM(A1)", "-2", "+3", "\tTab"]
NOTES = ["=1+1", "@SUM(A1)", "-2", "+3"]


def test_weekly_xlsx_writes_formula_like_titles_and_notes_as_text(world):
    # Given tasks titled like formulas and W26 status changes noted like formulas
    for task, title in zip(world["tasks"], TITLES, strict=True):
        Task.objects.filter(pk=task.pk).update(title=title)
    t4 = Task.objects.get(code="NV-04")
    for day, (status, note) in enumerate(zip([Status.ON_HOLD, Status.IN_PROGRESS] * 2, NOTES, strict=True), start=22):
        record_progress(t4, at=at(date(2020, 6, day)), status=status, progress=30, note=note, author=world["staff_b"])
    # When the week's report is built
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    # Then no cell is a formula and the texts are kept
    workbook = load_workbook(report.xlsx_file.path)
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    titles = [(cell.value, cell.data_type) for cell in workbook["Nhiệm vụ"]["B"][1:]]
    assert sorted(titles) == sorted((title, "s") for title in TITLES)
    notes = [(cell.value, cell.data_type) for cell in workbook["Thay đổi"]["H"][1:]]
    assert [note for note in notes if note[0] in NOTES] == [(note, "s") for note in NOTES]
