"""Writes to the work plan. Every change of a task's status or progress goes
through `task_record_progress`, so the task always equals its latest update."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import Unit

from .models import (
    STATUSES_NEEDING_REASON,
    JournalAuditEntry,
    ProgressUpdate,
    Status,
    Task,
    TaskCoordination,
    plan_figures_changed,
)
from .selectors import task_user_can_record_progress

NOTE_MAX_LENGTH = 4000
# Clock skew allowed between the web servers and the database.
_FUTURE_TOLERANCE = timedelta(minutes=5)


class TaskVersionConflict(Exception):
    """The task changed since the form was shown. Carries the current task."""

    def __init__(self, task: Task):
        super().__init__(f"task {task.pk} is at version {task.version}")
        self.task = task


def _field_errors(*, status: str, progress: int, note: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if status not in Status.values:
        errors.setdefault("status", []).append(_("Choose a valid status."))
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        errors.setdefault("progress", []).append(_("Progress must be a whole number between 0 and 100."))
    elif status == Status.COMPLETED and progress != 100:
        errors.setdefault("progress", []).append(_("A completed task has progress 100%."))
    if not note:
        if status in STATUSES_NEEDING_REASON:
            errors.setdefault("note", []).append(_("Say why the task is on hold or cancelled."))
        else:
            errors.setdefault("note", []).append(_("Write a note on what was done."))
    elif len(note) > NOTE_MAX_LENGTH:
        errors.setdefault("note", []).append(
            _("The note is too long (%(length)d characters; at most %(max)d).")
            % {"length": len(note), "max": NOTE_MAX_LENGTH}
        )
    return errors


def validate_update_fields(*, status: str, progress: int, note: str | None) -> str:
    """The rules on an update's own fields (status, progress, note); returns the stripped note. Raises
    ValidationError keyed by field. The form runs them too, to name every problem at once."""
    note = (note or "").strip()
    errors = _field_errors(status=status, progress=progress, note=note)
    if errors:
        raise ValidationError(errors)
    return note


def _validate_update(*, task: Task, status: str, progress: int, note: str, recorded_at: datetime, latest_at):
    note = (note or "").strip()
    errors = _field_errors(status=status, progress=progress, note=note)
    if recorded_at > timezone.now() + _FUTURE_TOLERANCE:
        errors.setdefault("__all__", []).append(_("An update cannot take effect in the future."))
    if latest_at is not None and recorded_at < latest_at:
        errors.setdefault("__all__", []).append(_("An update cannot take effect before the task's latest update."))
    if errors:
        raise ValidationError(errors)
    return note


@transaction.atomic
def task_record_progress(
    *,
    task: Task,
    author,
    status: str,
    progress: int,
    note: str,
    expected_version: int | None = None,
    recorded_at: datetime | None = None,
    check_permission: bool = True,
) -> ProgressUpdate:
    """Append a progress update and move the task to its new state, atomically.

    Guarantees: the task's status, progress, completed_at and last_update_at
    equal the new latest update; `version` goes up by one; nothing is written
    on any refusal.

    Raises PermissionDenied (author not in the lead or a coordinating unit),
    TaskVersionConflict (expected_version is stale: someone else updated the
    task meanwhile) and ValidationError (keyed by form field).
    """
    if check_permission and not task_user_can_record_progress(user=author, task=task):
        raise PermissionDenied(_("Only staff of the lead or a coordinating unit can update this task."))
    # Lock the row so two writers queue; the version check below then tells
    # the second one it is stale instead of silently overwriting.
    current = Task.objects.select_for_update().get(pk=task.pk)
    if expected_version is not None and current.version != expected_version:
        raise TaskVersionConflict(current)
    recorded_at = recorded_at or timezone.now()
    note = _validate_update(
        task=current,
        status=status,
        progress=progress,
        note=note,
        recorded_at=recorded_at,
        latest_at=current.last_update_at,
    )

    update = ProgressUpdate.objects.create(
        task=current,
        author=author,
        recorded_at=recorded_at,
        status=status,
        progress=progress,
        note=note,
        previous_status=current.status,
        previous_progress=current.progress,
    )
    completed_at = _task_move(task=current, status=status, progress=progress, recorded_at=recorded_at)
    # Last, so the plan row (shared by every task of the plan) stays locked only until the commit.
    plan_figures_changed(plan_id=current.plan_id)
    task.status, task.progress, task.completed_at = status, progress, completed_at
    task.last_update_at, task.version = recorded_at, current.version + 1
    return update


def _task_move(*, task: Task, status: str, progress: int, recorded_at: datetime) -> datetime | None:
    """Put the locked task in the state of its new latest update; returns its completed_at."""
    if status == Status.COMPLETED:
        # Completed on the day the final run of "completed" updates began.
        completed_at = task.completed_at if task.status == Status.COMPLETED else recorded_at
    else:
        completed_at = None
    # A queryset update, not save(): the field audit trail (simple_history)
    # records plan edits, while the journal above records progress.
    changed = Task.objects.filter(pk=task.pk, version=task.version).update(
        status=status,
        progress=progress,
        completed_at=completed_at,
        last_update_at=recorded_at,
        version=task.version + 1,
        updated_at=timezone.now(),
    )
    if changed != 1:  # pragma: no cover - the row lock makes this unreachable on PostgreSQL
        raise TaskVersionConflict(Task.objects.get(pk=task.pk))
    return completed_at


def _parse_date(value):
    from datetime import date

    return value if isinstance(value, date) or value is None else date.fromisoformat(value)


def _plan_sync_plan(*, data: dict):
    from plan_portal.sync import save_if_changed

    from .models import WorkPlan

    plan = WorkPlan.objects.filter(year=data["year"]).first() or WorkPlan(year=data["year"])
    save_if_changed(
        plan,
        {
            "title": data["title"],
            "title_en": data.get("title_en", ""),
            "decision_ref": data.get("decision_ref", ""),
            "start_date": _parse_date(data["start_date"]),
            "end_date": _parse_date(data["end_date"]),
            "description": data.get("description", ""),
        },
    )
    return plan


def _task_values(*, row: dict, units: dict, tasks: dict) -> dict:
    """The plan fields of one task row (never status or progress)."""
    return {
        "title": row["title"],
        "title_en": row.get("title_en", ""),
        "description": row.get("description", ""),
        "field": row["field"],
        "lead_unit": units[row["lead_unit"]],
        "parent": tasks[row["parent"]] if row.get("parent") else None,
        "legal_basis": row.get("legal_basis", ""),
        "expected_output": row.get("expected_output", ""),
        "expected_output_en": row.get("expected_output_en", ""),
        "source_quote": row.get("source_quote", ""),
        "start_date": _parse_date(row["start_date"]),
        "due_date": _parse_date(row["due_date"]),
    }


@transaction.atomic
def plan_sync(*, data: dict) -> dict[str, int]:
    """Create or update a work plan and its tasks from a data dict.

    Idempotent: unchanged rows are not saved (no audit rows, no version bump).
    Only the plan's own fields are touched: status and progress belong to the
    journal and are never set here.
    """
    from plan_portal.sync import save_if_changed

    stats = {"created": 0, "updated": 0, "unchanged": 0}
    plan = _plan_sync_plan(data=data)
    units = {unit.code: unit for unit in Unit.objects.all()}
    unknown = sorted(
        {row["lead_unit"] for row in data["tasks"] if row["lead_unit"] not in units}
        | {code for row in data["tasks"] for code in row.get("coordinating_units", []) if code not in units}
    )
    if unknown:
        raise ValidationError(_("Unknown unit code(s): %(codes)s") % {"codes": ", ".join(unknown)})

    tasks = {task.code: task for task in Task.objects.filter(plan=plan)}
    # Parents before sub-tasks.
    for row in sorted(data["tasks"], key=lambda r: (bool(r.get("parent")), r["code"])):
        task = tasks.get(row["code"]) or Task(plan=plan, code=row["code"])
        created = task.pk is None
        saved = changed = save_if_changed(task, _task_values(row=row, units=units, tasks=tasks))
        tasks[task.code] = task
        wanted = {units[code].pk for code in row.get("coordinating_units", [])}
        have = set(TaskCoordination.objects.filter(task=task).values_list("unit_id", flat=True))
        if wanted != have:
            TaskCoordination.objects.filter(task=task, unit_id__in=have - wanted).delete()
            TaskCoordination.objects.bulk_create([TaskCoordination(task=task, unit_id=pk) for pk in wanted - have])
            changed = True
        task_record_coordination_change(task=task, amend_latest=saved)
        stats["created" if created else ("updated" if changed else "unchanged")] += 1
    return stats


def task_coordinating_unit_codes(*, task: Task) -> str:
    """The codes of the task's coordinating units as the audit history stores them: "VU-DL, VU-TC"."""
    codes = TaskCoordination.objects.filter(task=task).order_by("unit__code").values_list("unit__code", flat=True)
    return ", ".join(codes)


