"""The dashboard's overdue rows count the urging notes each task received (issue 12),
as the unit page does: up to the end of the day shown, from one bounded query."""

from datetime import date, timedelta
from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, WorkPlanFactory, member
from tasks.models import Urging

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(db):
    """This year's plan: VU-A leads A1 (due 3 days ago) and A2 (due 10 days ago), VU-B leads B1
    (due 3 days ago); A2 was urged 5 days ago and today, A1 twice today; a decider reads."""
    today = timezone.localdate()
    plan = WorkPlanFactory(year=today.year, start_date=date(today.year, 1, 1), end_date=date(today.year, 12, 31))
    a, b = UnitFactory(code="VU-A"), UnitFactory(code="VU-B")
    start = today - timedelta(days=40)
    tasks = {
        code: TaskFactory(plan=plan, code=code, lead_unit=unit, start_date=start, due_date=today - timedelta(days=days))
        for code, unit, days in (("A1", a, 3), ("A2", a, 10), ("B1", b, 3))
    }
    decider = UserFactory(username="lanhdao", leadership=True)
    now = timezone.now()
    _urge(tasks["A2"], decider, [now - timedelta(days=5), now])
    _urge(tasks["A1"], decider, [now, now])
    return {"plan": plan, "tasks": tasks, "decider": decider, "b": b, "today": today}


def _urge(task, author, moments):
    Urging.objects.bulk_create(
        Urging(task=task, unit=task.lead_unit, author=author, note="Đôn đốc", created_at=at, batch=uuid4())
        for at in moments
    )


def _page(client, plan, **params):
    return client.get(reverse("reports:dashboard"), {"plan": plan.year, **params})


def test_each_overdue_row_shows_how_often_its_task_was_urged(overdue, client):
    # Given a staff member who may not urge (the count is for everyone who reads the dashboard)
    client.force_login(member(overdue["b"], username="nv-b"))

    # When they read today's dashboard
    response = _page(client, overdue["plan"])

    # Then each overdue row carries its count, and the badge says it in Vietnamese
    rows = [(row["code"], row["urgings"]) for row in response.context["data"]["overdue"]]
    assert rows == [("A2", 2), ("A1", 2), ("B1", 0)]
    assert response.content.decode().count('data-testid="urging-count"') == 2
    assert "2 lần đôn đốc" in response.content.decode()


def test_a_past_dashboard_counts_only_the_urgings_sent_by_that_day(overdue, client):
    # Given the dashboard of four days ago, when only A2 was overdue and urged once
    client.force_login(overdue["decider"])
    as_of = overdue["today"] - timedelta(days=4)

    response = _page(client, overdue["plan"], as_of=as_of.isoformat())

    # Then A2's row counts that one urging, not today's
    assert [(row["code"], row["urgings"]) for row in response.context["data"]["overdue"]] == [("A2", 1)]


def _cost(client, plan) -> int:
    _page(client, plan)  # the figures are cached: measure the page as it is read again
    with CaptureQueriesContext(connection) as ctx:
        response = _page(client, plan)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_urging_counts_cost_the_same_with_3_or_45_overdue_rows_and_200_urgings(overdue, client):
    # Given a decider reading the dashboard of a plan with three overdue tasks and four urgings
    client.force_login(overdue["decider"])
    small = _cost(client, overdue["plan"])

    # When 42 more tasks are overdue and urged 200 times in all
    today = overdue["today"]
    for n in range(42):
        task = TaskFactory(
            plan=overdue["plan"],
            code=f"B-{n:02d}",
            lead_unit=overdue["b"],
            start_date=today - timedelta(days=60),
            due_date=today - timedelta(days=3),
        )
        _urge(task, overdue["decider"], [timezone.now()] * (5 if n < 40 else 0))
    large = _cost(client, overdue["plan"])

    # Then the page costs the same, and each row has its count
    rows = _page(client, overdue["plan"]).context["data"]["overdue"]
    assert large == small
    assert (len(rows), sum(row["urgings"] for row in rows)) == (45, 4 + 200)


def test_a_cached_dashboard_counts_an_urging_sent_after_it_was_cached(overdue, client):
    # Given today's dashboard read once (its figures and body now cached)
    from tasks.comments import urging_create

    client.force_login(member(overdue["b"], username="nv-b"))
    first = _page(client, overdue["plan"])
    assert {row["code"]: row["urgings"] for row in first.context["data"]["overdue"]}["B1"] == 0

    # When a decider urges B1 through the service
    urging_create(task=overdue["tasks"]["B1"], author=overdue["decider"], note="Đề nghị hoàn thành ngay")

    # Then the next read shows the new count at once: the urging moved the plan's figures version
    again = _page(client, overdue["plan"])
    assert {row["code"]: row["urgings"] for row in again.context["data"]["overdue"]}["B1"] == 1
    assert "1 lần đôn đốc" in again.content.decode()
