"""The leadership dashboard: parameters, extra selectors, the assembled,
cached figures (`dashboard_data`, shared by the page, data.json and the
weekly report) and the page's context (`dashboard_page`, shared by the
dashboard and the unit pages).

Every figure is computed in the database from the progress journal (through
tasks.selectors); the number of queries does not depend on the data size.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from plan_portal.dates import parse_date
from tasks.labels import ACTIVITY_LABELS, COUNT_LABELS
from tasks.models import ProgressUpdate, Status, Task, WorkPlan
from tasks.selectors import (
    COUNT_KEYS,
    burnup_deltas_by_week,
    cutoff_for,
    day_start,
    local_today,
    plan_burnup,
    plan_figures,
    plan_get_current,
    plan_units_not_updated,
    task_states,
    urging_counts_by_code,
    week_bounds,
)
from units.models import Unit

# Dates before or after these are refused: they are typos, and date arithmetic
# near year 1 or 9999 would overflow.
AS_OF_MIN = date(2000, 1, 1)
AS_OF_MAX = date(2100, 12, 31)
# Long lists are cut on the page; the "see all" link goes to the task list.
OVERDUE_LIMIT = 50
CHANGES_LIMIT = 30
CACHE_SECONDS = 600
CACHE_PREFIX = "dashboard:v1"
UNIT_CODE_RE = re.compile(r"[A-Za-z0-9._-]{1,32}")

# How each headline figure maps onto the task list's GET parameters.
COUNT_FILTERS = {
    "total": {},
    "completed_on_time": {"state": "completed_on_time"},
    "completed_late": {"state": "completed_late"},
    "open_within_deadline": {"state": "open_within_deadline"},
    "open_overdue": {"state": "open_overdue"},
    "not_started": {"status": Status.NOT_STARTED.value},
    "in_progress": {"status": Status.IN_PROGRESS.value},
    "on_hold": {"status": Status.ON_HOLD.value},
    "cancelled": {"state": "cancelled"},
    "at_risk": {"at_risk": "1"},
    "stale": {"stale": "1"},
    "extended": {"extended": "1"},
    "awaiting_confirmation": {"awaiting_confirmation": "1"},
    "pending_requests": {"pending_request": "1"},
}


class DashboardParamError(ValueError):
    """A parameter could not be used; the message is translated, for people."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param
        self.message = message


@dataclass
class DashboardParams:
    plan: WorkPlan | None
    as_of: date
    unit: Unit | None = None
    errors: list[DashboardParamError] = field(default_factory=list)


def dashboard_parse_params(params, *, unit_code: str | None = None) -> DashboardParams:
    """Read `plan`, `as_of` and `unit` from a QueryDict.

    A bad value never raises: it is reported in `errors` and the default is
    used instead (the page shows the message, data.json answers 400).
    """
    errors: list[DashboardParamError] = []
    plan = None
    year = (params.get("plan") or "").strip()
    if year:
        if year.isdigit() and len(year) == 4:
            plan = WorkPlan.objects.filter(year=int(year)).first()
        if plan is None:
            errors.append(DashboardParamError("plan", _("There is no work plan for “%(year)s”.") % {"year": year[:20]}))
    if plan is None:
        plan = plan_get_current()

    as_of = local_today()
    raw = (params.get("as_of") or "").strip()
    if raw:
        parsed = parse_date(raw) if len(raw) <= 10 else None
        if parsed is None or not AS_OF_MIN <= parsed <= AS_OF_MAX:
            errors.append(
                DashboardParamError(
                    "as_of",
                    _("“%(value)s” is not a valid date; use the form dd/mm/yyyy, e.g. 30/06/2020.")
                    % {"value": raw[:20]},
                )
            )
        else:
            as_of = parsed

    unit = None
    code = unit_code if unit_code is not None else (params.get("unit") or "").strip()
    if code:
        # Checked before querying: a NUL byte would make PostgreSQL refuse the query.
        unit = Unit.objects.filter(code__iexact=code).first() if UNIT_CODE_RE.fullmatch(code) else None
        if unit is None:
            errors.append(
                DashboardParamError("unit", _("There is no unit with the code “%(code)s”.") % {"code": code[:32]})
            )
    return DashboardParams(plan=plan, as_of=as_of, unit=unit, errors=errors)


