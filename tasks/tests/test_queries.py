"""Pages run a fixed number of queries whatever the data size."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plan_portal.tests.factories import TaskFactory, UnitFactory, WorkPlanFactory, member
from tasks.models import ProgressUpdate, Status, Task, TaskCoordination
from tasks.timeline import TimelineCursor


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _make_tasks(n: int, unit, other):
    plan = WorkPlanFactory(year=2020)
    tasks = Task.objects.bulk_create(
        [
            Task(
                plan=plan,
                code=f"Q-{i:04d}",
                title=f"Nhiệm vụ đo lường {i}",
                field="standards",
                lead_unit=unit if i % 2 else other,
                start_date=plan.start_date,
                due_date=plan.end_date,
                search_text=f"q-{i:04d} nhiem vu do luong {i}",
            )
            for i in range(n)
        ]
    )
    TaskCoordination.objects.bulk_create(TaskCoordination(task=task, unit=unit) for task in tasks[::3])
    return plan


# session, user, the person's memberships, Leadership group (menu) and permissions
# (who may decide requests) in one query, the current plan (two lookups) or the
# plan asked for (one), the count, the page, the unit choices, the unit asked for,
# and the bell's unread count.
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # The page's ids, then its rows (tasks.views._page_rows): one query more than a plain OFFSET page.
        # Three fewer since the person's memberships, Leadership and permissions are one query
        # (units.selectors.user_load_access) instead of four.
        ({}, 10),
        ({"q": "đo lường", "unit": "VU-TC", "status": ["not_started", "in_progress"], "overdue": "1"}, 11),
        ({"as_of": "2020-06-30", "plan": "2020", "state": "open_within_deadline"}, 9),
    ],
)
def test_the_list_costs_the_same_with_10_and_500_tasks(db, client, params, expected):
    unit, other = UnitFactory(code="VU-TC"), UnitFactory(code="VU-DL")
    user = member(unit)
    client.force_login(user)

    _make_tasks(10, unit, other)
    small = _queries(client, reverse("tasks:list"), params)
    Task.objects.all().delete()
    _make_tasks(500, unit, other)
    large = _queries(client, reverse("tasks:list"), params)

    assert small == large == expected


def test_my_tasks_and_exports_cost_the_same_with_10_and_500_tasks(db, client):
    unit, other = UnitFactory(code="VU-TC"), UnitFactory(code="VU-DL")
    client.force_login(member(unit))
    urls = [reverse("tasks:my"), reverse("tasks:export-csv"), reverse("tasks:export-xlsx")]

    _make_tasks(10, unit, other)
    small = [_queries(client, url) for url in urls]
    Task.objects.all().delete()
    _make_tasks(500, unit, other)
    large = [_queries(client, url) for url in urls]

    # /my/: the page's ids, then its rows (three fewer since user_load_access reads the person in one query)
    assert small == large == [10, 8, 8]  # and the bell


def _updates(task, author, n: int):
    start = timezone.now() - timedelta(days=n + 1)
    ProgressUpdate.objects.bulk_create(
        [
            ProgressUpdate(
                task=task,
                author=author,
                recorded_at=start + timedelta(days=i),
                status=Status.IN_PROGRESS,
                progress=min(i, 99),
                note=f"Cập nhật lần {i}",
                previous_status=Status.IN_PROGRESS,
                previous_progress=min(i, 99),
            )
            for i in range(n)
        ]
    )


def test_the_detail_costs_the_same_with_5_and_300_updates_and_on_older_pages(db, client):
    unit = UnitFactory(code="VU-TC")
    author = member(unit)
    client.force_login(author)
    small_task = TaskFactory(lead_unit=unit, code="S-1", coordinators=[UnitFactory()])
    big_task = TaskFactory(lead_unit=unit, code="B-1", coordinators=[UnitFactory()])
    for parent in (small_task, big_task):
        TaskFactory(lead_unit=unit, parent=parent, code=f"{parent.code}.1")
    _updates(small_task, author, 5)
    _updates(big_task, author, 300)

    small = _queries(client, reverse("tasks:detail", args=[small_task.pk]))
    large = _queries(client, reverse("tasks:detail", args=[big_task.pk]))
    # The cursor of the page after the 150th newest update (tasks.timeline), as the "older" link carries it.
    anchor = ProgressUpdate.objects.filter(task=big_task).order_by("-recorded_at", "-id")[149]
    cursor = TimelineCursor(when=anchor.recorded_at, kind="update", pk=anchor.pk).token()
    older_page = _queries(client, reverse("tasks:detail", args=[big_task.pk]), {"before": cursor})

    # The timeline is keyset paged over all its kinds at once (issue 12): the
    # cursor carries the last event's whole key, so an older page costs the same.
    # Three fewer since the person's memberships, Leadership and permissions are one query (user_load_access).
    # Notifications added two: the bell's unread count and whether the person follows the task.
    assert small == large == older_page == 21


def test_a_deep_page_costs_what_the_first_does_and_shows_the_right_rows(db, client):
    unit, other = UnitFactory(code="VU-TC"), UnitFactory(code="VU-DL")
    client.force_login(member(unit))
    _make_tasks(500, unit, other)
    Task.objects.filter(code__in=["Q-0007", "Q-0400"]).update(due_date=date(2020, 3, 1))
    url = reverse("tasks:list")

    first = _queries(client, url, {"ordering": "-due"})
    deep = _queries(client, url, {"ordering": "-due", "page": "10"})
    response = client.get(url, {"ordering": "-due", "page": "10"})

    assert first == deep == 10  # three fewer since user_load_access; the bell
    # Same order as the whole sorted list: due date descending, then code; page 10 is rows 451-500.
    expected = list(Task.objects.order_by("-due_date", "code", "pk").values_list("code", flat=True))[450:500]
    assert [task.code for task in response.context["tasks"]] == expected
    assert expected[-2:] == ["Q-0007", "Q-0400"]


def _post_queries(client, task) -> int:
    task.refresh_from_db()
    url = reverse("tasks:update-create", args=[task.pk])
    body = {"status": "in_progress", "progress": "50", "note": "Cập nhật", "version": task.version}
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, body)
    assert response.status_code == 302
    return len(ctx.captured_queries)


def test_posting_an_update_costs_the_same_with_5_and_300_updates(db, client):
    unit = UnitFactory(code="VU-TC")
    author = member(unit)
    client.force_login(author)
    small_task = TaskFactory(lead_unit=unit, code="S-1", coordinators=[UnitFactory()])
    big_task = TaskFactory(lead_unit=unit, code="B-1", coordinators=[UnitFactory()])
    _updates(small_task, author, 5)
    _updates(big_task, author, 300)

    # session, user, the task, memberships; then in one transaction: lock, journal entry, task, plan version.
    assert _post_queries(client, small_task) == _post_queries(client, big_task) == 10
