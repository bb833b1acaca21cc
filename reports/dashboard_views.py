"""The leadership dashboard (/dashboard/), its JSON (/dashboard/data.json)
and the same page for one unit (/units/<code>/, in units.views).

Who may see it: every signed-in user. The dashboard is an internal
transparency tool: staff see how their unit compares, leadership sees all.
Nothing on it is editable; anonymous visitors are sent to the login page.
"""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tasks.models import Status

from .dashboard import dashboard_data, dashboard_parse_params, dashboard_plan_years

# Headline figures: (key, label, tone). The four-way count comes first, as in
# government reports.
FOUR_WAY = [
    ("completed_on_time", gettext_lazy("Completed on time"), "ok"),
    ("completed_late", gettext_lazy("Completed late"), "late"),
    ("open_within_deadline", gettext_lazy("Not completed, within the deadline"), "open"),
    ("open_overdue", gettext_lazy("Not completed, overdue"), "overdue"),
]
OTHER_FIGURES = [
    ("total", gettext_lazy("Total tasks"), "neutral"),
    ("in_progress", gettext_lazy("In progress"), "neutral"),
    ("not_started", gettext_lazy("Not started"), "neutral"),
    ("on_hold", gettext_lazy("On hold"), "neutral"),
    ("cancelled", gettext_lazy("Cancelled"), "neutral"),
    ("at_risk", gettext_lazy("At risk"), "warn"),
    ("stale", gettext_lazy("Stale (no update for 14 days or more)"), "warn"),
]
WEEK_ROWS = [
    ("updates", gettext_lazy("Progress updates")),
    ("status_changes", gettext_lazy("Status changes")),
    ("completed", gettext_lazy("Tasks completed")),
    ("tasks_updated", gettext_lazy("Tasks updated")),
]
# The stacks of the unit and field charts, in this order.
CHART_STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.ON_HOLD, Status.COMPLETED, Status.CANCELLED]


def _status_values(row: dict) -> list[int]:
    completed = row["completed_on_time"] + row["completed_late"]
    return [completed if s == Status.COMPLETED else row[s.value] for s in CHART_STATUSES]


def dashboard_context(data: dict) -> dict:
    """Rows and labels the templates and charts need, derived from `data` (no queries)."""
    counts, links = data["counts"], data["links"]

    def figure(key, label, tone):
        return {"key": key, "label": label, "tone": tone, "value": counts[key], "url": links[key]}

    more = [figure(*spec) for spec in OTHER_FIGURES]
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
        "previous_week_as_of": (as_of - timedelta(days=7)).isoformat(),
        "next_week_as_of": (as_of + timedelta(days=7)).isoformat(),
        "headline_main": [figure(*spec) for spec in FOUR_WAY],
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
        "week_rows": [{"key": key, "label": label, **data["week"]["activity"][key]} for key, label in WEEK_ROWS],
        "chart_labels": {
            "statuses": [{"key": key, "label": str(label)} for key, label in status_labels],
            "completed": _("Tasks completed"),
            "due": _("Tasks due by then"),
            "average_progress": _("Average progress (%)"),
            "tasks": _("Tasks"),
            "percent": _("Percent"),
        },
    }


def dashboard_render(request, *, unit_code: str | None = None):
    """Shared by /dashboard/ and /units/<code>/: bad parameters fall back to defaults with a message."""
    params = dashboard_parse_params(request.GET, unit_code=unit_code)
    if unit_code is not None and params.unit is None:
        raise Http404("unknown unit")
    for error in params.errors:
        messages.warning(request, error.message)
    data = dashboard_data(plan=params.plan, as_of=params.as_of, unit=params.unit) if params.plan else None
    context = {"params": params, "data": data, "plan_years": dashboard_plan_years(), "unit": params.unit}
    if data:
        context.update(dashboard_context(data))
    template = "units/unit_detail.html" if unit_code is not None else "reports/dashboard.html"
    return render(request, template, context)


@login_required
@require_GET
def dashboard(request):
    return dashboard_render(request)


@login_required
@require_GET
def dashboard_json(request):
    params = dashboard_parse_params(request.GET)
    if params.errors:
        return JsonResponse({"errors": {e.param: e.message for e in params.errors}}, status=400)
    if params.plan is None:
        return JsonResponse({"errors": {"plan": _("There is no work plan yet.")}}, status=404)
    data = dashboard_data(plan=params.plan, as_of=params.as_of, unit=params.unit)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
