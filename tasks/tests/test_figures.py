"""Figures as of a date, rebuilt from the journal, checked against a hand-made plan."""

from datetime import date

import pytest

from plan_portal.tests.factories import TaskFactory, UnitFactory, WorkPlanFactory, at, member, record_progress
from tasks.models import Status
from tasks.selectors import plan_burnup, plan_figures, plan_units_not_updated, plan_week_activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_with_history():
    """Five tasks, due 30/06/2020 unless said otherwise.

    A: completed 26/06 (on time)        B: completed 03/07 (late)
    C: in progress 40% on 15/05, stalls D: cancelled 10/04
    E: due 31/12, in progress 50% on 03/07 (after 30/06)
    """
    plan = WorkPlanFactory(year=2020)
    tc, dl = UnitFactory(code="VU-TC"), UnitFactory(code="VU-DL")
    user_tc, user_dl = member(tc, username="vu-tc"), member(dl, username="vu-dl")
    due = date(2020, 6, 30)
    a = TaskFactory(plan=plan, code="A", lead_unit=tc, start_date=date(2020, 1, 1), due_date=due)
    b = TaskFactory(plan=plan, code="B", lead_unit=tc, start_date=date(2020, 1, 1), due_date=due)
    c = TaskFactory(plan=plan, code="C", lead_unit=dl, start_date=date(2020, 1, 1), due_date=due)
    d = TaskFactory(plan=plan, code="D", lead_unit=dl, start_date=date(2020, 1, 1), due_date=due)
    e = TaskFactory(plan=plan, code="E", lead_unit=dl, start_date=date(2020, 1, 1), due_date=date(2020, 12, 31))

    def rec(task, user, day, status, progress, note="ghi chú"):
        record_progress(task, at=at(day), status=status, progress=progress, note=note, author=user)

    rec(a, user_tc, date(2020, 5, 29), Status.IN_PROGRESS, 70)
    rec(a, user_tc, date(2020, 6, 26), Status.COMPLETED, 100)
    rec(b, user_tc, date(2020, 6, 26), Status.IN_PROGRESS, 80)
    rec(b, user_tc, date(2020, 7, 3), Status.COMPLETED, 100)
    rec(c, user_dl, date(2020, 5, 15), Status.IN_PROGRESS, 40)
    rec(d, user_dl, date(2020, 4, 10), Status.CANCELLED, 10, "Lồng ghép vào nhiệm vụ khác")
    rec(e, user_dl, date(2020, 7, 3), Status.IN_PROGRESS, 50)
    return plan


def test_figures_on_the_due_date(plan_with_history):
    figures = plan_figures(plan=plan_with_history, as_of=date(2020, 6, 30))
    assert figures.counts == {
        "total": 5,
        "completed_on_time": 1,  # A
        "completed_late": 0,
        "open_within_deadline": 3,  # B, C (due today), E (not started)
        "open_overdue": 0,
        "not_started": 1,  # E: its update comes after 30/06
        "in_progress": 2,  # B, C
        "on_hold": 0,
        "cancelled": 1,  # D, outside the four-way count
        # Expected progress on 30/06 is 100% for B and C (due that day) -> both at risk;
        # E: 181 of 365 days elapsed = 49.6% expected, 0% done -> at risk.
        "at_risk": 3,
        # C: last update 15/05, 46 days; E: never updated, started 01/01.
        "stale": 2,
        # Issue 11: no due date moved; A's completion is not yet confirmed; no request pending.
        "extended": 0,
        "awaiting_confirmation": 1,
        "pending_requests": 0,
    }
    # Mean over tasks not cancelled: (100 + 80 + 40 + 0) / 4
    assert figures.average_progress == 55.0


def test_figures_after_the_due_date_count_late_completion_and_overdue(plan_with_history):
    figures = plan_figures(plan=plan_with_history, as_of=date(2020, 7, 3))
    counts = figures.counts
    assert (counts["completed_on_time"], counts["completed_late"]) == (1, 1)
    assert (counts["open_within_deadline"], counts["open_overdue"]) == (1, 1)  # E within, C overdue
    assert counts["in_progress"] == 2
    by_unit = {row["unit"]: row for row in figures.by_unit}
    assert by_unit["VU-TC"]["completed_on_time"] == 1 and by_unit["VU-TC"]["completed_late"] == 1
    assert by_unit["VU-DL"]["open_overdue"] == 1 and by_unit["VU-DL"]["cancelled"] == 1


def test_an_update_made_after_as_of_does_not_count_and_one_made_that_day_does(plan_with_history):
    assert plan_figures(plan=plan_with_history, as_of=date(2020, 7, 2)).counts["completed_late"] == 0
    assert plan_figures(plan=plan_with_history, as_of=date(2020, 7, 3)).counts["completed_late"] == 1


def test_journal_figures_for_a_past_date_equal_current_fields_once_nothing_changed_since(plan_with_history):
    from_journal = plan_figures(plan=plan_with_history, as_of=date(2021, 1, 5))
    from_fields = plan_figures(plan=plan_with_history, as_of=date(2099, 1, 1))
    keys = ("completed_on_time", "completed_late", "open_within_deadline", "open_overdue", "in_progress", "cancelled")
    assert {k: from_journal.counts[k] for k in keys} == {k: from_fields.counts[k] for k in keys}
    assert from_journal.average_progress == from_fields.average_progress


def test_burnup_counts_completions_and_due_tasks_week_by_week(plan_with_history):
    weeks = {week["week"]: week for week in plan_burnup(plan=plan_with_history, until=date(2020, 7, 5))}
    assert weeks["2020-W26"] == {
        "week": "2020-W26",
        "start": "2020-06-22",
        "end": "2020-06-28",
        "completed": 1,
        "due": 0,
        "average_progress": 55.0,
    }
    assert weeks["2020-W27"]["completed"] == 2
    assert weeks["2020-W27"]["due"] == 4  # A-D due 30/06
    assert weeks["2020-W27"]["average_progress"] == round((100 + 100 + 40 + 50) / 4, 1)
    assert weeks["2020-W15"]["average_progress"] == 0.0  # D cancelled at 10%: left out


def test_week_activity_and_units_without_updates(plan_with_history):
    plan = plan_with_history
    activity = plan_week_activity(plan=plan, start=date(2020, 6, 29), end=date(2020, 7, 5))
    assert activity == {"updates": 2, "status_changes": 2, "completed": 1, "tasks_updated": 2}
    # Week of 22-28/06: VU-TC posted (A, B); VU-DL has C in progress and posted nothing.
    silent = plan_units_not_updated(plan=plan, start=date(2020, 6, 22), end=date(2020, 6, 28))
    assert list(silent.values_list("code", flat=True)) == ["VU-DL"]


def test_figures_run_a_fixed_number_of_queries(plan_with_history, django_assert_num_queries):
    # Every task's state in one query (task_states), then the units' names.
    with django_assert_num_queries(2):
        plan_figures(plan=plan_with_history, as_of=date(2020, 6, 30))
    # The burn-up also reads the due-date journal (issue 11): the planned line follows extensions.
    with django_assert_num_queries(4):
        plan_burnup(plan=plan_with_history, until=date(2020, 12, 31))