# --- extra selectors ---------------------------------------------------------


def plan_journal_version(*, plan: WorkPlan) -> str:
    """A value that changes whenever anything the dashboard shows may change.

    `WorkPlan.figures_version` moves in the same transaction as every journal
    entry (even a back-dated one), its undo and every task edit: one lookup by
    primary key, whatever the size of the journal."""
    version = WorkPlan.objects.filter(pk=plan.pk).values_list("figures_version", flat=True).first()
    return str(version or 0)


def overdue_states(*, states: list[dict], as_of: date) -> list[dict]:
    """The open tasks past their due date as of `as_of` (rows of task_states),
    most days overdue first, then by code (the states come by code; the sort is stable)."""
    overdue = [row for row in states if row["s_overdue"]]
    overdue.sort(key=lambda row: row["s_due_date"])
    return overdue


def _journal(*, tasks: QuerySet[Task]) -> QuerySet[ProgressUpdate]:
    return ProgressUpdate.objects.filter(task__in=tasks.order_by().values("pk"))


def week_activity_compare(*, tasks: QuerySet[Task], start: date, end: date) -> dict:
    """Updates, status changes, completions and tasks updated from `start` (a
    Monday) to `end`, and in the whole previous week (Monday-Sunday). One query."""
    prev_start, prev_end = start - timedelta(days=7), start - timedelta(days=1)
    this_week = Q(recorded_at__gte=day_start(start), recorded_at__lt=cutoff_for(end))
    last_week = Q(recorded_at__gte=day_start(prev_start), recorded_at__lt=cutoff_for(prev_end))
    changed = ~Q(status=F("previous_status"))
    completed = Q(status=Status.COMPLETED) & ~Q(previous_status=Status.COMPLETED)
    row = (
        _journal(tasks=tasks)
        .filter(recorded_at__gte=day_start(prev_start), recorded_at__lt=cutoff_for(end))
        .aggregate(
            updates=Count("pk", filter=this_week),
            status_changes=Count("pk", filter=this_week & changed),
            completed=Count("pk", filter=this_week & completed),
            tasks_updated=Count("task", filter=this_week, distinct=True),
            prev_updates=Count("pk", filter=last_week),
            prev_status_changes=Count("pk", filter=last_week & changed),
            prev_completed=Count("pk", filter=last_week & completed),
            prev_tasks_updated=Count("task", filter=last_week, distinct=True),
        )
    )
    keys = ("updates", "status_changes", "completed", "tasks_updated")
    return {
        key: {
            "this_week": row[key] or 0,
            "previous_week": row[f"prev_{key}"] or 0,
            "delta": (row[key] or 0) - (row[f"prev_{key}"] or 0),
        }
        for key in keys
    }


def week_status_changes(*, tasks: QuerySet[Task], start: date, end: date):
    """The updates of the period that changed a task's status, newest first."""
    return (
        _journal(tasks=tasks)
        .filter(recorded_at__gte=day_start(start), recorded_at__lt=cutoff_for(end))
        .exclude(status=F("previous_status"))
        .select_related("task", "task__lead_unit")
        .order_by("-recorded_at", "-id")
    )


def units_not_updated(
    *, plan: WorkPlan, start: date, end: date, unit: Unit | None = None, states: list[dict] | None = None
) -> QuerySet[Unit]:
    qs = plan_units_not_updated(plan=plan, start=start, end=end, states=states)
    return qs.filter(pk=unit.pk) if unit is not None else qs


# --- assembly --------------------------------------------------------------------


def task_list_url(*, plan: WorkPlan, as_of: date, unit: Unit | None = None, **filters) -> str:
    """A link to the task list showing exactly the tasks behind a figure."""
    params = {"plan": plan.year, "as_of": as_of.isoformat(), **filters}
    if unit is not None:
        params.update(unit=unit.code, role="lead")
    return f"{reverse('tasks:list')}?{urlencode(params)}"


