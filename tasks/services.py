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
    Attachment,
    JournalAuditEntry,
    ProgressUpdate,
    Status,
    Task,
    TaskCoordination,
    plan_figures_changed,
)
from .notifications import (
    notify_completion_returned,
    notify_contribution,
    notify_request_decided,
    notify_request_submitted,
)
from .selectors import task_user_can_record_progress

NOTE_MAX_LENGTH = 4000
OUTPUT_REF_MAX_LENGTH = 255
# Statuses only an approved request sets (tasks.services.request_decide).
STATUSES_BY_DECISION = (Status.ON_HOLD, Status.CANCELLED)
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


def _check_process_rules(*, task: Task, status: str, output_ref: str, has_files: bool, by_person: bool) -> None:
    """Issue 11's rules for a person's own update (`by_person`); for the
    system paths (import by a superuser, decisions) only the length check."""
    if not by_person:
        if len(output_ref) > OUTPUT_REF_MAX_LENGTH:
            raise ValidationError({"output_ref": [_("The output reference is too long.")]})
        return
    errors: dict[str, list[str]] = {}
    if task.status == Status.CANCELLED:
        errors["status"] = [_("The task is cancelled: it takes no more updates.")]
    elif status in STATUSES_BY_DECISION and status != task.status:
        errors["status"] = [
            _("A task is put on hold or cancelled only by an approved request: send a request to Leadership.")
        ]
    if len(output_ref) > OUTPUT_REF_MAX_LENGTH:
        errors["output_ref"] = [_("The output reference is too long.")]
    elif (
        status == Status.COMPLETED
        and task.status != Status.COMPLETED
        and not output_ref
        and not has_files
        and not Attachment.objects.filter(task=task).exists()
    ):
        errors["output_ref"] = [
            _("A completion needs evidence: attach the output or give its reference (number and date of the document).")
        ]
    if errors:
        raise ValidationError(errors)


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
    output_ref: str = "",
    files=(),
) -> ProgressUpdate:
    """Append a progress update and move the task to its new state, atomically.

    Guarantees: the task's status, progress, completed_at and last_update_at
    equal the new latest update; `version` goes up by one; nothing is written
    on any refusal. With `check_permission` (a person's own update) only the
    lead unit records and the process rules apply (`_check_process_rules`).
    Raises PermissionDenied (author not in the lead unit), TaskVersionConflict
    (stale expected_version: someone updated meanwhile), ValidationError (by field).
    """
    if check_permission and not task_user_can_record_progress(user=author, task=task):
        raise PermissionDenied(_("Only staff of the lead unit can update this task."))
    # Lock the row so two writers queue; the version check tells the second it is stale.
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
    output_ref, files = (output_ref or "").strip(), [file for file in files if file]
    _check_process_rules(
        task=current, status=status, output_ref=output_ref, has_files=bool(files), by_person=check_permission
    )
    update = ProgressUpdate.objects.create(
        task=current,
        author=author,
        recorded_at=recorded_at,
        status=status,
        progress=progress,
        note=note,
        output_ref=output_ref,
        previous_status=current.status,
        previous_progress=current.progress,
    )
    for file in files:  # evidence given in the same form
        attachment_create(task=current, uploaded_by=author, file=file, update=update, check_permission=False)
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


# --- the accountable process: evidence, contributions, reviews, requests -------


class DecisionConflict(Exception):
    """Someone else decided (or withdrew) first. Carries the current object."""

    def __init__(self, obj):
        super().__init__(f"{obj!r} was decided meanwhile")
        self.obj = obj