def task_record_coordination_change(*, task: Task, user=None, reason: str = "", amend_latest: bool = False) -> bool:
    """Put the task's coordinating units, as they now are, into its audit history.

    Call it after any change of TaskCoordination rows. With `amend_latest`
    (the caller saved the task's own fields in the same transaction, which
    wrote a history row) that row gets the new codes, so one edit is one entry
    listing every field it changed; otherwise a new history row records who
    changed the units and why. Returns whether the units changed.
    """
    codes = task_coordinating_unit_codes(task=task)
    if codes == task.coordinating_unit_codes:
        return False
    task.coordinating_unit_codes = codes
    if amend_latest:
        Task.objects.filter(pk=task.pk).update(coordinating_unit_codes=codes)
        latest = task.history.order_by("-history_date", "-history_id").first()
        task.history.model.objects.filter(pk=latest.pk).update(coordinating_unit_codes=codes)
    else:
        task._history_user = user
        task._change_reason = reason
        task.save(update_fields=["coordinating_unit_codes"])
    return True


def _entry_as_it_was(update: ProgressUpdate) -> dict:
    return {
        "task": update.task.code,
        "author": update.author.get_username(),
        "recorded_at": update.recorded_at.isoformat(),
        "created_at": update.created_at.isoformat() if update.created_at else None,
        "status": update.status,
        "progress": update.progress,
        "previous_status": update.previous_status,
        "previous_progress": update.previous_progress,
        "note": update.note,
    }