def _date_display(value: date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _rate(row: dict) -> float:
    done = row["completed_on_time"] + row["completed_late"]
    active = row["total"] - row["cancelled"]
    return round(100.0 * done / active, 1) if active else 0.0


def dashboard_cache_key(*, plan: WorkPlan, as_of: date, unit: Unit | None, version: str) -> str:
    lang = translation.get_language() or "vi"
    return f"{CACHE_PREFIX}:{plan.pk}:{as_of.isoformat()}:{unit.code if unit else '-'}:{lang}:{local_today()}:{version}"


def dashboard_data(*, plan: WorkPlan, as_of: date, unit: Unit | None = None) -> dict:
    """The dashboard's figures as a JSON-ready dict (data.json, page, weekly report).

    Cached; the key holds the plan's journal version, so a new update or a
    plan edit shows at once. A cache outage only costs the recomputation.
    """
    return _data_under(_key(plan=plan, as_of=as_of, unit=unit), plan=plan, as_of=as_of, unit=unit)


def _key(*, plan: WorkPlan, as_of: date, unit: Unit | None) -> str:
    return dashboard_cache_key(plan=plan, as_of=as_of, unit=unit, version=plan_journal_version(plan=plan))


def _data_under(key: str, *, plan: WorkPlan, as_of: date, unit: Unit | None, cached: dict | None = None) -> dict:
    data = cached if cached is not None else cache.get(key)
    if data is None:
        # The key ends with the journal version (dashboard_cache_key).
        data = dashboard_build(plan=plan, as_of=as_of, unit=unit, version=key.rsplit(":", 1)[-1])
        cache.set(key, data, CACHE_SECONDS)
    return data


def burnup_full_weeks(*, plan: WorkPlan, tasks: QuerySet[Task], unit: Unit | None, version: str) -> dict:
    """The burn-up's week deltas through the plan's end, cached under the journal version: a
    dashboard for any date then reads only its own week from the journal (a new date costs
    one week's entries, not the plan's 230,000)."""
    key = f"{CACHE_PREFIX}:burnup-weeks:{plan.pk}:{unit.code if unit else '-'}:{version}"
    weeks = cache.get(key)
    if weeks is None:
        weeks = burnup_deltas_by_week(tasks=tasks, until=plan.end_date)
        cache.set(key, weeks, CACHE_SECONDS)
    return weeks


def dashboard_json_body(*, plan: WorkPlan, as_of: date, unit: Unit | None = None) -> bytes:
    """data.json's body, cached as bytes under the same key as the figures: a
    cached answer is one cache read, without unpickling or serialising the dict."""
    key = _key(plan=plan, as_of=as_of, unit=unit)
    body = cache.get(f"{key}:json")
    if body is None:
        data = _data_under(key, plan=plan, as_of=as_of, unit=unit)
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
        cache.set(f"{key}:json", body, CACHE_SECONDS)
    return body


def dashboard_build(*, plan: WorkPlan, as_of: date, unit: Unit | None = None, version: str | None = None) -> dict:
    """Compute everything. A fixed number of queries (11). With the journal `version`
    (dashboard_data), the burn-up's earlier weeks come from the cache (burnup_full_weeks)."""
    tasks = Task.objects.filter(plan=plan)
    if unit is not None:
        tasks = tasks.filter(lead_unit=unit)
    states = task_states(tasks, as_of=as_of)  # 1 query: every task's state, read once
    figures = plan_figures(plan=plan, as_of=as_of, tasks=tasks, states=states)  # 1 query
    full_weeks = burnup_full_weeks(plan=plan, tasks=tasks, unit=unit, version=version) if version else None
    burnup = plan_burnup(plan=plan, until=as_of, tasks=tasks, full_weeks=full_weeks)  # 4 queries
    # Once the plan is over, "this week" is its last week, not today's calendar week.
    week_ref = min(as_of, plan.end_date)
    week_start, week_end = week_bounds(week_ref)
    week_end = min(week_end, week_ref)  # updates after as_of do not count

    def link(**filters) -> str:
        return task_list_url(plan=plan, as_of=as_of, unit=unit, **filters)

    overdue = _overdue_rows(states=states, as_of=as_of)  # 1 query
    overdue = dashboard_overdue_urgings(rows=overdue, plan=plan, as_of=as_of)  # 1 query
    changes = _status_change_rows(tasks=tasks, start=week_start, end=week_end, as_of=as_of)  # 1 query
    activity = week_activity_compare(tasks=tasks, start=week_start, end=week_end)  # 1 query
    # The whole plan's states as of the week's end, when they are the ones read above (not for a unit's page).
    plan_states = states if unit is None and week_end == as_of else None
    not_updated = list(  # 1 query (plan_units_not_updated nests the rest)
        units_not_updated(plan=plan, start=week_start, end=week_end, unit=unit, states=plan_states).values(
            "code", "name"
        )
    )

    by_unit = [{**row, "completion_rate": _rate(row)} for row in figures.by_unit]
    return {
        "plan": plan.year,
        "plan_title": plan.title,
        "as_of": as_of.isoformat(),
        "as_of_display": _date_display(as_of),
        "plan_start_display": _date_display(plan.start_date),
        "plan_end_display": _date_display(plan.end_date),
        "before_plan_start": as_of < plan.start_date,
        "after_plan_end": as_of > plan.end_date,
        "unit": unit.code if unit else None,
        "unit_name": unit.name if unit else None,
        "counts": {key: figures.counts[key] for key in COUNT_KEYS},
        "average_progress": figures.average_progress,
        "completion_rate": _rate(figures.counts),
        "links": {key: link(**COUNT_FILTERS[key]) for key in COUNT_KEYS} | {"overdue": link(overdue="1")},
        "by_unit": by_unit,
        "by_field": figures.by_field,
        "units_ranked": _units_ranked(by_unit=by_unit, plan=plan, as_of=as_of),
        "burnup": burnup,
        "overdue": overdue,
        "overdue_more": max(figures.counts["open_overdue"] - len(overdue), 0),
        "week": _week_block(start=week_start, end=week_end, activity=activity, status_changes=changes),
        "not_updated_units": [row["code"] for row in not_updated],
        "not_updated_unit_names": not_updated,
    }


def _overdue_rows(*, states: list[dict], as_of: date) -> list[dict]:
    shown = overdue_states(states=states, as_of=as_of)[:OVERDUE_LIMIT]
    # `or [0]`: an empty IN list is answered without the database; the query count stays fixed.
    ids = [row["pk"] for row in shown] or [0]
    tasks = {task.pk: task for task in Task.objects.filter(pk__in=ids).select_related("lead_unit")}
    return [
        {
            "code": row["code"],
            "url": reverse("tasks:detail", args=[row["pk"]]),
            "title": tasks[row["pk"]].title,
            "lead_unit": tasks[row["pk"]].lead_unit.code,
            "lead_unit_name": tasks[row["pk"]].lead_unit.name,
            "due_date": row["s_due_date"].isoformat(),
            "due_date_display": _date_display(row["s_due_date"]),
            "days_overdue": (as_of - row["s_due_date"]).days,
            "status": row["s_status"],
            "status_label": str(Status(row["s_status"]).label),
            "progress": row["s_progress"],
        }
        for row in shown
    ]


def _status_change_rows(*, tasks: QuerySet[Task], start: date, end: date, as_of: date) -> list[dict]:
    return [
        {
            "task": update.task.code,
            "url": reverse("tasks:detail", args=[update.task_id]),
            "title": update.task.title,
            "lead_unit": update.task.lead_unit.code,
            "recorded_at": update.recorded_at.isoformat(),
            "recorded_on_display": _date_display(update.recorded_at.astimezone(day_start(as_of).tzinfo).date()),
            "from_status": update.previous_status,
            "from_label": str(Status(update.previous_status).label),
            "to_status": update.status,
            "to_label": str(Status(update.status).label),
            "progress": update.progress,
        }
        for update in week_status_changes(tasks=tasks, start=start, end=end)[:CHANGES_LIMIT]
    ]


def _units_ranked(*, by_unit: list[dict], plan: WorkPlan, as_of: date) -> list[dict]:
    """Units by completion rate (then size, then code), each linking to its unit page.

    A unit with nothing due yet (no task completed and none past its due date) has no rank: a 0% rate
    would put it at the bottom mid-year for work not yet expected. It follows, with `rank` None."""

    def due_so_far(row) -> int:
        return row["completed_on_time"] + row["completed_late"] + row["open_overdue"]

    ranked = sorted(by_unit, key=lambda r: (due_so_far(r) == 0, -r["completion_rate"], -r["total"], r["unit"]))
    rank = 0
    rows = []
    for row in ranked:
        nothing_due = due_so_far(row) == 0
        rank = rank if nothing_due else rank + 1
        rows.append({"rank": None if nothing_due else rank, "nothing_due": nothing_due})
    return [
        {
            **position,
            "unit": row["unit"],
            "name": row["name"],
            "total": row["total"],
            "completed": row["completed_on_time"] + row["completed_late"],
            "completion_rate": row["completion_rate"],
            "open_overdue": row["open_overdue"],
            "at_risk": row["at_risk"],
            "average_progress": row["average_progress"],
            "url": reverse("units:detail", args=[row["unit"]])
            + "?"
            + urlencode({"plan": plan.year, "as_of": as_of.isoformat()}),
        }
        for row, position in zip(ranked, rows, strict=True)
    ]


def _week_block(*, start: date, end: date, activity: dict, status_changes: list[dict]) -> dict:
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "start_display": _date_display(start),
        "end_display": _date_display(end),
        "previous_start_display": _date_display(start - timedelta(days=7)),
        "previous_start": (start - timedelta(days=7)).isoformat(),
        "previous_end": (start - timedelta(days=1)).isoformat(),
        "previous_end_display": _date_display(start - timedelta(days=1)),
        "activity": activity,
        "status_changes": status_changes,
    }


