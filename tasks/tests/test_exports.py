"""Exports hold the list's rows (all pages) with the same filters."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from plan_portal.tests.factories import TaskFactory, UnitFactory, WorkPlanFactory, member
from tasks.services import task_record_progress


@pytest.fixture
def plan_rows(db, client):
    plan = WorkPlanFactory(year=2020)
    tc, dl = UnitFactory(code="VU-TC"), UnitFactory(code="VU-DL")
    user = member(tc)
    for n in range(60):
        TaskFactory(
            plan=plan,
            code=f"NV-{n:03d}",
            title=f"Đo lường số {n}",
            lead_unit=tc if n % 2 else dl,
            due_date=date(2020, 6, 30),
        )
    first = TaskFactory(
        plan=plan,
        code="NV-A",
        title="Quản lý chất lượng sản phẩm, hàng hóa",
        lead_unit=tc,
        due_date=date(2020, 9, 15),
        coordinators=[dl],
    )
    task_record_progress(task=first, author=user, status="in_progress", progress=35, note="Đã làm")
    client.force_login(user)
    return plan


def test_csv_has_a_bom_translated_labels_and_all_matching_rows(plan_rows, client):
    response = client.get(reverse("tasks:export-csv"), {"plan": 2020, "q": "do luong"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="nhiem-vu-2020-')
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0][:3] == ["Mã", "Tên nhiệm vụ", "Đơn vị chủ trì"]
    assert len(rows) == 1 + 60  # more than a page of the list
    assert rows[1][:3] == ["NV-000", "Đo lường số 0", "VU-DL"]


def test_csv_status_and_vietnamese_text(plan_rows, client):
    response = client.get(reverse("tasks:export-csv"), {"plan": 2020, "q": "chat luong"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    assert rows[1][:9] == [
        "NV-A",
        "Quản lý chất lượng sản phẩm, hàng hóa",
        "VU-TC",
        "VU-DL",
        "Tiêu chuẩn",
        "Đang thực hiện",
        "35",
        "2020-01-01",
        "2020-09-15",
    ]


def test_xlsx_has_real_dates_numbers_a_frozen_header_and_widths(plan_rows, client):
    response = client.get(reverse("tasks:export-xlsx"), {"plan": 2020, "unit": "VU-TC", "role": "lead"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 60
    header = [cell.value for cell in sheet[1]]
    assert header[:7] == [
        "Mã",
        "Tên nhiệm vụ",
        "Đơn vị chủ trì",
        "Đơn vị phối hợp",
        "Lĩnh vực",
        "Trạng thái",
        "Tiến độ (%)",
    ]
    assert sheet.max_row == 1 + 31
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "NV-A")
    assert row[1] == "Quản lý chất lượng sản phẩm, hàng hóa"
    assert row[5] == "Đang thực hiện"
    assert row[6] == 35
    assert row[8].date() == date(2020, 9, 15)
    assert sheet.cell(row=2, column=9).number_format == "dd/mm/yyyy"


def test_exports_from_my_tasks_keep_to_my_units(plan_rows, client):
    response = client.get(reverse("tasks:export-csv"), {"plan": 2020, "mine": "1"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    assert {row[2] for row in rows[1:]} == {"VU-TC"}
    assert len(rows) == 1 + 31
