"""Turn a snapshot (plain JSON) into what templates show: dates as dates,
codes as translated labels. Shared by the web page, the PDF and the e-mails."""

from datetime import date, datetime

from plan_portal.text import strip_bidi_controls, strip_bidi_controls_deep
from reports.selectors import REPORT_LIST_LIMIT
from tasks.labels import ACTIVITY_LABELS, COUNT_LABELS, field_label, request_kind_label, state_label, status_label

FOUR_WAY = ("completed_on_time", "completed_late", "open_within_deadline", "open_overdue")
OTHER_COUNTS = (
    "not_started",
    "in_progress",
    "on_hold",
    "cancelled",
    "at_risk",
    "stale",
    "extended",
    "awaiting_confirmation",
    "pending_requests",
)


TASK_LIST_KEYS = ("completed", "newly_overdue", "at_risk", "stale", "awaiting_confirmation")
LIST_KEYS = (
    *TASK_LIST_KEYS,
    "status_changes",
    "notes",
    "units_not_updated",
    "extensions",
    "pending_requests",
    "returned",
)


def _date(value):
    return date.fromisoformat(value) if value else None


def _datetime(value):
    return datetime.fromisoformat(value) if value else None


def _task(row: dict) -> dict:
    return {
        **row,
        "start_date": _date(row.get("start_date")),
        "due_date": _date(row.get("due_date")),
        "last_update": _datetime(row.get("last_update")),
        "completed_at": _datetime(row.get("completed_at")),
        "status_label": status_label(row["status"]),
        "state_label": state_label(row["state"]),
        "field_label": field_label(row["field"]),
    }


def _change(row: dict) -> dict:
    return {
        **row,
        "recorded_at": _datetime(row["recorded_at"]),
        "from_label": status_label(row["from_status"]),
        "to_label": status_label(row["to_status"]),
    }


# Where a reader sees each list in full: the task list filtered as of the
# report's end (the same annotations, so the count matches), or the dashboard
# on that date (the week's changes, silent units, the process).
TASK_LIST_FILTERS = {
    "newly_overdue": {"state": "open_overdue"},
    "at_risk": {"at_risk": "1"},
    "stale": {"stale": "1"},
    "awaiting_confirmation": {"awaiting_confirmation": "1"},
    "pending_requests": {"pending_request": "1"},
}
# Units shown in the by-unit table of the page and the PDF: those with the
# most overdue and behind-schedule tasks; the dashboard ranks them all.
REPORT_UNIT_LIMIT = 10


def _see_all_urls(snapshot: dict, *, base_url: str = "") -> dict:
    from urllib.parse import urlencode

    from django.urls import reverse

    dated = {"plan": snapshot.get("plan", ""), "as_of": snapshot["period_end"]}
    tasks, dashboard = f"{base_url}{reverse('tasks:list')}", f"{base_url}{reverse('reports:dashboard')}"
    urls = {key: f"{tasks}?{urlencode({**dated, **extra})}" for key, extra in TASK_LIST_FILTERS.items()}
    urls["dashboard"] = f"{dashboard}?{urlencode(dated)}"
    return urls


def _bounded(snapshot: dict, key: str, limit: int) -> tuple[list, int]:
    """A list of the snapshot cut to `limit` rows, and its full count. Version 3
    snapshots are cut when built and hold `totals`; older ones hold every row."""
    rows = snapshot.get(key, [])
    return rows[:limit], snapshot.get("totals", {}).get(key, len(rows))


def _display_lists(snapshot: dict) -> dict:
    """The bounded lists with dates as dates and codes as labels. Reports built
    before the process sections existed have none of those."""
    return {
        **{key: [_task(t) for t in snapshot[key]] for key in TASK_LIST_KEYS},
        "status_changes": [_change(c) for c in snapshot["status_changes"]],
        "notes": [_change(c) for c in snapshot["notes"]],
        "units_not_updated": snapshot["units_not_updated"],
        "extensions": [
            {**row, "old_due_date": _date(row["old_due_date"]), "new_due_date": _date(row["new_due_date"])}
            for row in snapshot["extensions"]
        ],
        "pending_requests": [
            {**row, "requested_at": _datetime(row["requested_at"]), "kind_label": request_kind_label(row["kind"])}
            for row in snapshot["pending_requests"]
        ],
        "returned": [{**row, "decided_at": _datetime(row["decided_at"])} for row in snapshot["returned"]],
    }


