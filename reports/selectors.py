"""Reads for the weekly reports: the snapshot of a week, lists and lookups.

The snapshot is computed from the journal as of the end of the week (Sunday,
agency time) with the same `plan_figures` the dashboard uses, so a report and
the dashboard at the same `as_of` show the same figures.
"""

from datetime import date, timedelta

from django.db.models import Case, F, IntegerField, QuerySet, When
from django.urls import reverse
from django.utils import timezone

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
    week_bounds,
)
from units.selectors import user_is_leadership, user_unit_ids

from .models import WeeklyReport

SNAPSHOT_VERSION = 2
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


def _task_row(task: Task) -> dict:
    return {
        "code": task.code,
        "title": task.title,
        "unit": task.lead_unit.code,
        "field": task.field,
        "start_date": task.start_date.isoformat(),
        "due_date": task.s_due_date.isoformat(),
        "status": task.s_status,
        "progress": int(task.s_progress),
        "expected": round(float(task.s_expected), 1),
        "state": task.s_state,
        "at_risk": bool(task.s_at_risk),
        "stale": bool(task.s_stale),
        "overdue": bool(task.s_overdue),
        "last_update": _local_iso(task.s_last_update),
        "extended": bool(task.s_extended),
        "awaiting_confirmation": bool(task.s_awaiting_confirmation),
        "completed_at": _local_iso(task.s_completed_at),
    }


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def weekly_process_sections(*, plan: WorkPlan, start: date, end: date, tasks: list[dict]) -> dict:
    """The accountable process in the week: extensions granted (old → new date,
    document), requests pending at the week's end with their age, completions
    awaiting confirmation, completions returned. Three queries."""
    from tasks.selectors import cutoff_for, day_start

    begin, cutoff = day_start(start), cutoff_for(end)
    return {
        "extensions": _week_extensions(plan=plan, begin=begin, cutoff=cutoff),
        "pending_requests": _pending_requests_at(plan=plan, end=end, cutoff=cutoff),
        "awaiting_confirmation": [t for t in tasks if t["awaiting_confirmation"]],
        "returned": _week_returns(plan=plan, begin=begin, cutoff=cutoff),
    }


def _week_extensions(*, plan: WorkPlan, begin, cutoff) -> list[dict]:
    from tasks.models import DueDateChange

    changes = (
        DueDateChange.objects.filter(task__plan=plan, effective_at__gte=begin, effective_at__lt=cutoff)
        .select_related("task", "task__lead_unit", "decided_by")
        .order_by("effective_at", "id")
    )
    return [
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


def _pending_requests_at(*, plan: WorkPlan, end: date, cutoff) -> list[dict]:
    from django.db.models import Q

    from tasks.models import RequestState, TaskRequest

    requests = (
        TaskRequest.objects.filter(task__plan=plan, requested_at__lt=cutoff)
        .filter(Q(state=RequestState.PENDING) | Q(decided_at__gte=cutoff))
        .select_related("task", "unit")
        .order_by("requested_at", "id")
    )
    return [
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


def _week_returns(*, plan: WorkPlan, begin, cutoff) -> list[dict]:
    from tasks.models import CompletionReview, ReviewDecision

    reviews = (
        CompletionReview.objects.filter(
            task__plan=plan, decision=ReviewDecision.RETURN, decided_at__gte=begin, decided_at__lt=cutoff
        )
        .select_related("task", "task__lead_unit", "reviewer")
        .order_by("decided_at", "id")
    )
    return [
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


def _week_status_changes_and_notes(*, plan: WorkPlan, start, end) -> tuple[list[dict], list[dict]]:
    """The week's updates that changed a status, and those whose note matters
    (a status change, or on hold / cancelled). One query."""
    status_changes, notes = [], []
    for update in plan_updates_between(plan=plan, start=start, end=end).order_by("recorded_at", "id"):
        row = {
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
        if update.status != update.previous_status:
            status_changes.append(row)
        if update.note and (update.status != update.previous_status or update.status in NOTABLE_STATUSES):
            notes.append(row)
    return status_changes, notes


def weekly_report_snapshot(*, plan: WorkPlan, iso_year: int, iso_week: int) -> dict:
    """Everything the report shows, as plain JSON, sorted, without any build time.

    Queries: 3 (figures) + 1 (tasks as of the end) + 1 (overdue a week
    before) + 1 (activity) + 1 (updates of the week) + 1 (silent units)
    + 3 (the process: extensions, pending requests, returns) + 3 (urgings).
    """
    start, end = iso_week_bounds(iso_year=iso_year, iso_week=iso_week)
    previous_end = start - timedelta(days=1)
    figures = plan_figures(plan=plan, as_of=end)

    tasks = [
        _task_row(task)
        for task in task_annotate_as_of(Task.objects.filter(plan=plan).select_related("lead_unit"), as_of=end).order_by(
            "code", "pk"
        )
    ]
    overdue_before = set(
        task_annotate_as_of(Task.objects.filter(plan=plan), as_of=previous_end)
        .filter(s_overdue=True)
        .values_list("code", flat=True)
    )
    start_iso, next_monday = start.isoformat(), (end + timedelta(days=1)).isoformat()

    def in_week(stamp: str | None) -> bool:
        return bool(stamp) and start_iso <= stamp[:10] < next_monday

    activity = plan_week_activity(plan=plan, start=start, end=end)
    status_changes, notes = _week_status_changes_and_notes(plan=plan, start=start, end=end)

    return {
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
        "completed": [t for t in tasks if t["status"] == Status.COMPLETED and in_week(t["completed_at"])],
        "newly_overdue": [t for t in tasks if t["overdue"] and t["code"] not in overdue_before],
        "at_risk": [t for t in tasks if t["at_risk"]],
        "stale": [t for t in tasks if t["stale"]],
        "status_changes": status_changes,
        "notes": notes,
        "units_not_updated": [
            {"unit": unit.code, "name": unit.name, "name_en": unit.name_en}
            for unit in plan_units_not_updated(plan=plan, start=start, end=end)
        ],
        **weekly_process_sections(plan=plan, start=start, end=end, tasks=tasks),
        # Issue 12: urging notes of the week, per unit and the most-urged tasks (bounded).
        "urgings": plan_urgings_between(plan=plan, start=start, end=end),
        "tasks": tasks,
    }


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
        .filter(iso_year=iso_year, iso_week=iso_week)
        .annotate(other_year=Case(When(plan__year=iso_year, then=0), default=1, output_field=IntegerField()))
        .order_by("other_year", "-plan__year")
        .first()
    )


def weekly_report_previous(*, report: WeeklyReport) -> WeeklyReport | None:
    return (
        WeeklyReport.objects.filter(plan_id=report.plan_id, period_end=report.period_start - timedelta(days=1))
        .only("pk", "iso_year", "iso_week", "snapshot", "plan_id")
        .first()
    )


def weekly_report_next(*, report: WeeklyReport) -> WeeklyReport | None:
    return (
        WeeklyReport.objects.filter(plan_id=report.plan_id, period_start=report.period_end + timedelta(days=1))
        .only("pk", "iso_year", "iso_week", "plan_id", "period_start", "period_end")
        .first()
    )


def task_urls_by_code(*, plan_id: int) -> dict[str, str]:
    """Each task's page, by code (unique within a plan): a report's rows hold codes, not ids. One query."""
    return {
        code: reverse("tasks:detail", args=[pk])
        for code, pk in Task.objects.filter(plan_id=plan_id).values_list("code", "pk")
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
