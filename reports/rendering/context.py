"""Turn a snapshot (plain JSON) into what templates show: dates as dates,
codes as translated labels. Shared by the web page, the PDF and the e-mails."""

from datetime import date, datetime

from plan_portal.text import strip_bidi_controls_deep
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


def report_context(snapshot: dict, *, changes: dict | None = None, unit_code: str | None = None) -> dict:
    """Display data; with `unit_code`, also that unit's own section (e-mail to its head).

    Text-direction controls are dropped from every text of the snapshot (notes,
    titles, unit names), so the web page, the PDF and the e-mails show text in
    the order it was typed."""
    snapshot = strip_bidi_controls_deep(snapshot)
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
        "by_unit": snapshot["by_unit"],
        "completed": [_task(t) for t in snapshot["completed"]],
        "newly_overdue": [_task(t) for t in snapshot["newly_overdue"]],
        "at_risk": [_task(t) for t in snapshot["at_risk"]],
        "stale": [_task(t) for t in snapshot["stale"]],
        "status_changes": [_change(c) for c in snapshot["status_changes"]],
        "notes": [_change(c) for c in snapshot["notes"]],
        "units_not_updated": snapshot["units_not_updated"],
        # No "tasks": the page, PDF and e-mail never list every task (the XLSX reads
        # snapshot["tasks"] itself); converting 4,600 of them cost most of a page view.
        # Reports built before the process sections existed have none.
        "extensions": [
            {**row, "old_due_date": _date(row["old_due_date"]), "new_due_date": _date(row["new_due_date"])}
            for row in snapshot.get("extensions", [])
        ],
        "pending_requests": [
            {**row, "requested_at": _datetime(row["requested_at"]), "kind_label": request_kind_label(row["kind"])}
            for row in snapshot.get("pending_requests", [])
        ],
        "awaiting_confirmation": [_task(t) for t in snapshot.get("awaiting_confirmation", [])],
        "returned": [{**row, "decided_at": _datetime(row["decided_at"])} for row in snapshot.get("returned", [])],
        # Issue 12; reports built before it have no urgings section.
        "urgings": snapshot.get("urgings"),
    }
    if unit_code:
        ctx["unit_section"] = unit_section(ctx, unit_code)
    return ctx


def unit_section(ctx: dict, unit_code: str) -> dict:
    def mine(rows):
        return [row for row in rows if row["unit"] == unit_code]

    row = next((u for u in ctx["by_unit"] if u["unit"] == unit_code), None)
    return {
        "unit": unit_code,
        "name": row["name"] if row else unit_code,
        "figures": row,
        "completed": mine(ctx["completed"]),
        "newly_overdue": mine(ctx["newly_overdue"]),
        "at_risk": mine(ctx["at_risk"]),
        "stale": mine(ctx["stale"]),
        "status_changes": mine(ctx["status_changes"]),
        "posted_no_update": any(u["unit"] == unit_code for u in ctx["units_not_updated"]),
    }
