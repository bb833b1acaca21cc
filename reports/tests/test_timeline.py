"""The plan's timeline (/timeline/, reports:timeline): bars start→due grouped by unit or field, progress
inside, overdue marked, the task list's filters, a fixed number of queries, printable on A3 landscape."""

import re
from datetime import date

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory
from tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client):
    client.force_login(UserFactory(username="timeline-reader"))
    return client


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-task="([^"]+)"', html)


def test_the_url_is_the_documented_one():
    assert reverse("reports:timeline") == "/timeline/"


def test_bars_run_from_start_to_due_with_progress_inside_and_overdue_marked(reader, plan_2020):
    # given the 2020 plan (01/01-31/12, 366 days) as of 30/06/2020, grouped by lead unit
    html = reader.get("/timeline/?plan=2020&as_of=2020-06-30").content.decode()
    # then each unit is a group, and each task a row with a link
    assert re.findall(r'<tbody data-group="([^"]+)"', html) == ["DV-A", "DV-B"]
    assert sorted(_rows(html)) == [f"T{n}" for n in range(1, 10)]
    t4 = Task.objects.get(code="T4")
    assert f'<a href="{reverse("tasks:detail", args=[t4.pk])}">T4</a>' in html
    # T4 (DV-B, in progress 30%, due 15/06) is overdue: its row and bar are marked
    row = html[html.index('<tr data-task="T4"') :].split("</tr>")[0]
    assert "data-overdue" in row and "timeline-overdue" in row
    # its bar starts at the plan's start and ends on 15/06 (day 166 of 365 after the start): 45.48%
    assert 'x="0.00%" y="2" width="45.48%"' in row
    # the done part is 30% of the bar
    assert 'class="timeline-done" x="0.00%" y="2" width="13.64%"' in row


def test_grouped_by_field_and_filtered_like_the_task_list(reader, plan_2020):
    # when grouped by field and filtered to DV-B's overdue tasks
    html = reader.get("/timeline/?plan=2020&as_of=2020-06-30&group=field&unit=DV-B&overdue=1").content.decode()
    # then only T4 shows, under its field (metrology)
    assert _rows(html) == ["T4"]
    assert re.findall(r'<tbody data-group="([^"]+)"', html) == ["metrology"]


def test_the_page_prints_on_a3_landscape_and_needs_no_javascript(reader, plan_2020):
    html = reader.get("/timeline/?plan=2020").content.decode()
    css = (reader.get("/static/css/timeline.css").getvalue() or b"").decode()
    assert "@page { size: A3 landscape;" in css
    # the bars are SVG drawn by the server: no script of its own on the page
    assert "timeline.js" not in html and "<svg" in html


def test_the_timeline_costs_the_same_queries_with_9_and_60_tasks(reader, plan_2020, django_db_blocker):
    from django.db import connection

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert reader.get("/timeline/?plan=2020&as_of=2020-06-30").status_code == 200
        return len(queries)

    few = count()
    plan = Task.objects.get(code="T1").plan
    unit = UnitFactory(code="DV-Z", name="Vụ Z")
    for n in range(51):
        TaskFactory(plan=plan, code=f"Z{n:02d}", lead_unit=unit, due_date=date(2020, 12, 31))
    assert count() == few
