"""Reads for the weekly reports: the snapshot of a week, lists and lookups.

The snapshot is computed from the journal as of the end of the week (Sunday,
agency time) with the same `plan_figures` the dashboard uses, so a report and
the dashboard at the same `as_of` show the same figures.
"""

from datetime import date, timedelta

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, When, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from tasks.models import Status, Task, WorkPlan
from tasks.selectors import (
    local_today,
    local_tz,
    plan_figures,
    plan_units_not_updated,
    plan_updates_between,
    plan_urgings_between,
    plan_week_activity,
    task_annotate_as_of,
    task_states,
    week_bounds,
)
from units.selectors import user_is_leadership, user_unit_ids

from .models import WeeklyReport

# Version 3 (issue 14): bounded lists with `totals`, no "tasks" (the XLSX
# reads every task from the journal). Versions 1-2 held every task; they
# still render (rendering.context bounds them on reading).
SNAPSHOT_VERSION = 3
# Rows kept per list of a report: the most important ones; the count of all
# of them is in `totals` and the page links to the full list.
REPORT_LIST_LIMIT = 10
# Rows a list shows on the report's page (the PDF shows fewer): a summary to
# read in the meeting, each list with a link to all of it.
REPORT_PAGE_ROWS = 5
# Notes worth reading in the meeting: updates that changed the status, and
# the reasons given for putting a task on hold or cancelling it.
NOTABLE_STATUSES = (Status.ON_HOLD, Status.CANCELLED)
HEADLINE_KEYS = ("total", "completed_on_time", "completed_late", "open_within_deadline", "open_overdue")


def iso_week_bounds(*, iso_year: int, iso_week: int) -> tuple[date, date]:
    """Monday and Sunday of an ISO week; ValueError for a week that does not exist."""
    monday = date.fromisocalendar(iso_year, iso_week, 1)
    return monday, monday + timedelta(days=6)


def plan_report_weeks(*, plan: WorkPlan, until: date | None = None) -> list[tuple[int, int]]:
    """(iso_year, iso_week) of every week of the plan that has ended by `until` (default today)."""
    until = until or local_today()
    monday, _ = week_bounds(plan.start_date)
    weeks = []
    while monday <= plan.end_date and monday + timedelta(days=6) < until:
        iso = monday.isocalendar()
        weeks.append((iso.year, iso.week))
        monday += timedelta(days=7)
    return weeks


def plan_all_weeks(*, plan: WorkPlan) -> list[tuple[int, int]]:
    return plan_report_weeks(plan=plan, until=plan.end_date + timedelta(days=7))


def plan_weeks_missing_report(*, plan: WorkPlan, until: date | None = None) -> list[tuple[int, int]]:
    """Ended weeks of the plan with no report yet (catch-up after the beat was down)."""
    built = set(WeeklyReport.objects.filter(plan=plan).values_list("iso_year", "iso_week"))
    return [week for week in plan_report_weeks(plan=plan, until=until) if week not in built]


def _local_iso(value) -> str | None:
    return timezone.localtime(value, local_tz()).isoformat() if value else None


def _expected(*, start: date, due: date | None, as_of: date) -> float:
    """tasks.selectors.expected_progress for one task: 100 once due, 0 before the start, else the elapsed share."""
    if due is None or due <= as_of:
        return 100.0
    if start >= as_of:
        return 0.0
    return 100.0 * (as_of - start).days / (due - start).days


def plan_tasks_as_of(*, plan: WorkPlan, as_of: date, states: list[dict] | None = None) -> list[dict]:
    """Every task of the plan as of the end of `as_of`, as report rows in code
    order: the states of tasks.selectors.task_states (pass them when already
    read) with each task's title and lead unit. One or two queries."""
    tasks = Task.objects.filter(plan=plan)
    states = states if states is not None else task_states(tasks, as_of=as_of)
    names = {pk: (title, unit) for pk, title, unit in tasks.values_list("pk", "title", "lead_unit__code")}
    return [_task_row(state, *names[state["pk"]], as_of=as_of) for state in states]


