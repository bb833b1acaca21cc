"""A fixed number of queries whatever the data size, and a cache that never shows stale figures."""

import random
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from plan_portal.tests.factories import PLAN_2020_AS_OF as AS_OF
from plan_portal.tests.factories import UnitFactory, UserFactory, WorkPlanFactory, at, record_progress
from reports import dashboard
from reports.dashboard import dashboard_build, dashboard_data
from tasks.models import Field, ProgressUpdate, Status, Task
from units.models import Unit

pytestmark = pytest.mark.django_db


def _bulk_plan(n_tasks: int, n_units: int, updates_per_task: int):
    """A plan with journals written in bulk, consistent with task_record_progress's rules."""
    rng = random.Random(n_tasks)
    plan = WorkPlanFactory(year=2020)
    units = [UnitFactory(code=f"BULK-{i}", sort_order=i) for i in range(n_units)]
    author = UserFactory(username="bulk-writer")
    fields = list(Field.values)
    tasks = Task.objects.bulk_create(
        Task(
            plan=plan,
            code=f"B-{i:05d}",
            title=f"Nhiệm vụ {i}",
            field=fields[i % len(fields)],
            lead_unit=units[i % n_units],
            start_date=date(2020, 1, 1),
            due_date=date(2020, 1, 1) + timedelta(days=rng.randint(30, 365)),
        )
        for i in range(n_tasks)
    )
    updates = []
    for task in tasks:
        status, progress = Status.NOT_STARTED, 0
        day = date(2020, 1, 5)
        for _ in range(updates_per_task):
            day += timedelta(days=rng.randint(1, 20))
            new_progress = min(100, progress + rng.randint(0, 30))
            new_status = Status.COMPLETED if new_progress == 100 else rng.choice([Status.IN_PROGRESS, Status.ON_HOLD])
            updates.append(
                ProgressUpdate(
                    task=task,
                    author=author,
                    recorded_at=at(day),
                    status=new_status,
                    progress=new_progress,
                    note="x",
                    previous_status=status,
                    previous_progress=progress,
                )
            )
            status, progress = new_status, new_progress
    ProgressUpdate.objects.bulk_create(updates)
    return plan


@pytest.mark.parametrize("unit_scope", [False, True])
def test_build_takes_the_same_number_of_queries_for_small_and_large_plans(django_assert_num_queries, unit_scope):
    small = _bulk_plan(10, 2, 2)
    unit = Unit.objects.get(code="BULK-0") if unit_scope else None
    with django_assert_num_queries(11):  # 10 + the overdue rows' urgings (issue 12)
        small_data = dashboard_build(plan=small, as_of=AS_OF, unit=unit)
    ProgressUpdate.objects.all().delete()
    Task.objects.all().delete()
    small.delete()

    large = _bulk_plan(400, 12, 15)
    with django_assert_num_queries(11):
        large_data = dashboard_build(plan=large, as_of=AS_OF, unit=unit)
    assert large_data["counts"]["total"] > small_data["counts"]["total"]


PAGES = ["/dashboard/", "/dashboard/data.json", "/units/BULK-0/"]


def _queries_per_page(client) -> list[int]:
    counts = []
    for url in PAGES:
        # Only this worker's keys: a FLUSHDB would empty the other xdist worker's cache mid-test.
        cache.delete_pattern("*") if hasattr(cache, "delete_pattern") else cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"plan": "2020", "as_of": "2020-06-30"})
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    return counts


def test_pages_take_the_same_number_of_queries_for_small_and_large_plans(client):
    client.force_login(UserFactory(username="reader"))
    small = _bulk_plan(10, 2, 2)
    small_counts = _queries_per_page(client)
    ProgressUpdate.objects.all().delete()
    Task.objects.all().delete()
    small.delete()

    _bulk_plan(400, 12, 15)

    assert _queries_per_page(client) == small_counts


def test_cached_figures_cost_one_query_and_a_new_update_shows_at_once(plan_2020, django_assert_num_queries):
    plan, t = plan_2020
    first = dashboard_data(plan=plan, as_of=AS_OF)

    with django_assert_num_queries(1):  # the journal version only
        assert dashboard_data(plan=plan, as_of=AS_OF) == first

    # A back-dated update (taking effect on 30/06) must show at once.
    record_progress(t["T5"], at=at(date(2020, 6, 30), 9), status=Status.IN_PROGRESS, progress=10)
    after = dashboard_data(plan=plan, as_of=AS_OF)
    assert first["counts"]["not_started"] == 1
    assert after["counts"]["not_started"] == 0
    assert after["counts"]["in_progress"] == 4


def test_editing_a_task_changes_the_cache_key(plan_2020):
    plan, t = plan_2020
    before = dashboard.plan_journal_version(plan=plan)

    t["T5"].due_date = date(2020, 5, 1)
    t["T5"].save()

    assert dashboard.plan_journal_version(plan=plan) != before
    assert dashboard_data(plan=plan, as_of=AS_OF)["counts"]["open_overdue"] == 3


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
)
def test_dashboard_works_when_the_cache_is_down(client, plan_2020):
    client.force_login(UserFactory(username="reader"))

    response = client.get("/dashboard/data.json", {"plan": "2020", "as_of": "2020-06-30"})

    assert response.status_code == 200
    assert response.json()["counts"]["total"] == 9


def test_the_cache_key_is_one_primary_key_lookup_whatever_the_journal_size(plan_2020):
    plan, _t = plan_2020
    with CaptureQueriesContext(connection) as queries:
        dashboard.plan_journal_version(plan=plan)

    (query,) = queries.captured_queries
    sql = query["sql"].upper()
    assert "TASKS_WORKPLAN" in sql and "JOIN" not in sql
    assert "PROGRESSUPDATE" not in sql and "COUNT(" not in sql and "MAX(" not in sql


def test_a_stale_plan_save_never_moves_the_cache_key_back(plan_2020):
    plan, t = plan_2020
    stale = type(plan).objects.get(pk=plan.pk)
    record_progress(t["T5"], at=at(date(2020, 6, 30), 9), status=Status.IN_PROGRESS, progress=10)
    after_update = dashboard.plan_journal_version(plan=plan)

    stale.title = "Kế hoạch 2020 (sửa)"
    stale.save()

    assert int(dashboard.plan_journal_version(plan=plan)) == int(after_update) + 1


def test_deleting_a_task_changes_the_cache_key(plan_2020):
    plan, t = plan_2020
    before = dashboard_data(plan=plan, as_of=AS_OF)["counts"]["total"]
    ProgressUpdate.objects.filter(task=t["T5"]).delete()

    t["T5"].delete()

    assert dashboard_data(plan=plan, as_of=AS_OF)["counts"]["total"] == before - 1
