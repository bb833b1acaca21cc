"""The plan's rules at their edges, on both sides: the at-risk margin, the stale age and the due day.

Each rule is checked on a past date (state rebuilt from the journal) and on today (state read from
the task's own fields), since the two paths are separate code. A rule off by one point or one day
changes which tasks a manager sees flagged in the list, on the dashboard and in the weekly report.
"""

from datetime import date, datetime, timedelta

import pytest
from django.conf import settings

from plan_portal.tests.factories import TaskFactory, UnitFactory, WorkPlanFactory, at, record_progress
from tasks.models import Status, Task
from tasks.selectors import local_today, plan_figures, task_annotate_as_of

pytestmark = pytest.mark.django_db

PAST = date(2020, 6, 30)


_at = at


def _record(task: Task, when: datetime, status: str, progress: int):
    record_progress(task, at=when, status=status, progress=progress, note="Cập nhật tiến độ")


def _flags(plan, as_of: date) -> dict[str, tuple]:
    rows = task_annotate_as_of(Task.objects.filter(plan=plan), as_of=as_of).values_list(
        "code", "s_state", "s_overdue", "s_at_risk", "s_stale"
    )
    return {code: rest for code, *rest in rows}


@pytest.fixture(params=["past", "today"])
def as_of(request) -> date:
    """The day the figures are read for: a past day (journal) or today (task fields)."""
    return PAST if request.param == "past" else local_today()


def _plan_around(as_of: date):
    year = as_of.year
    return WorkPlanFactory(
        year=year, start_date=as_of - timedelta(days=200), end_date=as_of + timedelta(days=200)
    ), UnitFactory(code="VU-TC")


def test_at_risk_starts_one_point_past_the_margin(as_of):
    # Given tasks halfway through their period (expected 50%), updated yesterday
    plan, unit = _plan_around(as_of)
    margin = settings.AT_RISK_MARGIN
    assert margin == 15  # the agency's rule: more than 15 points behind
    for code, progress in (("ON-MARGIN", 50 - margin), ("PAST-MARGIN", 50 - margin - 1)):
        task = TaskFactory(
            plan=plan,
            code=code,
            lead_unit=unit,
            start_date=as_of - timedelta(days=10),
            due_date=as_of + timedelta(days=10),
        )
        _record(task, _at(as_of - timedelta(days=1)), Status.IN_PROGRESS, progress)

    # When the list reads them as of that day
    flags = _flags(plan, as_of)

    # Then exactly 15 points behind is still on schedule, 16 points behind is at risk
    assert flags["ON-MARGIN"] == ["open_within_deadline", False, False, False]
    assert flags["PAST-MARGIN"] == ["open_within_deadline", False, True, False]
    assert plan_figures(plan=plan, as_of=as_of).counts["at_risk"] == 1


def test_on_the_due_day_the_whole_task_is_expected_and_the_margin_still_holds(as_of):
    # Given two tasks due that very day, at 85% and 84%
    plan, unit = _plan_around(as_of)
    for code, progress in (("DUE-85", 85), ("DUE-84", 84)):
        task = TaskFactory(plan=plan, code=code, lead_unit=unit, start_date=as_of - timedelta(days=30), due_date=as_of)
        _record(task, _at(as_of - timedelta(days=1)), Status.IN_PROGRESS, progress)

    flags = _flags(plan, as_of)

    # Then 100% is expected: 85% is within the margin, 84% is not; neither is overdue yet
    assert flags["DUE-85"] == ["open_within_deadline", False, False, False]
    assert flags["DUE-84"] == ["open_within_deadline", False, True, False]


def test_a_task_is_overdue_from_the_day_after_its_due_date(as_of):
    plan, unit = _plan_around(as_of)
    for code, due in (("DUE-TODAY", as_of), ("DUE-YESTERDAY", as_of - timedelta(days=1))):
        task = TaskFactory(plan=plan, code=code, lead_unit=unit, start_date=as_of - timedelta(days=30), due_date=due)
        _record(task, _at(as_of - timedelta(days=1)), Status.IN_PROGRESS, 100 - 1)

    flags = _flags(plan, as_of)
    counts = plan_figures(plan=plan, as_of=as_of).counts

    assert flags["DUE-TODAY"] == ["open_within_deadline", False, False, False]
    assert flags["DUE-YESTERDAY"] == ["open_overdue", True, False, False]
    assert (counts["open_within_deadline"], counts["open_overdue"]) == (1, 1)