def _task_row(task: dict, title: str, unit: str, *, as_of: date) -> dict:
    return {
        "code": task["code"],
        "title": title,
        "unit": unit,
        "field": task["field"],
        "start_date": task["start_date"].isoformat(),
        "due_date": task["s_due_date"].isoformat(),
        "status": task["s_status"],
        "progress": int(task["s_progress"]),
        "expected": round(_expected(start=task["start_date"], due=task["s_due_date"], as_of=as_of), 1),
        "state": task["s_state"],
        "at_risk": bool(task["s_at_risk"]),
        "stale": bool(task["s_stale"]),
        "overdue": bool(task["s_overdue"]),
        "last_update": _local_iso(task["s_last_update"]),
        "extended": bool(task["s_extended"]),
        "awaiting_confirmation": bool(task["s_awaiting_confirmation"]),
        "completed_at": _local_iso(task["s_completed_at"]),
    }


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def weekly_process_sections(*, plan: WorkPlan, start: date, end: date, limit: int | None = None) -> dict:
    """The accountable process in the week: extensions granted (old → new date,
    document), requests pending at the week's end with their age, completions
    returned. Three queries; with `limit`, the most recent extensions and
    returns and the longest-waiting requests, each with its total (a window
    count in the same query)."""
    from tasks.selectors import cutoff_for, day_start

    begin, cutoff = day_start(start), cutoff_for(end)
    return {
        "extensions": _week_extensions(plan=plan, begin=begin, cutoff=cutoff, limit=limit),
        "pending_requests": _pending_requests_at(plan=plan, end=end, cutoff=cutoff, limit=limit),
        "returned": _week_returns(plan=plan, begin=begin, cutoff=cutoff, limit=limit),
    }


def _limited(qs: QuerySet, *, limit: int | None, newest_first: bool) -> tuple[list, int]:
    """(rows, total): all rows, or the first `limit` with the total counted by
    a window function in the same query. `newest_first`: take the last rows
    of the ordering (and give them back in that ordering)."""
    if limit is None:
        rows = list(qs)
        return rows, len(rows)
    if newest_first:
        qs = qs.reverse()
    rows = list(qs.annotate(full_count=Window(Count("pk")))[:limit])
    total = rows[0].full_count if rows else 0
    return (rows[::-1] if newest_first else rows), total


def _week_extensions(*, plan: WorkPlan, begin, cutoff, limit=None) -> tuple[list[dict], int]:
    from tasks.models import DueDateChange

    changes, total = _limited(
        DueDateChange.objects.filter(task__plan=plan, effective_at__gte=begin, effective_at__lt=cutoff)
        .select_related("task", "task__lead_unit", "decided_by")
        .order_by("effective_at", "id"),
        limit=limit,
        newest_first=True,
    )
    rows = [
        {
            "code": change.task.code,
            "title": change.task.title,
            "unit": change.task.lead_unit.code,
            "old_due_date": change.old_due_date.isoformat(),
            "new_due_date": change.new_due_date.isoformat(),
            "document_ref": change.document_ref,
            "late_request": change.is_late,
            "decided_by": _person(change.decided_by),
            "decided_at": _local_iso(change.effective_at),
        }
        for change in changes
    ]
    return rows, total


def _pending_requests_at(*, plan: WorkPlan, end: date, cutoff, limit=None) -> tuple[list[dict], int]:
    from django.db.models import Q

    from tasks.models import RequestState, TaskRequest

    requests, total = _limited(
        TaskRequest.objects.filter(task__plan=plan, requested_at__lt=cutoff)
        .filter(Q(state=RequestState.PENDING) | Q(decided_at__gte=cutoff))
        .select_related("task", "unit")
        .order_by("requested_at", "id"),
        limit=limit,
        newest_first=False,
    )
    rows = [
        {
            "code": request.task.code,
            "title": request.task.title,
            "unit": request.unit.code,
            "kind": request.kind,
            "requested_at": _local_iso(request.requested_at),
            "age_days": (end - timezone.localtime(request.requested_at, local_tz()).date()).days,
            "proposed_due_date": request.proposed_due_date.isoformat() if request.proposed_due_date else None,
            "reason": request.reason,
        }
        for request in requests
    ]
    return rows, total