def _audit(*, action: str, update: ProgressUpdate, user, old_note: str = "", new_note: str = "") -> JournalAuditEntry:
    return JournalAuditEntry.objects.create(
        action=action,
        task=update.task,
        task_code=update.task.code,
        update_id=update.pk,
        actor=user,
        actor_username=user.get_username() if user is not None else "",
        old_note=old_note,
        new_note=new_note,
        entry=_entry_as_it_was(update),
    )


@transaction.atomic
def progress_update_correct_note(*, update: ProgressUpdate, note: str, user) -> ProgressUpdate:
    """Correct the wording of a journal entry's note (superusers, in the admin).

    Only the note changes; the old and the new text are kept in the journal
    audit with who and when. Same rules as a new note (required, at most
    NOTE_MAX_LENGTH characters); raises ValidationError keyed "note".
    """
    locked = ProgressUpdate.objects.select_for_update().select_related("task", "author").get(pk=update.pk)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Write a note on what was done.")]})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "note": [
                    _("The note is too long (%(length)d characters; at most %(max)d).")
                    % {"length": len(note), "max": NOTE_MAX_LENGTH}
                ]
            }
        )
    if note == locked.note:
        return locked
    _audit(
        action=JournalAuditEntry.Action.NOTE_CORRECTED, update=locked, user=user, old_note=locked.note, new_note=note
    )
    ProgressUpdate.objects.filter(pk=locked.pk).update(note=note)
    update.note = locked.note = note
    return locked


@transaction.atomic
def progress_update_undo(*, update: ProgressUpdate, user=None) -> Task:
    """Delete a task's latest journal entry and put the task back in the state it replaced.

    Only the latest entry may go: each entry records the state before it, so
    removing one in the middle would leave its successor describing a state
    that never was. Raises ValidationError for any other entry.
    """
    task = Task.objects.select_for_update().get(pk=update.task_id)
    journal = ProgressUpdate.objects.filter(task=task).order_by("-recorded_at", "-id")
    latest = journal.first()
    if latest is None or latest.pk != update.pk:
        raise ValidationError(
            _("Only the latest update of task %(code)s can be deleted; delete the later ones first.")
            % {"code": task.code},
            code="not_latest",
        )
    _audit(action=JournalAuditEntry.Action.DELETED, update=update, user=user, old_note=update.note)
    update.delete()
    remaining = journal.first()
    completed_at = None
    if update.previous_status == Status.COMPLETED:
        run_start = journal.filter(status=Status.COMPLETED).exclude(previous_status=Status.COMPLETED).first()
        completed_at = run_start.recorded_at if run_start else None
    Task.objects.filter(pk=task.pk).update(
        status=update.previous_status,
        progress=update.previous_progress,
        completed_at=completed_at,
        last_update_at=remaining.recorded_at if remaining else None,
        version=task.version + 1,
        updated_at=timezone.now(),
    )
    plan_figures_changed(plan_id=task.plan_id)
    task.refresh_from_db()
    return task


@transaction.atomic
def tasks_reassign_lead_unit(*, tasks: QuerySet[Task], unit: Unit, reason: str, user) -> int:
    """Give the tasks a new lead unit; each change is validated and recorded in
    the history with who did it and why. Tasks already led by the unit are left
    alone. Returns how many moved. Raises ValidationError, moving none, when the
    reason is empty or a task would become invalid."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the lead unit changes.")})
    count = 0
    for task in tasks.exclude(lead_unit=unit).select_for_update(of=("self",)):
        task.lead_unit = unit
        try:
            task.full_clean()
        except ValidationError as error:
            raise ValidationError(
                _("Task %(code)s cannot be given to %(unit)s: %(errors)s")
                % {"code": task.code, "unit": unit.code, "errors": " ".join(error.messages)},
                code="invalid_task",
            ) from None
        task._change_reason = reason
        task._history_user = user
        task.save()
        count += 1
    return count
