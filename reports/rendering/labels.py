"""Translated labels for the codes a snapshot stores (it stores codes, not words,
so one snapshot renders in Vietnamese or English)."""

from django.utils.translation import gettext_lazy as _

from tasks.models import Field, Status

COUNT_LABELS = {
    "total": _("Total tasks"),
    "completed_on_time": _("Completed on time"),
    "completed_late": _("Completed late"),
    "open_within_deadline": _("Open, within deadline"),
    "open_overdue": _("Open, overdue"),
    "not_started": _("Not started"),
    "in_progress": _("In progress"),
    "on_hold": _("On hold"),
    "cancelled": _("Cancelled"),
    "at_risk": _("Behind schedule"),
    "stale": _("No recent update"),
    "extended": _("Due date extended"),
    "awaiting_confirmation": _("Completions awaiting confirmation"),
    "pending_requests": _("Tasks with a pending request"),
}
STATE_LABELS = {
    "completed_on_time": _("Completed on time"),
    "completed_late": _("Completed late"),
    "open_within_deadline": _("Within deadline"),
    "open_overdue": _("Overdue"),
    "cancelled": _("Cancelled"),
}
ACTIVITY_LABELS = {
    "updates": _("Progress updates"),
    "status_changes": _("Status changes"),
    "completed": _("Completions"),
    "tasks_updated": _("Tasks updated"),
}


def status_label(code: str) -> str:
    return str(dict(Status.choices).get(code, code))


def field_label(code: str) -> str:
    return str(dict(Field.choices).get(code, code))


def state_label(code: str) -> str:
    return str(STATE_LABELS.get(code, code))


def request_kind_label(code: str) -> str:
    from tasks.models import RequestKind

    return str(dict(RequestKind.choices).get(code, code))