def _week_returns(*, plan: WorkPlan, begin, cutoff, limit=None) -> tuple[list[dict], int]:
    from tasks.models import CompletionReview, ReviewDecision

    reviews, total = _limited(
        CompletionReview.objects.filter(
            task__plan=plan, decision=ReviewDecision.RETURN, decided_at__gte=begin, decided_at__lt=cutoff
        )
        .select_related("task", "task__lead_unit", "reviewer")
        .order_by("decided_at", "id"),
        limit=limit,
        newest_first=True,
    )
    rows = [
        {
            "code": review.task.code,
            "title": review.task.title,
            "unit": review.task.lead_unit.code,
            "reviewer": _person(review.reviewer),
            "decided_at": _local_iso(review.decided_at),
            "comment": review.comment,
        }
        for review in reviews
    ]
    return rows, total


def _change_row(update) -> dict:
    return {
        "code": update.task.code,
        "title": update.task.title,
        "unit": update.task.lead_unit.code,
        "recorded_at": _local_iso(update.recorded_at),
        "from_status": update.previous_status,
        "to_status": update.status,
        "from_progress": update.previous_progress,
        "to_progress": update.progress,
        "note": update.note,
    }


def week_status_changes(*, plan: WorkPlan, start: date, end: date, limit: int | None = None):
    """The week's updates that changed a status, oldest first; with `limit`,
    the latest ones and the total. One query."""
    updates = plan_updates_between(plan=plan, start=start, end=end).filter(~Q(status=F("previous_status")))
    rows, total = _limited(updates.order_by("recorded_at", "id"), limit=limit, newest_first=True)
    return [_change_row(update) for update in rows], total


def week_notes(*, plan: WorkPlan, start: date, end: date, limit: int | None = None):
    """The week's notes that matter (with a status change, or on hold /
    cancelled), oldest first; with `limit`, the latest ones and the total. One query."""
    updates = (
        plan_updates_between(plan=plan, start=start, end=end)
        .exclude(note="")
        .filter(~Q(status=F("previous_status")) | Q(status__in=NOTABLE_STATUSES))
    )
    rows, total = _limited(updates.order_by("recorded_at", "id"), limit=limit, newest_first=True)
    return [_change_row(update) for update in rows], total


def _gap(task: dict) -> float:
    return task["expected"] - task["progress"]


def _task_lists(tasks, *, overdue_before: set[str], start: date, end: date) -> dict[str, list[dict]]:
    """Each exception list of the report, whole, most important first: newly
    overdue by the oldest due date, behind schedule by the widest gap to the
    expected progress, not updated by the oldest last update (never first),
    completions awaiting confirmation by the oldest completion."""
    start_iso, next_monday = start.isoformat(), (end + timedelta(days=1)).isoformat()
    lists = {key: [] for key in ("completed", "newly_overdue", "at_risk", "stale", "awaiting_confirmation")}
    for task in tasks:
        completed_at = task["completed_at"] or ""
        if task["status"] == Status.COMPLETED and start_iso <= completed_at[:10] < next_monday:
            lists["completed"].append(task)
        if task["overdue"] and task["code"] not in overdue_before:
            lists["newly_overdue"].append(task)
        for key in ("at_risk", "stale", "awaiting_confirmation"):
            if task[key]:
                lists[key].append(task)
    lists["newly_overdue"].sort(key=lambda t: (t["due_date"], t["code"]))
    lists["at_risk"].sort(key=lambda t: (-_gap(t), t["code"]))
    lists["stale"].sort(key=lambda t: (t["last_update"] is not None, t["last_update"] or "", t["code"]))
    lists["awaiting_confirmation"].sort(key=lambda t: (t["completed_at"] or "", t["code"]))
    return lists


def _overdue_before(*, plan: WorkPlan, tasks: list[dict], start: date) -> set[str]:
    """Codes of the tasks overdue at the end of the week before. Only a task
    overdue now can be newly overdue: the journal is asked about those alone."""
    return set(
        task_annotate_as_of(
            Task.objects.filter(plan=plan, code__in=[t["code"] for t in tasks if t["overdue"]]),
            as_of=start - timedelta(days=1),
        )
        .filter(s_overdue=True)
        .values_list("code", flat=True)
    )


def weekly_report_snapshot(*, plan: WorkPlan, iso_year: int, iso_week: int) -> dict:
    return weekly_report_data(plan=plan, iso_year=iso_year, iso_week=iso_week)[0]


