"""The plan's timeline (/timeline/, reports:timeline): bars start→due grouped by unit or field, progress
inside, the part added by an extension, overdue marked, the task list's filters, a fixed number of queries,
printable on A3 landscape; a chart drawn by vis-timeline from embedded JSON, a table without JavaScript."""

import json
import re
from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plan_portal.tests.factories import MembershipFactory, TaskFactory, UnitFactory, UserFactory, at
from tasks.models import Task
from tasks.services import request_create, request_decide

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


def test_the_page_prints_on_a3_landscape_and_works_without_javascript(reader, plan_2020):
    html = reader.get("/timeline/?plan=2020").content.decode()
    css = (reader.get("/static/css/timeline.css").getvalue() or b"").decode()
    assert "@page { size: A3 landscape;" in css
    # without JavaScript the table with its SVG bars is the page; the chart's box stays hidden
    assert '<div id="timeline-table" class="table-responsive timeline">' in html and "<svg" in html
    assert '<div id="timeline-chart" class="timeline-chart" role="region"' in html
    assert re.search(r'<div id="timeline-chart"[^>]* hidden>', html)
    # the chart is drawn by the vendored library, served by the portal (no CDN), and the page's own script
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts[-5:] == [
        "/static/vendor/vis-timeline/moment.min.js",
        "/static/vendor/vis-timeline/moment-vi.js",
        "/static/vendor/vis-timeline/vis-data.min.js",
        "/static/vendor/vis-timeline/vis-timeline-graph2d.min.js",
        "/static/js/timeline.js",
    ]
    assert all(src.startswith("/static/") for src in scripts)


def _chart(html: str) -> dict:
    found = re.search(r'<script id="timeline-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_the_chart_data_is_embedded_as_json(reader, plan_2020):
    html = reader.get("/timeline/?plan=2020&as_of=2020-06-30").content.decode()
    chart = _chart(html)
    assert (chart["start"], chart["end"], chart["today"]) == ("2020-01-01", "2021-01-01", "2020-06-30")
    assert chart["groups"] == [
        {"id": "DV-A", "content": "DV-A – Vụ A", "order": 0},
        {"id": "DV-B", "content": "DV-B – Vụ B", "order": 1},
    ]
    t4 = next(item for item in chart["items"] if item["code"] == "T4")
    assert {key: t4[key] for key in ("group", "start", "end", "progress", "overdue", "original_due", "due_text")} == {
        "group": "DV-B",
        "start": "2020-01-01",
        "end": "2020-06-16",  # the day after the due date: the bar covers 15/06
        "progress": 30,
        "overdue": True,
        "original_due": None,
        "due_text": "15/06/2020",
    }
    assert t4["url"] == reverse("tasks:detail", args=[t4["id"]])
    assert chart["labels"]["overdue"] == "Quá hạn"


def test_a_title_cannot_break_out_of_the_embedded_json(reader, plan_2020):
    Task.objects.filter(code="T1").update(title="</script><script>alert(1)</script>")
    html = reader.get("/timeline/?plan=2020").content.decode()
    assert "</script><script>alert(1)" not in html
    assert next(i for i in _chart(html)["items"] if i["code"] == "T1")["title"] == "</script><script>alert(1)</script>"


@pytest.fixture
def extended(plan_2020):
    """T4 (DV-B, due 15/06) extended to 31/08 by a decision of 20/06/2020."""
    group, _ = Group.objects.get_or_create(name="Leadership")
    group.permissions.add(Permission.objects.get(codename="decide_request"))
    plan, tasks = plan_2020
    staff = MembershipFactory(unit=tasks["T4"].lead_unit, user=UserFactory(username="dv-b")).user
    request = request_create(
        task=tasks["T4"], requester=staff, kind="extension", reason="Chờ ý kiến", proposed_due_date="2020-08-31",
        at=at(date(2020, 6, 18)),
    )  # fmt: skip
    request_decide(
        task_request=request,
        decider=UserFactory(leadership=True, username="lanhdao"),
        decision="approve",
        document_ref="Công văn số 1/TĐC",
        at=at(date(2020, 6, 20)),
    )
    return tasks


def test_the_part_added_by_an_extension_is_drawn_apart(reader, extended):
    # as of 30/06 T4 is due 31/08 (extended from 15/06): no longer overdue, its last part hatched
    html = reader.get("/timeline/?plan=2020&as_of=2020-06-30").content.decode()
    row = html[html.index('<tr data-task="T4"') :].split("</tr>")[0]
    assert "data-extended" in row and "data-overdue" not in row
    assert "31/08/2020" in row and "gia hạn từ 15/06/2020" in row
    # the bar ends on 31/08 (day 243 of 365: 66.58%); the extension starts after 15/06 (45.48%)
    assert 'class="timeline-bar" x="0.00%" y="2" width="66.58%"' in row
    assert 'class="timeline-extension" x="45.48%" y="2" width="21.10%"' in row
    t4 = next(item for item in _chart(html)["items"] if item["code"] == "T4")
    assert (t4["end"], t4["original_due"], t4["original_due_text"], t4["overdue"]) == (
        "2020-09-01", "2020-06-15", "15/06/2020", False,
    )  # fmt: skip
    # as of 19/06, before the decision, T4 was overdue and not extended
    html = reader.get("/timeline/?plan=2020&as_of=2020-06-19").content.decode()
    row = html[html.index('<tr data-task="T4"') :].split("</tr>")[0]
    assert "data-overdue" in row and "data-extended" not in row


def test_the_filters_of_the_task_list_are_on_the_page_and_keep_the_grouping(reader, plan_2020):
    html = reader.get("/timeline/?plan=2020&group=field&unit=DV-B").content.decode()
    assert '<form method="get" class="card card-body task-filters" role="search"' in html
    assert '<input type="hidden" name="group" value="field">' in html
    assert 'href="/tasks/?plan=2020&amp;unit=DV-B">' in html


def _count_queries(client) -> int:
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/timeline/?plan=2020&as_of=2020-06-30").status_code == 200
    return len(queries)


@pytest.mark.parametrize("tasks", [5, 500])
def test_the_timeline_costs_a_fixed_number_of_queries(reader, tasks, django_assert_num_queries):
    from plan_portal.tests.factories import WorkPlanFactory

    plan = WorkPlanFactory(year=2020)
    units = [UnitFactory(code=f"DV-{n}") for n in range(5)]
    for n in range(tasks):
        TaskFactory(plan=plan, code=f"Z{n:03d}", lead_unit=units[n % 5], due_date=date(2020, 12, 31))
    # session, user, the person (user_load_access: memberships, Leadership, permissions in one query),
    # plan, the filter form's units, the tasks with their state, …, the bell's unread count: 7 whatever the number
    with django_assert_num_queries(7):
        response = reader.get("/timeline/?plan=2020&as_of=2020-06-30")
    assert len(_chart(response.content.decode())["items"]) == tasks


def test_the_timeline_costs_the_same_queries_with_9_and_60_tasks(reader, plan_2020):
    few = _count_queries(reader)
    plan = Task.objects.get(code="T1").plan
    unit = UnitFactory(code="DV-Z", name="Vụ Z")
    for n in range(51):
        TaskFactory(plan=plan, code=f"Z{n:02d}", lead_unit=unit, due_date=date(2020, 12, 31))
    assert _count_queries(reader) == few
