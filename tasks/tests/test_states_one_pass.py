"""The "as of" figures in one pass (issue 14): `task_states` reads each task's
state once and `plan_figures` counts it in Python; the task list filters on the
SQL annotations of `task_annotate_as_of`. Both must say the same thing, task by
task and count by count, on every date (so a dashboard figure equals the rows
its link shows)."""

from datetime import date, timedelta

import pytest

from tasks.models import Task
from tasks.selectors import count_aggregates, plan_figures, task_annotate_as_of, task_states
from tasks.tests.test_process_as_of import _approve, world  # noqa: F401 - the fixture

FLAGS = ("s_state", "s_overdue", "s_at_risk", "s_stale", "s_awaiting_confirmation")
FACTS = ("s_status", "s_progress", "s_due_date", "s_extended", "s_pending_request")


def _sql_states(plan, as_of: date) -> dict:
    annotated = task_annotate_as_of(Task.objects.filter(plan=plan), as_of=as_of)
    return {row["code"]: row for row in annotated.values("code", *FLAGS, *FACTS)}


def _python_states(plan, as_of: date) -> dict:
    return {
        row["code"]: {key: row[key] for key in ("code", *FLAGS, *FACTS)}
        for row in task_states(Task.objects.filter(plan=plan), as_of=as_of)
    }


def _sql_counts(plan, as_of: date) -> dict:
    row = task_annotate_as_of(Task.objects.filter(plan=plan).order_by(), as_of=as_of).aggregate(**count_aggregates())
    average = row.pop("average_progress")
    return {key: value or 0 for key, value in row.items()} | {
        "average_progress": round(float(average), 1) if average is not None else 0.0
    }


def _days(first: date, last: date, step: int):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=step)


def _boundaries(plan_2020_tasks) -> list[date]:
    """Every 9th day of 2020 and the days around each due date."""
    days = set(_days(date(2019, 12, 30), date(2021, 1, 3), 9))
    for task in plan_2020_tasks.values():
        days |= {task.due_date - timedelta(days=1), task.due_date, task.due_date + timedelta(days=1)}
    return sorted(days)


def test_each_task_has_the_same_state_in_one_pass_as_in_the_list_annotations(plan_2020):
    plan, tasks = plan_2020

    for day in _boundaries(tasks):
        assert _python_states(plan, day) == _sql_states(plan, day), day


def test_the_plan_figures_equal_the_sql_aggregates_on_every_date(plan_2020):
    plan, tasks = plan_2020

    for day in _boundaries(tasks):
        figures = plan_figures(plan=plan, as_of=day)
        assert {**figures.counts, "average_progress": figures.average_progress} == _sql_counts(plan, day), day


def test_the_hand_counted_figures_of_30_june_2020(plan_2020):
    plan, _tasks = plan_2020

    figures = plan_figures(plan=plan, as_of=date(2020, 6, 30))

    assert figures.counts == {
        "total": 9,
        "completed_on_time": 2,
        "completed_late": 1,
        "open_within_deadline": 3,
        "open_overdue": 2,
        "not_started": 1,
        "in_progress": 3,
        "on_hold": 1,
        "cancelled": 1,
        "at_risk": 3,
        "stale": 3,
        "extended": 0,
        "awaiting_confirmation": 3,
        "pending_requests": 0,
    }
    assert [(row["unit"], row["total"]) for row in figures.by_unit] == [("DV-A", 5), ("DV-B", 4)]
    assert [(row["field"], row["total"]) for row in figures.by_field] == [
        ("metrology", 3),
        ("quality", 2),
        ("standards", 4),
    ]


@pytest.mark.parametrize("approved", [False, True])
def test_requests_extensions_and_confirmations_agree_in_one_pass(world, approved):  # noqa: F811 - the fixture
    if approved:
        _approve(world)
    plan = world["plan"]

    for day in (*_days(date(2020, 5, 18), date(2020, 5, 27), 1), *_days(date(2020, 6, 18), date(2020, 8, 25), 3)):
        assert _python_states(plan, day) == _sql_states(plan, day), day
        figures = plan_figures(plan=plan, as_of=day)
        assert {**figures.counts, "average_progress": figures.average_progress} == _sql_counts(plan, day), day