def dashboard_plan_years() -> list[int]:
    return list(WorkPlan.objects.order_by("-year").values_list("year", flat=True))


# --- the page (the dashboard and the unit page) -----------------------------------

# Headline figures: (key, tone); labels from tasks.labels. The four-way count
# comes first, as in government reports.
HEADLINE_MAIN = (
    ("completed_on_time", "ok"),
    ("completed_late", "late"),
    ("open_within_deadline", "open"),
    ("open_overdue", "overdue"),
)
HEADLINE_MORE = (
    ("total", "neutral"),
    ("in_progress", "neutral"),
    ("not_started", "neutral"),
    ("on_hold", "neutral"),
    ("cancelled", "neutral"),
    ("at_risk", "warn"),
    ("stale", "warn"),
    ("extended", "neutral"),
    ("awaiting_confirmation", "neutral"),
    ("pending_requests", "neutral"),
)
# The stacks of the unit and field charts, in this order.
CHART_STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.ON_HOLD, Status.COMPLETED, Status.CANCELLED]


def _status_values(row: dict) -> list[int]:
    completed = row["completed_on_time"] + row["completed_late"]
    return [completed if s == Status.COMPLETED else row[s.value] for s in CHART_STATUSES]


def dashboard_display(data: dict) -> dict:
    """Rows and labels the templates and charts need, derived from `data` (no queries)."""
    counts, links = data["counts"], data["links"]

    def figure(key, tone):
        return {"key": key, "label": COUNT_LABELS[key], "tone": tone, "value": counts[key], "url": links[key]}

    more = [figure(*spec) for spec in HEADLINE_MORE]
    more.append(
        {
            "key": "average_progress",
            "label": _("Average progress"),
            "tone": "neutral",
            "value": f"{formats.number_format(data['average_progress'], 1)}%",
            "url": links["total"],
        }
    )
    status_labels = [(s.value, s.label) for s in CHART_STATUSES]
    as_of = date.fromisoformat(data["as_of"])
    return {
        # The lead units of the overdue rows listed, in order: a decider urges each from the list.
        "overdue_units": list(dict.fromkeys(row["lead_unit"] for row in data["overdue"])),
        "previous_week_as_of": (as_of - timedelta(days=7)).isoformat(),
        "next_week_as_of": (as_of + timedelta(days=7)).isoformat(),
        "headline_main": [figure(*spec) for spec in HEADLINE_MAIN],
        "headline_more": more,
        "status_labels": status_labels,
        "status_rows_unit": [
            {"key": r["unit"], "name": r["name"], "values": _status_values(r), "total": r["total"]}
            for r in data["by_unit"]
        ],
        "status_rows_field": [
            {"key": r["field"], "name": r["label"], "values": _status_values(r), "total": r["total"]}
            for r in data["by_field"]
        ],
        "week_rows": [
            {"key": key, "label": label, **data["week"]["activity"][key]} for key, label in ACTIVITY_LABELS.items()
        ],
        "chart_labels": {
            "statuses": [{"key": key, "label": str(label)} for key, label in status_labels],
            "completed": _("Tasks completed (share of tasks, %)"),
            "due": _("Tasks due by then (share of tasks, %)"),
            "average_progress": _("Average progress (%)"),
            "tasks": _("Tasks"),
            "percent": _("Percent"),
            "of_tasks": _("%(count)s of %(total)s tasks"),
        },
    }


