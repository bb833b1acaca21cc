"""The plan as a timeline (Gantt): each task a bar from its start to its due date in force, grouped by lead
unit or field, the part added by an extension marked, its progress inside, today's line and overdue bars
marked. Same filters as the task list.

Two drawings of the same figures:
- `chart`, the data of the interactive chart (vis-timeline, static/js/timeline.js), embedded with
  json_script; the script draws with DOM and CSSOM only (no inline style or script: the CSP allows neither);
- `groups`, the table that the page shows without JavaScript and prints: its bars are SVG whose positions
  are computed here as percentages of the plan's span.

The original due date is the old date of the task's first due-date change (the DueDateChange journal); the
bar ends at the due date in force on the day looked at (`s_due_date`), so a past day shows the plan as it
stood then."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tasks.labels import field_label, status_label
from tasks.models import DueDateChange, Task, WorkPlan
from tasks.templatetags.task_tags import task_title


@dataclass
class Bar:
    task: Task
    x: float
    width: float
    progress_width: float
    extension_x: float | None  # where the part added by an extension starts; None without one
    extension_width: float
    overdue: bool
    at_risk: bool
    original_due: date | None  # the due date before its first change, when it was extended


@dataclass
class Group:
    key: str
    label: str
    bars: list[Bar] = field(default_factory=list)


def timeline_annotate(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """`t_original_due`: the due date before the first change of the journal (None without a change)."""
    first = DueDateChange.objects.filter(task=OuterRef("pk")).order_by("effective_at", "id")
    return tasks.annotate(t_original_due=Subquery(first.values("old_due_date")[:1]))


def _share(day: date, *, start: date, days: int) -> float:
    return round(100 * min(max((day - start).days, 0), days) / days, 2)


def _group_of(task: Task, group_by: str) -> tuple[str, str]:
    if group_by == "field":
        return task.field, field_label(task.field)
    return task.lead_unit.code, f"{task.lead_unit.code} – {task.lead_unit.name}"


def _bar(task: Task, *, start: date, days: int) -> Bar:
    due = task.s_due_date or task.due_date
    bar_start = _share(task.start_date or start, start=start, days=days)
    bar_end = _share(due, start=start, days=days - 1) if due else 100.0
    width = max(bar_end - bar_start, 0.6)
    original = task.t_original_due
    extended = original is not None and due is not None and original < due
    # The extension starts the day after the original due date.
    extension_x = _share(max(original, task.start_date or start), start=start, days=days - 1) if extended else None
    return Bar(
        task=task,
        x=bar_start,
        width=round(width, 2),
        progress_width=round(width * (task.s_progress or 0) / 100, 2),
        extension_x=extension_x,
        extension_width=round(bar_start + width - extension_x, 2) if extended else 0.0,
        overdue=bool(task.s_overdue),
        at_risk=bool(task.s_at_risk),
        original_due=original if extended else None,
    )


def _months(start: date, end: date, days: int) -> list[dict]:
    months = []
    month = date(start.year, start.month, 1)
    while month <= end:
        months.append({"day": month, "x": _share(max(month, start), start=start, days=days)})
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return months


def _chart_item(bar: Bar, group_key: str, plan: WorkPlan) -> dict:
    task = bar.task
    start = task.start_date or plan.start_date
    due = task.s_due_date or task.due_date or plan.end_date
    return {
        "id": task.pk,
        "group": group_key,
        "start": start.isoformat(),
        # vis-timeline's end is exclusive: the bar covers the due date itself.
        "end": (max(due, start) + timedelta(days=1)).isoformat(),
        "code": task.code,
        "title": task_title(task),
        "url": reverse("tasks:detail", args=[task.pk]),
        "progress": task.s_progress or 0,
        "status": status_label(task.s_status),
        "start_text": date_format(start, "d/m/Y"),
        "due_text": date_format(due, "d/m/Y"),
        "original_due": bar.original_due.isoformat() if bar.original_due else None,
        "original_due_text": date_format(bar.original_due, "d/m/Y") if bar.original_due else "",
        "overdue": bar.overdue,
        "at_risk": bar.at_risk,
    }


def _chart_labels() -> dict:
    return {
        "overdue": _("Overdue"),
        "at_risk": _("Behind schedule"),
        "extended_from": _("extended from %(day)s"),
        "due": _("Due date"),
        "start": _("Start"),
        "progress": _("Progress"),
        "today": _("today"),
        "show_table": _("Show as a table"),
        "hide_table": _("Hide the table"),
    }


def timeline_build(*, plan: WorkPlan, tasks, group_by: str, today: date) -> dict:
    """Groups of bars over the plan's span, today's position (None outside the plan), the months, and the
    chart's data (`chart`)."""
    start, end = plan.start_date, plan.end_date
    days = max((end - start).days + 1, 1)
    groups: dict[str, Group] = {}
    for task in tasks:
        key, label = _group_of(task, group_by)
        groups.setdefault(key, Group(key=key, label=label)).bars.append(_bar(task, start=start, days=days))
    ordered = sorted(groups.values(), key=lambda g: g.label)
    chart = {
        "start": start.isoformat(),
        "end": (end + timedelta(days=1)).isoformat(),
        "today": today.isoformat() if start <= today <= end else None,
        "groups": [{"id": group.key, "content": group.label, "order": n} for n, group in enumerate(ordered)],
        "items": [_chart_item(bar, group.key, plan) for group in ordered for bar in group.bars],
        "labels": _chart_labels(),
    }
    today_x = _share(today, start=start, days=days) if start <= today <= end else None
    return {"groups": ordered, "months": _months(start, end, days), "today_x": today_x, "chart": chart}