def _week_lists(*, plan: WorkPlan, start: date, end: date, limit: int) -> dict[str, tuple[list, int]]:
    """The week's status changes, notes, silent units and process sections: (rows, total) each."""
    silent = [
        {"unit": unit.code, "name": unit.name, "name_en": unit.name_en}
        for unit in plan_units_not_updated(plan=plan, start=start, end=end)
    ]
    return {
        "status_changes": week_status_changes(plan=plan, start=start, end=end, limit=limit),
        "notes": week_notes(plan=plan, start=start, end=end, limit=limit),
        # Every silent unit (as many as the plan has units, whatever its size):
        # each unit head's e-mail says whether theirs is one.
        "units_not_updated": (silent, len(silent)),
        **weekly_process_sections(plan=plan, start=start, end=end, limit=limit),
    }


def weekly_report_data(*, plan: WorkPlan, iso_year: int, iso_week: int) -> tuple[dict, list[dict]]:
    """(snapshot, every task as of the end of the week): the build hands the
    tasks to the XLSX, which would otherwise ask the journal a second time.

    The snapshot: the report's figures and its bounded lists, as plain JSON, without any build time.

    Figures cover the whole plan; each list (completed, newly overdue, behind
    schedule, ...) keeps its REPORT_LIST_LIMIT most important rows and its
    full count in `totals`, so a report is the same size whatever the plan's
    (the XLSX lists every task, from the journal). Queries: 1 (every task's
    state as of the end, whence the figures and the lists) + 2 (units, titles) + 1 (overdue a week before)
    + 1 (activity) + 2 (status changes, notes) + 1 (silent units) + 3 (the process).
    """
    limit = REPORT_LIST_LIMIT
    start, end = iso_week_bounds(iso_year=iso_year, iso_week=iso_week)
    # The state of every task, read once: the figures (as the dashboard counts
    # them) and the lists both come from it, and the XLSX writes it.
    states = task_states(Task.objects.filter(plan=plan), as_of=end)
    figures = plan_figures(plan=plan, as_of=end, states=states)
    tasks = plan_tasks_as_of(plan=plan, as_of=end, states=states)
    del states
    lists = _task_lists(
        tasks, overdue_before=_overdue_before(plan=plan, tasks=tasks, start=start), start=start, end=end
    )
    totals = {key: len(rows) for key, rows in lists.items()}
    lists = {key: rows[:limit] for key, rows in lists.items()}
    activity = plan_week_activity(plan=plan, start=start, end=end)
    for key, (rows, total) in _week_lists(plan=plan, start=start, end=end, limit=limit).items():
        lists[key], totals[key] = rows, total
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "plan": plan.year,
        "week": f"{iso_year}-W{iso_week:02d}",
        "iso_year": iso_year,
        "iso_week": iso_week,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "as_of": end.isoformat(),
        "counts": figures.counts,
        "average_progress": figures.average_progress,
        "by_unit": figures.by_unit,
        "by_field": [{k: v for k, v in row.items() if k != "label"} for row in figures.by_field],
        "activity": {key: int(activity[key] or 0) for key in sorted(activity)},
        **lists,
        "totals": totals,
        # Issue 12: urging notes of the week, per unit and the most-urged tasks
        # (at most URGED_TASKS_LIMIT; per unit: as many rows as units).
        "urgings": plan_urgings_between(plan=plan, start=start, end=end),
    }
    return snapshot, tasks


# --- lists and lookups ------------------------------------------------------


def user_can_read_reports(user) -> bool:
    """Rule: Leadership and admins, and every member of a unit, read all reports.

    A report holds plan-level figures that every member already sees task by
    task; a signed-in account with no unit and no Leadership role reads none.
    """
    return user.is_authenticated and (user_is_leadership(user) or bool(user_unit_ids(user)))


def weekly_report_list(*, plan: WorkPlan | None = None) -> QuerySet[WeeklyReport]:
    """Reports with their headline figures (`counts`, `average_progress`) read
    from the JSON in the database; the big snapshot itself is not loaded."""
    qs = (
        WeeklyReport.objects.select_related("plan")
        .defer("snapshot")
        .annotate(counts=F("snapshot__counts"), average_progress=F("snapshot__average_progress"))
    )
    return qs.filter(plan=plan) if plan is not None else qs