# Where the cached body takes the person's part: the urging forms of a decider (with their CSRF token).
URGE_SLOT = "<!--urge-forms-->"


def dashboard_page(*, params: DashboardParams, cached_body: bool = False) -> dict:
    """The context of the dashboard page and of a unit page (params.unit set):
    the cached figures plus what the templates show. No figures without a plan.

    With `cached_body` (the dashboard), the page's body (`body_html`: charts'
    data, tables, lists) is cached as HTML under the figures' key, so a cached
    page renders only its frame; its one part that depends on the person, the
    urging forms, is a slot that dashboard_body_for fills per request. The unit
    page adds per-request figures (urgings) to its body, so renders it itself."""
    context = {"params": params, "data": None, "plan_years": dashboard_plan_years(), "unit": params.unit}
    if params.plan is None:
        return context
    plan, as_of, unit = params.plan, params.as_of, params.unit
    key = _key(plan=plan, as_of=as_of, unit=unit)
    found = cache.get_many([key, f"{key}:body"] if cached_body else [key])
    data = _data_under(key, plan=plan, as_of=as_of, unit=unit, cached=found.get(key))
    context["data"] = data
    if not cached_body:
        context.update(dashboard_display(data))
        return context
    body = found.get(f"{key}:body")
    if body is None:
        display = {**dashboard_display(data), "data": data, "unit": unit, "urge_slot": URGE_SLOT}
        body = render_to_string("reports/partials/dashboard_body.html", display)
        cache.set(f"{key}:body", body, CACHE_SECONDS)
    context.update(
        previous_week_as_of=(as_of - timedelta(days=7)).isoformat(),
        next_week_as_of=(as_of + timedelta(days=7)).isoformat(),
        overdue_units=list(dict.fromkeys(row["lead_unit"] for row in data["overdue"])),
        body_html=body,
    )
    return context


def dashboard_body_for(request, context: dict) -> str:
    """The cached body with the person's part in its slot: the urging forms for a
    decider (rendered as the overdue list's include would), nothing for anyone else."""
    forms = ""
    if context.get("can_decide") and URGE_SLOT in context["body_html"]:
        forms = render_to_string("reports/partials/dashboard_urge.html", context, request=request)
    return mark_safe(context["body_html"].replace(URGE_SLOT, forms, 1))  # our own templates, escaped


def dashboard_overdue_urgings(*, rows: list[dict], plan: WorkPlan, as_of: date) -> list[dict]:
    """Issue 12: the overdue rows, each with the urgings its task received by the end of
    `as_of` (`urgings`). One query whatever the rows (bounded by OVERDUE_LIMIT). Part of
    the cached figures: every urging moves the plan's figures version (tasks.comments),
    so a cached dashboard never shows a stale count."""
    by_code = urging_counts_by_code(plan=plan, codes=[row["code"] for row in rows], until=as_of)
    return [{**row, "urgings": by_code.get(row["code"], 0)} for row in rows]
