"""`seed_demo --scale N`: the load-test data set is exactly the size asked, the
same on every run, and true to every journal invariant (checked in SQL)."""

import pytest
from django.core.management import call_command
from django.db import connection

from tasks.demo.scale import BIG_PLAN_YEAR, LONG_JOURNAL, scale_plan, seed_scale
from tasks.models import ProgressUpdate, Task

pytestmark = pytest.mark.django_db


def _one(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


@pytest.fixture
def seeded():
    call_command("load_plan", verbosity=0)
    return seed_scale(scale=1, password="x", show_progress=False)


def test_scale_writes_the_sizes_asked(seeded):
    assert seeded == {"units": 3, "people": 6, "tasks": 50, "updates": 2500}
    assert Task.objects.filter(plan__year=BIG_PLAN_YEAR).count() == 46
    assert ProgressUpdate.objects.filter(task__code__startswith="L").count() == 2500
    assert ProgressUpdate.objects.filter(task__code="L2015-00001").count() == LONG_JOURNAL


def test_every_task_equals_its_latest_journal_entry(seeded):
    latest = """
        SELECT u.task_id, u.status, u.progress, u.recorded_at FROM tasks_progressupdate u
        WHERE NOT EXISTS (SELECT 1 FROM tasks_progressupdate v WHERE v.task_id = u.task_id
            AND (v.recorded_at > u.recorded_at OR (v.recorded_at = u.recorded_at AND v.id > u.id)))"""
    mismatched = _one(
        f"""SELECT COUNT(*) FROM tasks_task t LEFT JOIN ({latest}) l ON l.task_id = t.id
        WHERE t.code LIKE 'L%%' AND (
            t.status <> COALESCE(l.status, 'not_started') OR t.progress <> COALESCE(l.progress, 0)
            OR (t.last_update_at IS NULL) <> (l.recorded_at IS NULL) OR t.last_update_at <> l.recorded_at
            OR t.version <> 1 + (SELECT COUNT(*) FROM tasks_progressupdate c WHERE c.task_id = t.id))"""
    )
    assert mismatched == 0
    assert Task.objects.filter(code__startswith="L", updates__isnull=False).distinct().count() > 45


def test_every_entry_records_the_state_it_replaced_in_recorded_at_order(seeded):
    chained = """SELECT status, progress, previous_status, previous_progress, recorded_at,
        LAG(status, 1, 'not_started') OVER w AS prev_s, LAG(progress, 1, 0) OVER w AS prev_p,
        LAG(recorded_at) OVER w AS prev_at
        FROM tasks_progressupdate WINDOW w AS (PARTITION BY task_id ORDER BY id)"""
    broken = _one(
        f"""SELECT COUNT(*) FROM ({chained}) c WHERE previous_status <> prev_s OR previous_progress <> prev_p
        OR recorded_at < prev_at OR (status = 'completed' AND progress <> 100)"""
    )
    assert broken == 0


def test_completed_at_is_the_start_of_the_final_completed_run(seeded):
    # The final run starts at the latest completed entry whose previous status was not completed.
    run_start = """SELECT MAX(recorded_at) FROM tasks_progressupdate u WHERE u.task_id = t.id
        AND u.status = 'completed' AND u.previous_status <> 'completed'"""
    wrong = _one(
        f"""SELECT COUNT(*) FROM tasks_task t WHERE t.code LIKE 'L%%' AND (
            (t.status = 'completed' AND t.completed_at <> ({run_start}))
            OR (t.status <> 'completed' AND t.completed_at IS NOT NULL))"""
    )
    assert wrong == 0
    assert Task.objects.filter(code__startswith="L", status="completed").count() > 10


def test_the_data_set_is_the_same_on_every_run():
    first, second = scale_plan(1)[1], scale_plan(1)[1]
    assert [(t.code, t.lead, t.due, [(e.at, e.status, e.progress) for e in t.entries]) for t in first] == [
        (t.code, t.lead, t.due, [(e.at, e.status, e.progress) for e in t.entries]) for t in second
    ]


def test_a_second_run_writes_nothing(seeded):
    assert seed_scale(scale=1, password="x", show_progress=False) == {"skipped": True}
    assert ProgressUpdate.objects.filter(task__code__startswith="L").count() == 2500