def test_completion_on_the_due_day_is_on_time_and_at_local_midnight_after_it_is_late(as_of):
    # Given two tasks due two days before, completed at 23:59 that day and at 00:00 the next (Hanoi time)
    plan, unit = _plan_around(as_of)
    due = as_of - timedelta(days=2)
    for code, done_at in (("LAST-MINUTE", _at(due, 23, 59)), ("MIDNIGHT", _at(due + timedelta(days=1), 0, 0))):
        task = TaskFactory(plan=plan, code=code, lead_unit=unit, start_date=as_of - timedelta(days=30), due_date=due)
        _record(task, done_at, Status.COMPLETED, 100)

    flags = _flags(plan, as_of)
    counts = plan_figures(plan=plan, as_of=as_of).counts

    assert flags["LAST-MINUTE"] == ["completed_on_time", False, False, False]
    assert flags["MIDNIGHT"] == ["completed_late", False, False, False]
    assert (counts["completed_on_time"], counts["completed_late"]) == (1, 1)


def test_a_task_goes_stale_when_its_last_update_is_fourteen_days_old(as_of):
    # Given tasks last updated at the very start of the 13th day back and at the very end of the 14th
    plan, unit = _plan_around(as_of)
    assert settings.STALE_AFTER_DAYS == 14
    for code, when in (
        ("13-DAYS", _at(as_of - timedelta(days=13), 0, 0)),
        ("14-DAYS", _at(as_of - timedelta(days=14), 23, 59)),
    ):
        task = TaskFactory(
            plan=plan,
            code=code,
            lead_unit=unit,
            start_date=as_of - timedelta(days=100),
            due_date=as_of + timedelta(100),
        )
        _record(task, when, Status.IN_PROGRESS, 50)

    flags = _flags(plan, as_of)

    assert flags["13-DAYS"] == ["open_within_deadline", False, False, False]
    assert flags["14-DAYS"] == ["open_within_deadline", False, False, True]
    assert plan_figures(plan=plan, as_of=as_of).counts["stale"] == 1


def test_a_task_never_updated_goes_stale_fourteen_days_after_it_starts(as_of):
    plan, unit = _plan_around(as_of)
    for code, days in (("STARTED-13", 13), ("STARTED-14", 14)):
        TaskFactory(
            plan=plan,
            code=code,
            lead_unit=unit,
            start_date=as_of - timedelta(days=days),
            # Long enough that 13-14 days in is far from 15 points behind.
            due_date=as_of + timedelta(days=400),
        )

    flags = _flags(plan, as_of)

    assert flags["STARTED-13"] == ["open_within_deadline", False, False, False]
    assert flags["STARTED-14"] == ["open_within_deadline", False, False, True]


def test_on_hold_and_completed_tasks_never_go_stale_or_at_risk(as_of):
    plan, unit = _plan_around(as_of)
    long_ago = _at(as_of - timedelta(days=60))
    for code, status, progress in (("ON-HOLD", Status.ON_HOLD, 0), ("DONE", Status.COMPLETED, 100)):
        task = TaskFactory(plan=plan, code=code, lead_unit=unit, start_date=as_of - timedelta(days=100), due_date=as_of)
        _record(task, long_ago, status, progress)

    flags = _flags(plan, as_of)

    assert flags["ON-HOLD"] == ["open_within_deadline", False, True, False]  # behind, but paused on purpose
    assert flags["DONE"] == ["completed_on_time", False, False, False]


def test_a_completion_confirmed_later_still_counts_from_the_first_completed_day(as_of):
    # Given a task due five days before, completed two days before that and confirmed again after the due day
    plan, unit = _plan_around(as_of)
    due = as_of - timedelta(days=5)
    task = TaskFactory(plan=plan, code="CONFIRMED", lead_unit=unit, start_date=as_of - timedelta(days=30), due_date=due)
    _record(task, _at(due - timedelta(days=2)), Status.COMPLETED, 100)
    _record(task, _at(due + timedelta(days=2)), Status.COMPLETED, 100)

    # Then it was completed on time: its run of "completed" began before the due day
    assert _flags(plan, as_of)["CONFIRMED"] == ["completed_on_time", False, False, False]