def weekly_report_get(*, iso_year: int, iso_week: int) -> WeeklyReport | None:
    """The report of an ISO week; the plan of that year first when two plans share the week."""
    return (
        WeeklyReport.objects.select_related("plan")
        # The page renders from a cache, the files are on disk: the snapshot is read only when needed.
        .defer("snapshot")
        .filter(iso_year=iso_year, iso_week=iso_week)
        .annotate(other_year=Case(When(plan__year=iso_year, then=0), default=1, output_field=IntegerField()))
        .order_by("other_year", "-plan__year")
        .first()
    )


def weekly_report_previous(*, report: WeeklyReport) -> WeeklyReport | None:
    """The previous week's report with only its headline figures (`counts`,
    `average_progress`) read from the JSON: an old snapshot may weigh megabytes."""
    return (
        WeeklyReport.objects.filter(plan_id=report.plan_id, period_end=report.period_start - timedelta(days=1))
        .only("pk", "iso_year", "iso_week", "plan_id")
        .annotate(counts=F("snapshot__counts"), average_progress=F("snapshot__average_progress"))
        .first()
    )


def previous_headline(*, plan_id: int, period_start: date) -> dict | None:
    """The headline figures of the report of the week before `period_start`, if any. One query."""
    return report_headline(weekly_report_previous(report=WeeklyReport(plan_id=plan_id, period_start=period_start)))


def report_headline(report: WeeklyReport | None) -> dict | None:
    """What `snapshot_changes` compares, from a report of weekly_report_previous."""
    if report is None:
        return None
    return {"counts": report.counts or {}, "average_progress": report.average_progress or 0.0}


def weekly_report_neighbours(*, report: WeeklyReport) -> tuple[WeeklyReport | None, WeeklyReport | None]:
    """(previous week's report, next week's) of the same plan, with the
    previous one's headline figures (`counts`, `average_progress`) read from
    the JSON and neither snapshot loaded. One query."""
    rows = (
        WeeklyReport.objects.filter(plan_id=report.plan_id)
        .filter(
            Q(period_end=report.period_start - timedelta(days=1))
            | Q(period_start=report.period_end + timedelta(days=1))
        )
        .only("pk", "iso_year", "iso_week", "plan_id", "period_start", "period_end", "snapshot_hash")
        .annotate(counts=F("snapshot__counts"), average_progress=F("snapshot__average_progress"))
    )
    previous = following = None
    for row in rows:
        if row.period_end < report.period_start:
            previous = row
        else:
            following = row
    return previous, following


def report_dashboard_url(*, report: WeeklyReport) -> str:
    """The dashboard as of the report's Sunday."""
    query = urlencode({"plan": report.plan.year, "as_of": report.period_end.isoformat()})
    return f"{reverse('reports:dashboard')}?{query}"


def weekly_report_next(*, report: WeeklyReport) -> WeeklyReport | None:
    return (
        WeeklyReport.objects.filter(plan_id=report.plan_id, period_start=report.period_end + timedelta(days=1))
        .only("pk", "iso_year", "iso_week", "plan_id", "period_start", "period_end")
        .first()
    )


def task_urls_by_code(*, plan_id: int, codes) -> dict[str, str]:
    """The pages of the tasks a report shows, by code (unique within a plan):
    a report's rows hold codes, not ids. One query, as many rows as the report shows."""
    # One reverse() for all: the pattern is the same for every task.
    marker = 2**31 - 1
    pattern = reverse("tasks:detail", args=[marker])
    return {
        code: pattern.replace(str(marker), str(pk))
        for code, pk in Task.objects.filter(plan_id=plan_id, code__in=set(codes)).values_list("code", "pk")
    }


def snapshot_changes(*, current: dict, previous: dict | None) -> dict:
    """Differences of the headline figures against the previous week's report."""
    if not previous:
        return {}
    changes = {key: current["counts"].get(key, 0) - previous["counts"].get(key, 0) for key in current["counts"]}
    changes["average_progress"] = round(current["average_progress"] - previous.get("average_progress", 0.0), 1)
    return changes


def unit_members_with_email(*, unit_ids) -> QuerySet:
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__unit_id__in=unit_ids)
        .exclude(email="")
        .distinct()
        .order_by("email")
    )