def _urgings(urgings: dict | None, *, limit: int = REPORT_UNIT_LIMIT) -> dict | None:
    """The week's urgings (issue 12) bounded for display: the most-urged units
    and tasks first, with how many more there are."""
    if urgings is None:
        return None
    by_unit = sorted(urgings["by_unit"], key=lambda row: -row["urgings"])
    top_tasks = urgings["top_tasks"][:limit]
    return strip_bidi_controls_deep(
        {
            **urgings,
            "by_unit": by_unit[:limit],
            "units": len(by_unit),
            "more_units": max(len(by_unit) - limit, 0),
            "top_tasks": top_tasks,
            "more_tasks": max(urgings["tasks"] - len(top_tasks), 0),
        }
    )


def _bounded_lists(snapshot: dict, limit: int) -> tuple[dict, dict]:
    """Every list cut to `limit` rows, and every list's full count."""
    pairs = {key: _bounded(snapshot, key, limit) for key in LIST_KEYS}
    return {key: rows for key, (rows, _total) in pairs.items()}, {key: total for key, (_rows, total) in pairs.items()}


def units_most_behind(by_unit: list[dict], *, limit: int = REPORT_UNIT_LIMIT) -> list[dict]:
    """The units with the most open overdue, then behind-schedule tasks (the
    plan's order among equals)."""
    ranked = sorted(enumerate(by_unit), key=lambda pair: (-pair[1]["open_overdue"], -pair[1]["at_risk"], pair[0]))
    return [row for _index, row in ranked[:limit]]


def report_context(
    snapshot: dict,
    *,
    changes: dict | None = None,
    unit_code: str | None = None,
    limit: int | None = None,
    base_url: str = "",
) -> dict:
    """Display data; with `unit_code`, also that unit's own section (e-mail to its head).

    Every list is bounded (`limit`, default the snapshot's REPORT_LIST_LIMIT)
    with its full count in `totals` and a link to see all of it in `see_all`,
    whatever the snapshot's version. Text-direction controls are dropped from
    every text of the snapshot (notes, titles, unit names), so the web page,
    the PDF and the e-mails show text in the order it was typed."""
    limit = limit or REPORT_LIST_LIMIT
    # Cut first, then clean: an old snapshot may hold thousands of rows (and
    # "tasks", every task, which nothing shows: the XLSX reads the journal).
    bounded, totals = _bounded_lists(snapshot, limit)
    silent = {row["unit"] for row in snapshot.get("units_not_updated", [])}
    urgings = snapshot.get("urgings")
    # Only what is shown is cleaned: by unit and by field hold as many rows as
    # the plan has units and fields (the names shown are cleaned on their own).
    unshown = ("tasks", "by_unit", "by_field", "urgings")
    by_unit = snapshot["by_unit"]
    snapshot = strip_bidi_controls_deep(
        {**{k: v for k, v in snapshot.items() if k not in LIST_KEYS and k not in unshown}, **bounded}
    )
    counts = snapshot["counts"]
    changes = changes or {}

    def figure(key):
        return {"key": key, "label": COUNT_LABELS[key], "value": counts.get(key, 0), "change": changes.get(key)}

    ctx = {
        "snapshot": snapshot,
        "week": snapshot["week"],
        "period_start": _date(snapshot["period_start"]),
        "period_end": _date(snapshot["period_end"]),
        "total": figure("total"),
        "four_way": [figure(key) for key in FOUR_WAY],
        "other_counts": [figure(key) for key in OTHER_COUNTS],
        "average_progress": snapshot["average_progress"],
        "average_change": changes.get("average_progress"),
        "has_previous": bool(changes),
        "activity": [
            {"label": label, "value": snapshot["activity"].get(key, 0)} for key, label in ACTIVITY_LABELS.items()
        ],
        "by_unit": by_unit,
        "units_shown": strip_bidi_controls_deep(units_most_behind(by_unit)),
        "totals": totals,
        "see_all": _see_all_urls(snapshot, base_url=base_url),
        "silent_units": silent,
        **_display_lists(snapshot),
        # Issue 12; reports built before it have no urgings section.
        "urgings": _urgings(urgings, limit=min(limit, REPORT_UNIT_LIMIT)),
    }
    if unit_code:
        ctx["unit_section"] = unit_section(ctx, unit_code)
    return ctx


def unit_section(ctx: dict, unit_code: str) -> dict:
    """A unit head's part of the e-mail: the unit's figures (whole plan) and
    its rows among the report's bounded lists."""

    def mine(rows):
        return [row for row in rows if row["unit"] == unit_code]

    row = next((u for u in ctx["by_unit"] if u["unit"] == unit_code), None)
    return {
        "unit": unit_code,
        "name": strip_bidi_controls(row["name"]) if row else unit_code,
        "figures": row,
        "completed": mine(ctx["completed"]),
        "newly_overdue": mine(ctx["newly_overdue"]),
        "at_risk": mine(ctx["at_risk"]),
        "stale": mine(ctx["stale"]),
        "status_changes": mine(ctx["status_changes"]),
        "posted_no_update": unit_code in ctx["silent_units"],
    }