def test_a_task_reopened_and_completed_again_late_counts_as_late(as_of):
    plan, unit = _plan_around(as_of)
    due = as_of - timedelta(days=5)
    task = TaskFactory(plan=plan, code="REOPENED", lead_unit=unit, start_date=as_of - timedelta(days=30), due_date=due)
    _record(task, _at(due - timedelta(days=3)), Status.COMPLETED, 100)
    _record(task, _at(due - timedelta(days=2)), Status.IN_PROGRESS, 90)
    _record(task, _at(due + timedelta(days=1)), Status.COMPLETED, 100)

    assert _flags(plan, as_of)["REOPENED"] == ["completed_late", False, False, False]


def test_of_two_updates_at_the_same_moment_the_one_recorded_last_counts(as_of):
    plan, unit = _plan_around(as_of)
    task = TaskFactory(
        plan=plan, code="SAME-MOMENT", lead_unit=unit, start_date=as_of - timedelta(days=10), due_date=as_of
    )
    moment = _at(as_of - timedelta(days=1))
    _record(task, moment, Status.IN_PROGRESS, 40)
    _record(task, moment, Status.ON_HOLD, 45)

    row = task_annotate_as_of(Task.objects.filter(pk=task.pk), as_of=as_of).values("s_status", "s_progress").get()

    assert row == {"s_status": Status.ON_HOLD, "s_progress": 45}


def test_an_update_at_midnight_after_the_day_does_not_count_for_that_day():
    # Given a task completed at 00:00 (Hanoi time) on 01/07/2020
    plan, unit = _plan_around(PAST)
    task = TaskFactory(
        plan=plan, code="MIDNIGHT", lead_unit=unit, start_date=PAST - timedelta(days=30), due_date=PAST + timedelta(9)
    )
    _record(task, _at(PAST - timedelta(days=3)), Status.IN_PROGRESS, 70)
    _record(task, _at(PAST + timedelta(days=1), 0, 0), Status.COMPLETED, 100)

    # Then on 30/06 it was still in progress, and on 01/07 completed
    assert _flags(plan, PAST)["MIDNIGHT"][0] == "open_within_deadline"
    assert _flags(plan, PAST + timedelta(days=1))["MIDNIGHT"][0] == "completed_on_time"
    assert plan_figures(plan=plan, as_of=PAST).counts["in_progress"] == 1


def test_expected_progress_stops_at_100_after_the_due_day(as_of):
    # Given a task due a month ago (its period was a month long) at 90% and another at 84%
    plan, unit = _plan_around(as_of)
    for code, progress in (("LATE-90", 90), ("LATE-84", 84)):
        task = TaskFactory(
            plan=plan,
            code=code,
            lead_unit=unit,
            start_date=as_of - timedelta(days=60),
            due_date=as_of - timedelta(days=30),
        )
        _record(task, _at(as_of - timedelta(days=1)), Status.IN_PROGRESS, progress)

    flags = _flags(plan, as_of)

    # Then both are overdue; only the one more than 15 points short of 100% is also behind schedule
    assert flags["LATE-90"] == ["open_overdue", True, False, False]
    assert flags["LATE-84"] == ["open_overdue", True, True, False]


def test_a_one_day_task_that_has_not_begun_is_expected_at_0_and_counts_without_error(as_of):
    # Start and due on the same future day: no division by its zero-day period
    plan, unit = _plan_around(as_of)
    day = as_of + timedelta(days=5)
    TaskFactory(plan=plan, code="ONE-DAY", lead_unit=unit, start_date=day, due_date=day)

    row = task_annotate_as_of(Task.objects.filter(plan=plan), as_of=as_of).values("s_expected", "s_at_risk").get()

    assert row == {"s_expected": 0.0, "s_at_risk": False}
    assert plan_figures(plan=plan, as_of=as_of).counts["open_within_deadline"] == 1