def clean_text(value: str, *, field: str, required_message: str, max_length: int = NOTE_MAX_LENGTH) -> str:
    """The stripped text; ValidationError keyed by `field` when it is empty or longer than `max_length`."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [required_message]})
    if len(value) > max_length:
        raise ValidationError(
            {
                field: [
                    _("The text is too long (%(length)d characters; at most %(max)d).")
                    % {"length": len(value), "max": max_length}
                ]
            }
        )
    return value


def attachment_create(
    *, task: Task, uploaded_by, file, update=None, contribution=None, check_permission: bool = True
) -> Attachment:
    """Store one uploaded file on a task under a random name.

    The type is decided by the file's content (PDF, DOCX, XLSX, ODT, JPG,
    PNG), and the name's extension must agree with it; at most
    settings.ATTACHMENT_MAX_BYTES. Raises PermissionDenied (not a member of
    the lead or a coordinating unit) and ValidationError (key `file`).
    """
    from .selectors import task_user_contributing_units

    if check_permission and not (
        task_user_can_record_progress(user=uploaded_by, task=task)
        or task_user_contributing_units(user=uploaded_by, task=task)
    ):
        raise PermissionDenied(_("Only staff of the lead or a coordinating unit can attach files to this task."))
    name, size, kind = _checked_file(file)
    attachment = Attachment(
        task=task,
        original_name=name,
        content_type=kind.content_type,
        size=size,
        uploaded_by=uploaded_by,
        update=update,
        contribution=contribution,
    )
    # The file is written before the row points at it: a failure leaves at
    # worst an unused file under a random name, never a row without its file.
    attachment.file.save(name, file, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def _checked_file(file):
    """The file's name, size and type (by content), or ValidationError (key `file`)."""
    from django.conf import settings

    from .attachments import ALLOWED_EXTENSIONS, extension_of, sniff_file_type

    name = (getattr(file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    size = getattr(file, "size", None) or 0
    if not name or size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": [
                    _("The file is too large (at most %(max)d MB).") % {"max": settings.ATTACHMENT_MAX_BYTES // 2**20}
                ]
            }
        )
    kind = sniff_file_type(file)
    if kind is None or extension_of(name) not in kind.extensions:
        types = ", ".join(ext.lstrip(".").upper() for ext in ALLOWED_EXTENSIONS)
        raise ValidationError(
            {
                "file": [
                    _("“%(name)s” is not an accepted file: only %(types)s, and the content must match the name.")
                    % {"name": name, "types": types}
                ]
            }
        )
    return name, size, kind


@transaction.atomic
def contribution_create(*, task: Task, author, note: str, files=(), at: datetime | None = None):
    """A coordinating unit's contribution: a note (and files) in the task's
    timeline. Never changes the task's status, progress or version.

    Raises PermissionDenied (author not in a coordinating unit of the task)
    and ValidationError (keys `note`, `file`).
    """
    from .models import Contribution
    from .selectors import task_user_contributing_units

    units = task_user_contributing_units(user=author, task=task)
    if not units:
        raise PermissionDenied(_("Only staff of a coordinating unit can post a contribution to this task."))
    note = clean_text(note, field="note", required_message=_("Write what your unit contributed."))
    contribution = Contribution.objects.create(
        task=task, author=author, unit=units[0], note=note, created_at=at or timezone.now()
    )
    for file in files:
        if file:
            attachment_create(
                task=task, uploaded_by=author, file=file, contribution=contribution, check_permission=False
            )
    notify_contribution(contribution=contribution)
    return contribution


def _completion_entry(task: Task) -> ProgressUpdate | None:
    """The journal entry that began the task's current run of "completed"."""
    if task.status != Status.COMPLETED:
        return None
    return (
        ProgressUpdate.objects.filter(task=task, status=Status.COMPLETED)
        .exclude(previous_status=Status.COMPLETED)
        .order_by("-recorded_at", "-id")
        .first()
    )


@transaction.atomic
def completion_review(*, task: Task, reviewer, decision: str, comment: str = "", at: datetime | None = None):
    """Confirm a reported completion, or return it with a reason.

    A return reopens the task through the journal: a new entry by the
    reviewer, status in progress, the progress before the completion, so
    figures as of earlier days still show it completed then.

    Raises PermissionDenied (no `tasks.decide_request`), DecisionConflict
    (nothing awaits confirmation any more: decided or reopened meanwhile) and
    ValidationError (keys `decision`, `comment`).
    """
    from .models import CompletionReview, ReviewDecision
    from .selectors import user_can_decide

    if not user_can_decide(reviewer):
        raise PermissionDenied(_("Only a person allowed to decide requests can confirm or return a completion."))
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": [_("Choose to confirm or to return.")]})
    if decision == ReviewDecision.RETURN:
        comment = clean_text(comment, field="comment", required_message=_("Say why the completion is returned."))
    else:
        comment = (comment or "").strip()[:NOTE_MAX_LENGTH]
    current = Task.objects.select_for_update().get(pk=task.pk)
    entry = _completion_entry(current)
    if entry is None or CompletionReview.objects.filter(update=entry).exists():
        raise DecisionConflict(current)
    at = at or timezone.now()
    review = CompletionReview.objects.create(
        task=current, update=entry, decision=decision, reviewer=reviewer, comment=comment, decided_at=at
    )
    plan_figures_changed(plan_id=current.plan_id)  # awaiting confirmation is a dashboard figure
    if decision == ReviewDecision.RETURN:
        task_record_progress(
            task=current,
            author=reviewer,
            status=Status.IN_PROGRESS,
            progress=entry.previous_progress if entry.previous_progress < 100 else 95,
            note=_("Completion returned: %(reason)s") % {"reason": comment},
            recorded_at=at,
            check_permission=False,
        )
        task.refresh_from_db()
        notify_completion_returned(review=review)
    return review


