"""Every headline figure of the dashboard against the hand-built fixture (see conftest)."""

from datetime import date

import pytest

from plan_portal.tests.factories import PLAN_2020_AS_OF as AS_OF
from plan_portal.tests.factories import at, record_progress
from reports.dashboard import dashboard_build, dashboard_data
from tasks.models import Status
from units.models import Unit

pytestmark = pytest.mark.django_db


def test_headline_counts_as_of_june_30_match_the_hand_count(plan_2020):
    plan, _ = plan_2020

    data = dashboard_build(plan=plan, as_of=AS_OF)

    assert data["counts"] == {
        "total": 9,
        "completed_on_time": 2,  # T1, T9
        "completed_late": 1,  # T2
        "open_within_deadline": 3,  # T3, T5, T8
        "open_overdue": 2,  # T4, T7
        "not_started": 1,  # T5
        "in_progress": 3,  # T3, T4, T8
        "on_hold": 1,  # T7
        "cancelled": 1,  # T6
        "at_risk": 3,  # T4, T5, T7
        "stale": 3,  # T4, T5, T8
        "extended": 0,
        "awaiting_confirmation": 3,  # T1, T2, T9: completions nobody confirmed yet
        "pending_requests": 0,
    }
    # (100 + 100 + 60 + 30 + 0 + 20 + 40 + 100) / 8, cancelled T6 left out
    assert data["average_progress"] == 56.2
    assert data["plan"] == 2020
    assert data["as_of"] == "2020-06-30"


def test_update_on_the_as_of_day_counts_and_one_after_it_does_not(plan_2020):
    plan, _ = plan_2020

    june_30 = dashboard_build(plan=plan, as_of=date(2020, 6, 30))
    june_29 = dashboard_build(plan=plan, as_of=date(2020, 6, 29))
    july_1 = dashboard_build(plan=plan, as_of=date(2020, 7, 1))

    # T9 completed on 30/06 at 23:00: counts on that day, not the day before.
    assert june_30["counts"]["completed_on_time"] == 2
    assert june_29["counts"]["completed_on_time"] == 1
    # T8 completed on 01/07 at 00:30: still in progress as of 30/06.
    assert june_30["counts"]["in_progress"] == 3
    assert july_1["counts"]["in_progress"] == 2
    assert july_1["counts"]["completed_on_time"] == 3


def test_today_shows_the_final_state_with_late_completions(plan_2020):
    plan, t = plan_2020
    record_progress(t["T4"], at=at(date(2021, 2, 1)), status=Status.COMPLETED, progress=100)

    data = dashboard_build(plan=plan, as_of=date(2026, 1, 1))

    assert data["counts"]["completed_late"] == 2  # T2 and T4, finished after the plan's year
    assert data["counts"]["open_overdue"] == 3  # T3, T5 and T7: the year is over
    assert data["counts"]["open_within_deadline"] == 0


def test_by_unit_and_by_field_split_the_counts(plan_2020):
    plan, _ = plan_2020

    data = dashboard_build(plan=plan, as_of=AS_OF)

    by_unit = {row["unit"]: row for row in data["by_unit"]}
    assert [row["unit"] for row in data["by_unit"]] == ["DV-A", "DV-B"]
    assert by_unit["DV-A"]["total"] == 5
    assert by_unit["DV-A"]["completed_on_time"] == 2
    assert by_unit["DV-A"]["open_overdue"] == 1
    assert by_unit["DV-B"]["total"] == 4
    assert by_unit["DV-B"]["at_risk"] == 2
    assert by_unit["DV-B"]["cancelled"] == 1
    by_field = {row["field"]: row["total"] for row in data["by_field"]}
    assert by_field == {"standards": 4, "metrology": 3, "quality": 2}


def test_units_are_ranked_by_completion_rate_with_overdue_and_at_risk(plan_2020):
    plan, _ = plan_2020

    data = dashboard_build(plan=plan, as_of=AS_OF)

    ranked = [(r["unit"], r["completion_rate"], r["open_overdue"], r["at_risk"]) for r in data["units_ranked"]]
    # A: 3 of 5 completed; B: 0 of 3 (the cancelled T6 is left out).
    assert ranked == [("DV-A", 60.0, 1, 1), ("DV-B", 0.0, 1, 2)]
    assert data["units_ranked"][0]["url"] == "/units/DV-A/?plan=2020&as_of=2020-06-30"


