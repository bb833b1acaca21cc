"""The one table of words for the plan's figures: the four-way deadline states
of government reports (plus cancelled), the other counts and the week's
activity. The dashboard, the task list's filters, the weekly report (web, PDF,
XLSX, e-mail) all take their labels from here, so a figure is called the same
everywhere; the Vietnamese wording lives in the .po catalogue."""

from django.utils.translation import gettext_lazy as _

from .models import Field, Status
from .selectors import (
    STATE_CANCELLED,
    STATE_COMPLETED_LATE,
    STATE_COMPLETED_ON_TIME,
    STATE_OPEN_OVERDUE,
    STATE_OPEN_WITHIN_DEADLINE,
)

# Keyed by tasks.selectors.COUNT_KEYS, in that order.
COUNT_LABELS = {
    "total": _("Total tasks"),
    STATE_COMPLETED_ON_TIME: _("Completed on time"),
    STATE_COMPLETED_LATE: _("Completed late"),
    STATE_OPEN_WITHIN_DEADLINE: _("Not completed, within the deadline"),
    STATE_OPEN_OVERDUE: _("Not completed, overdue"),
    Status.NOT_STARTED.value: Status.NOT_STARTED.label,
    Status.IN_PROGRESS.value: Status.IN_PROGRESS.label,
    Status.ON_HOLD.value: Status.ON_HOLD.label,
    STATE_CANCELLED: Status.CANCELLED.label,
    "at_risk": _("Behind schedule"),
    "stale": _("No recent update"),
    "extended": _("Due date extended"),
    "awaiting_confirmation": _("Completions awaiting confirmation"),
    "pending_requests": _("Tasks with a pending request"),
}
# The deadline state of one task (the `state` filter, the report's task rows).
STATE_LABELS = {
    key: COUNT_LABELS[key]
    for key in (
        STATE_COMPLETED_ON_TIME,
        STATE_COMPLETED_LATE,
        STATE_OPEN_WITHIN_DEADLINE,
        STATE_OPEN_OVERDUE,
        STATE_CANCELLED,
    )
}
# A week's activity in the journal (dashboard "what changed", weekly report).
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
    from .models import RequestKind

    return str(dict(RequestKind.choices).get(code, code))