def _parse_day(value):
    from datetime import date

    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(str(value).strip(), fmt).date()
        except ValueError:
            continue
    raise ValidationError({"proposed_due_date": [_("Enter a date as YYYY-MM-DD or dd/mm/yyyy.")]})


@transaction.atomic
def request_create(
    *, task: Task, requester, kind: str, reason: str, proposed_due_date=None, at: datetime | None = None
):
    """The lead unit asks for an extension, a hold or a cancellation.

    At most one pending request per task and kind (a database constraint).
    Raises PermissionDenied (not in the lead unit) and ValidationError (keys
    `kind`, `reason`, `proposed_due_date`).
    """
    from django.db import IntegrityError

    from .models import RequestKind, RequestState, TaskRequest

    if not task_user_can_record_progress(user=requester, task=task):
        raise PermissionDenied(_("Only staff of the lead unit can send a request for this task."))
    if kind not in RequestKind.values:
        raise ValidationError({"kind": [_("Choose what you ask for.")]})
    reason = clean_text(reason, field="reason", required_message=_("Give the reason for the request."))
    current = Task.objects.select_for_update().get(pk=task.pk)
    proposed = _parse_day(proposed_due_date) if kind == RequestKind.EXTENSION else None
    errors: dict[str, list[str]] = {}
    if kind == RequestKind.EXTENSION:
        if proposed is None:
            errors["proposed_due_date"] = [_("Give the due date you propose.")]
        elif proposed <= current.due_date:
            errors["proposed_due_date"] = [_("The proposed due date must be after the current one.")]
    if current.status in (Status.COMPLETED, Status.CANCELLED):
        errors.setdefault("kind", []).append(_("The task is completed or cancelled: there is nothing to ask for."))
    elif kind == RequestKind.ON_HOLD and current.status == Status.ON_HOLD:
        errors.setdefault("kind", []).append(_("The task is already on hold."))
    if TaskRequest.objects.filter(task=current, kind=kind, state=RequestState.PENDING).exists():
        errors.setdefault("kind", []).append(_("This task already has a pending request of this kind."))
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            created = TaskRequest.objects.create(
                task=current,
                kind=kind,
                unit=current.lead_unit,
                reason=reason,
                proposed_due_date=proposed,
                requested_by=requester,
                requested_at=at or timezone.now(),
            )
    except IntegrityError:  # a second request raced past the check above
        raise ValidationError({"kind": [_("This task already has a pending request of this kind.")]}) from None
    plan_figures_changed(plan_id=current.plan_id)  # pending requests are a dashboard figure
    notify_request_submitted(task_request=created)
    return created


def _lock_pending(request_pk: int):
    from .models import RequestState, TaskRequest

    locked = TaskRequest.objects.select_for_update().select_related("task", "requested_by").get(pk=request_pk)
    if locked.state != RequestState.PENDING:
        raise DecisionConflict(locked)
    return locked


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


