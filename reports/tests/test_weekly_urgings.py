"""Issue 12: the weekly report counts the week's urging notes per unit and task
(snapshot key `urgings`), on the page, in the PDF and in the XLSX."""

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from plan_portal.tests.factories import at
from reports.services import weekly_report_build
from tasks.comments import urging_create, urgings_create_for_unit_overdue

pytestmark = pytest.mark.django_db


@pytest.fixture
def urged(world):
    """In W26 (22-28/06): NV-02 urged twice, NV-05 once (one act each); NV-01 the week before."""
    leader, (t1, t2, _t3, _t4, t5) = world["leader"], world["tasks"]
    urging_create(task=t1, author=leader, note="Tuần trước", at=at(date(2020, 6, 19)))
    urging_create(task=t2, author=leader, note="Lần 1", at=at(date(2020, 6, 22), 8))
    urging_create(task=t2, author=leader, note="Lần 2", at=at(date(2020, 6, 28), 23))
    urging_create(task=t5, author=leader, note="Khẩn trương", at=at(date(2020, 6, 25)))
    return weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)


def test_the_snapshot_counts_the_weeks_urgings_per_unit_and_task(urged):
    assert urged.snapshot["urgings"] == {
        "total": 3,
        "tasks": 2,
        "acts": 3,
        "by_unit": [
            {"unit": "VU-A", "name": "Vụ Tiêu chuẩn", "urgings": 2, "tasks": 1},
            {"unit": "VU-B", "name": "Vụ Đo lường", "urgings": 1, "tasks": 1},
        ],
        "top_tasks": [
            {"code": "NV-02", "title": "Rà soát quy chuẩn", "unit": "VU-A", "urgings": 2},
            {"code": "NV-05", "title": "Hướng dẫn mã số", "unit": "VU-B", "urgings": 1},
        ],
        "more_tasks": 0,
    }


def test_a_unit_wide_urging_is_one_act(world):
    # Given VU-A's tasks overdue today (NV-02 and NV-03, both open) urged at once in W26
    urgings_create_for_unit_overdue(
        unit=world["unit_a"], author=world["leader"], note="Chung", plan=world["plan"], at=at(date(2020, 6, 24))
    )

    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)

    urgings = report.snapshot["urgings"]
    assert (urgings["acts"], urgings["total"], urgings["tasks"]) == (1, 2, 2)
    assert [row["code"] for row in urgings["top_tasks"]] == ["NV-02", "NV-03"]


def test_the_page_pdf_and_xlsx_show_the_urgings(urged, client, world):
    client.force_login(world["leader"])

    page = client.get(reverse("reports:detail", args=[2020, 26])).content.decode()
    with urged.pdf_file.open("rb") as handle:
        pdf = "".join(p.extract_text() for p in PdfReader(BytesIO(handle.read())).pages)
    rows = list(load_workbook(urged.xlsx_file.path)["Đôn đốc"].iter_rows(values_only=True))

    assert "Đôn đốc trong tuần" in page
    assert 'data-testid="urgings-top-tasks"' in page
    assert "Đôn đốc trong tuần (3)" in pdf
    assert rows == [
        ("Mục", "Mã", "Tên", "Số lần đôn đốc", "Số nhiệm vụ được đôn đốc"),
        ("Đơn vị", "VU-A", "Vụ Tiêu chuẩn", 2, 1),
        ("Đơn vị", "VU-B", "Vụ Đo lường", 1, 1),
        ("Nhiệm vụ", "NV-02", "Rà soát quy chuẩn", 2, None),
        ("Nhiệm vụ", "NV-05", "Hướng dẫn mã số", 1, None),
        ("Tổng", None, None, 3, 2),
    ]