def test_overdue_list_puts_the_most_days_overdue_first(plan_2020):
    plan, _ = plan_2020

    data = dashboard_build(plan=plan, as_of=AS_OF)

    assert [(row["code"], row["days_overdue"]) for row in data["overdue"]] == [("T7", 61), ("T4", 15)]
    assert data["overdue"][0]["status"] == "on_hold"
    assert data["overdue_more"] == 0


def test_week_changes_compare_with_the_previous_week(plan_2020):
    plan, _ = plan_2020

    week = dashboard_build(plan=plan, as_of=AS_OF)["week"]

    # This week so far (29/06-30/06): T3 60% (no status change), T9 completed.
    # Previous week (22/06-28/06): T3 not started -> in progress.
    assert (week["start"], week["end"]) == ("2020-06-29", "2020-06-30")
    assert (week["previous_start"], week["previous_end"]) == ("2020-06-22", "2020-06-28")
    assert week["activity"] == {
        "updates": {"this_week": 2, "previous_week": 1, "delta": 1},
        "status_changes": {"this_week": 1, "previous_week": 1, "delta": 0},
        "completed": {"this_week": 1, "previous_week": 0, "delta": 1},
        "tasks_updated": {"this_week": 2, "previous_week": 1, "delta": 1},
    }
    assert [(c["task"], c["from_status"], c["to_status"]) for c in week["status_changes"]] == [
        ("T9", "not_started", "completed")
    ]


def test_units_with_work_in_progress_but_no_update_this_week_are_listed(plan_2020):
    plan, _ = plan_2020

    data = dashboard_build(plan=plan, as_of=AS_OF)

    # A updated T3 and T9 this week; B has T4 and T8 in progress and posted nothing.
    assert data["not_updated_units"] == ["DV-B"]


def test_burnup_counts_completions_and_due_tasks_week_by_week(plan_2020):
    plan, _ = plan_2020

    burnup = dashboard_build(plan=plan, as_of=AS_OF)["burnup"]

    last = burnup[-1]
    assert last["week"] == "2020-W27"
    assert (last["completed"], last["due"]) == (3, 5)  # T1, T2, T9 done; T1, T2, T4, T7, T9 due
    assert last["average_progress"] == 56.2
    assert set(burnup[0]) >= {"week", "completed", "due", "average_progress"}


def test_unit_scope_counts_only_tasks_the_unit_leads(plan_2020):
    plan, _ = plan_2020

    data = dashboard_build(plan=plan, as_of=AS_OF, unit=Unit.objects.get(code="DV-B"))

    assert data["counts"]["total"] == 4
    assert data["counts"]["open_overdue"] == 1
    assert data["counts"]["stale"] == 3
    assert data["links"]["open_overdue"].endswith("state=open_overdue&unit=DV-B&role=lead")
    assert data["not_updated_units"] == ["DV-B"]


def test_dashboard_data_is_the_same_as_a_fresh_build(plan_2020):
    plan, _ = plan_2020

    assert dashboard_data(plan=plan, as_of=AS_OF) == dashboard_build(plan=plan, as_of=AS_OF)


@pytest.mark.parametrize("unit_code", [None, "DV-B"])
def test_every_date_of_the_year_reads_the_cached_burnup_weeks_right(plan_2020, empty_cache, unit_code):
    # The first date caches the burn-up's weeks through the plan's end; every later
    # date takes its earlier weeks from there and reads only its own week.
    plan, _ = plan_2020
    unit = Unit.objects.get(code=unit_code) if unit_code else None
    days = [date(2019, 12, 30), date(2020, 1, 1), date(2020, 1, 5), date(2020, 1, 6), date(2020, 7, 1)]
    days += [date(2020, month, day) for month in range(1, 13) for day in (3, 16, 28)] + [date(2021, 2, 1)]

    for day in days:
        assert dashboard_data(plan=plan, as_of=day, unit=unit) == dashboard_build(plan=plan, as_of=day, unit=unit), day