@transaction.atomic
def request_decide(
    *,
    task_request,
    decider,
    decision: str,
    due_date=None,
    document_ref: str = "",
    comment: str = "",
    at: datetime | None = None,
):
    """Approve or reject a pending request, atomically.

    An approved extension moves the task's due date from now on and writes a
    row of the due-date journal (marked late when the old due date had already
    passed); an approved hold or cancellation writes the journal entry,
    authored by the decider, with the reason and the requester in the note.
    `at` (default now) is when the decision takes effect (the demo history
    gives past times). Two deciders at once: the second gets DecisionConflict
    (the row is locked and its state re-read). Raises PermissionDenied and
    ValidationError (keys `decision`, `due_date`, `document_ref`, `comment`).
    """
    from .models import RequestKind, RequestState
    from .selectors import user_can_decide

    if not user_can_decide(decider):
        raise PermissionDenied(_("Only a person allowed to decide requests can decide this request."))
    document_ref, comment = _clean_decision(decision=decision, document_ref=document_ref, comment=comment)
    req = _lock_pending(task_request.pk)
    task = Task.objects.select_for_update().get(pk=req.task_id)
    now = at or timezone.now()
    req.decided_by, req.decided_at = decider, now
    req.decision_comment, req.document_ref = comment, document_ref
    if decision == "reject":
        req.state = RequestState.REJECTED
    elif req.kind == RequestKind.EXTENSION:
        _approve_extension(req=req, task=task, decider=decider, due_date=due_date, now=now)
        req.state = RequestState.APPROVED
    else:
        _approve_status_change(req=req, task=task, decider=decider, now=now)
        req.state = RequestState.APPROVED
    req.save()
    plan_figures_changed(plan_id=task.plan_id)
    notify_request_decided(task_request=req)
    return req


def _clean_decision(*, decision: str, document_ref: str, comment: str) -> tuple[str, str]:
    if decision not in ("approve", "reject"):
        raise ValidationError({"decision": [_("Choose to approve or to reject.")]})
    document_ref = (document_ref or "").strip()
    comment = (comment or "").strip()
    if len(document_ref) > OUTPUT_REF_MAX_LENGTH:
        raise ValidationError({"document_ref": [_("The document reference is too long.")]})
    if len(comment) > NOTE_MAX_LENGTH:
        raise ValidationError({"comment": [_("The comment is too long.")]})
    if decision == "reject" and not comment:
        raise ValidationError({"comment": [_("Say why the request is rejected.")]})
    return document_ref, comment


def _approve_extension(*, req, task: Task, decider, due_date, now: datetime) -> None:
    """Move the locked task's due date and write the due-date journal row."""
    from .models import DueDateChange

    new_due = _parse_day(due_date) if due_date not in (None, "") else req.proposed_due_date
    if new_due is None or new_due <= task.due_date or new_due < task.start_date:
        raise ValidationError({"due_date": [_("The new due date must be after the current one.")]})
    req.decided_due_date = new_due
    req.is_late = timezone.localdate(now) > task.due_date
    DueDateChange.objects.create(
        task=task,
        old_due_date=task.due_date,
        new_due_date=new_due,
        effective_at=now,
        decided_by=decider,
        document_ref=req.document_ref,
        request=req,
        is_late=req.is_late,
    )
    Task.objects.filter(pk=task.pk).update(due_date=new_due, version=task.version + 1, updated_at=timezone.now())


def _approve_status_change(*, req, task: Task, decider, now: datetime) -> None:
    """Write the hold or cancellation into the journal, authored by the decider."""
    from .models import RequestKind

    if task.status in (Status.COMPLETED, Status.CANCELLED) or (
        req.kind == RequestKind.ON_HOLD and task.status == Status.ON_HOLD
    ):
        raise ValidationError({"decision": [_("The task's status no longer allows this request.")]})
    note = _("Request of %(person)s approved: %(reason)s") % {"person": _person(req.requested_by), "reason": req.reason}
    if req.document_ref:
        note += f" ({req.document_ref})"
    task_record_progress(
        task=task,
        author=decider,
        status=Status.ON_HOLD if req.kind == RequestKind.ON_HOLD else Status.CANCELLED,
        progress=task.progress,
        note=note[:NOTE_MAX_LENGTH],
        recorded_at=max(now, task.last_update_at or now),
        check_permission=False,
    )


@transaction.atomic
def request_withdraw(*, task_request, user):
    """The requesting unit takes back a pending request.
    Raises PermissionDenied (not in the requesting unit) and DecisionConflict."""
    from .models import RequestState
    from .selectors import user_unit_ids

    if task_request.unit_id not in user_unit_ids(user):
        raise PermissionDenied(_("Only the requesting unit can withdraw this request."))
    req = _lock_pending(task_request.pk)
    req.state = RequestState.WITHDRAWN
    req.decided_by, req.decided_at = user, timezone.now()
    req.save()
    plan_figures_changed(plan_id=req.task.plan_id)
    return req
