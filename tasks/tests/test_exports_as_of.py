"""Exports of the list for a past day hold the tasks as they stood that day, as the list does."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from plan_portal.tests.factories import (
    MembershipFactory,
    TaskFactory,
    UnitFactory,
    WorkPlanFactory,
    at,
    record_progress,
)
from tasks.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(client):
    """NV-LATE: due 15/06/2020, 30% on 04/05, completed on 10/07. NV-LATER: no update."""
    plan = WorkPlanFactory(year=2020)
    unit = UnitFactory(code="VU-TC")
    user = MembershipFactory(unit=unit).user
    late = TaskFactory(
        plan=plan, code="NV-LATE", lead_unit=unit, start_date=date(2020, 1, 1), due_date=date(2020, 6, 15)
    )
    TaskFactory(plan=plan, code="NV-LATER", lead_unit=unit, start_date=date(2020, 6, 1), due_date=date(2020, 12, 31))
    for day, status, progress in (
        (date(2020, 5, 4), Status.IN_PROGRESS, 30),
        (date(2020, 7, 10), Status.COMPLETED, 100),
    ):
        record_progress(late, at=at(day), status=status, progress=progress, author=user)
    client.force_login(user)
    return plan


def _labels():
    with translation.override("vi"):
        return {
            "in_progress": str(Status.IN_PROGRESS.label),
            "completed": str(Status.COMPLETED.label),
            "not_started": str(Status.NOT_STARTED.label),
            "yes": gettext("Yes"),
        }


def _csv_rows(response) -> dict[str, list[str]]:
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    return {row[0]: [row[5], row[6], row[9], row[10], row[11]] for row in rows[1:]}


def test_csv_for_a_past_day_holds_each_task_as_it_stood_then(history, client):
    labels = _labels()

    response = client.get(reverse("tasks:export-csv"), {"plan": 2020, "as_of": "2020-06-30"})

    assert response["Content-Disposition"] == 'attachment; filename="nhiem-vu-2020-20200630.csv"'
    # status, progress, overdue, behind schedule, last update
    assert _csv_rows(response) == {
        "NV-LATE": [labels["in_progress"], "30", labels["yes"], labels["yes"], "2020-05-04 10:00"],
        "NV-LATER": [labels["not_started"], "0", "", "", ""],
    }


def test_csv_without_a_day_holds_the_tasks_as_they_are_now(history, client):
    labels = _labels()

    response = client.get(reverse("tasks:export-csv"), {"plan": 2020})

    assert _csv_rows(response)["NV-LATE"] == [labels["completed"], "100", "", "", "2020-07-10 10:00"]


def test_xlsx_for_a_past_day_holds_each_task_as_it_stood_then(history, client):
    labels = _labels()

    response = client.get(reverse("tasks:export-xlsx"), {"plan": 2020, "as_of": "2020-06-30"})

    assert response["Content-Disposition"] == 'attachment; filename="nhiem-vu-2020-20200630.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {row[0]: row[5:7] + row[9:11] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["NV-LATE"] == (labels["in_progress"], 30, labels["yes"], labels["yes"])


def test_a_past_day_filter_of_the_export_picks_the_tasks_by_their_state_then(history, client):
    overdue_then = client.get(
        reverse("tasks:export-csv"), {"plan": 2020, "as_of": "2020-06-30", "state": "open_overdue"}
    )
    overdue_now = client.get(reverse("tasks:export-csv"), {"plan": 2020, "state": "open_overdue"})

    assert list(_csv_rows(overdue_then)) == ["NV-LATE"]
    assert list(_csv_rows(overdue_now)) == ["NV-LATER"]  # completed since; the other one never started
