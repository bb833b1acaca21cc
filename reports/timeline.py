"""The plan as a timeline (Gantt): each task a bar from its start to its due date, grouped by lead unit or
field, with its progress inside, today's line and overdue bars marked. Same filters as the task list.

Positions are computed here as percentages of the plan's span and drawn as SVG attributes (x, width), so the
page needs neither JavaScript nor inline styles (the CSP allows neither) and prints as it shows."""

from dataclasses import dataclass, field
from datetime import date

from tasks.labels import field_label
from tasks.models import Task, WorkPlan


@dataclass
class Bar:
    task: Task
    x: float
    width: float
    progress_width: float
    overdue: bool
    at_risk: bool


@dataclass
class Group:
    key: str
    label: str
    bars: list[Bar] = field(default_factory=list)


def _share(day: date, *, start: date, days: int) -> float:
    return round(100 * min(max((day - start).days, 0), days) / days, 2)


def timeline_build(*, plan: WorkPlan, tasks, group_by: str, today: date) -> dict:
    """Groups of bars over the plan's span, plus today's position (None outside the plan) and the months."""
    start, end = plan.start_date, plan.end_date
    days = max((end - start).days + 1, 1)
    groups: dict[str, Group] = {}
    for task in tasks:
        if group_by == "field":
            key, label = task.field, field_label(task.field)
        else:
            key, label = task.lead_unit.code, f"{task.lead_unit.code} – {task.lead_unit.name}"
        bar_start = _share(task.start_date or start, start=start, days=days)
        bar_end = _share(task.due_date, start=start, days=days - 1) if task.due_date else 100.0
        width = max(bar_end - bar_start, 0.6)
        groups.setdefault(key, Group(key=key, label=label)).bars.append(
            Bar(
                task=task,
                x=bar_start,
                width=round(width, 2),
                progress_width=round(width * (task.s_progress or 0) / 100, 2),
                overdue=bool(task.s_overdue),
                at_risk=bool(task.s_at_risk),
            )
        )
    months = []
    month = date(start.year, start.month, 1)
    while month <= end:
        months.append({"day": month, "x": _share(max(month, start), start=start, days=days)})
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    today_x = _share(today, start=start, days=days) if start <= today <= end else None
    return {"groups": sorted(groups.values(), key=lambda g: g.label), "months": months, "today_x": today_x}
