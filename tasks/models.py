from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from plan_portal.text import normalize_search


class Status(models.TextChoices):
    """Stable keys: they appear in URLs, exports and reports."""

    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    ON_HOLD = "on_hold", _("On hold")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses that still count as work to do (overdue / at risk apply to them).
OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.ON_HOLD)
# Statuses that need a note saying why.
STATUSES_NEEDING_REASON = (Status.ON_HOLD, Status.CANCELLED)


class Field(models.TextChoices):
    """The Directorate's fields of work (nhóm nhiệm vụ / lĩnh vực)."""

    LEGAL = "legal", _("Legal framework")
    GENERAL = "general", _("General coordination")
    STANDARDS = "standards", _("Standards")
    METROLOGY = "metrology", _("Metrology")
    QUALITY = "quality", _("Quality and inspection")
    CONFORMITY = "conformity", _("Conformity assessment")
    BARCODES = "barcodes", _("Barcodes and traceability")
    PRODUCTIVITY = "productivity", _("Productivity and quality")
    INTERNATIONAL = "international", _("International cooperation")
    ADMINISTRATION = "administration", _("Internal administration")


class WorkPlan(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=255)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    decision_ref = models.CharField(
        _("decision reference"),
        max_length=128,
        blank=True,
        help_text=_("Number and date of the decision issuing the plan, e.g. 350/QĐ-TĐC ngày 24/02/2021."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    description = models.TextField(_("description"), blank=True)
    # Moves with every write that may change the plan's figures (a journal entry,
    # its undo, a task edit, a task created or deleted): the dashboard's cache key
    # reads it with one primary-key lookup instead of aggregating the journal.
    figures_version = models.PositiveBigIntegerField(default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["figures_version"])

    class Meta:
        verbose_name = _("work plan")
        verbose_name_plural = _("work plans")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="workplan_end_after_start",
                violation_error_message=_("The plan cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="workplan_year_range",
                violation_error_message=_("The year must be between 2000 and 2100."),
            ),
        ]

    def __str__(self) -> str:
        return self.title or str(self.year)

    def save(self, *args, **kwargs):
        if self.pk is not None and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            # Never write back a stale counter: only plan_figures_changed moves it.
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "figures_version"
            ]
        super().save(*args, **kwargs)
        plan_figures_changed(plan_id=self.pk)


class TaskQuerySet(models.QuerySet):
    """Filters only; figures live in tasks.selectors."""

    def for_plan(self, plan):
        return self.filter(plan=plan)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, *, on):
        return self.open().filter(due_date__lt=on)

    def led_by(self, unit):
        return self.filter(lead_unit=unit)

    def coordinated_by(self, unit):
        return self.filter(coordinations__unit=unit)

    def for_unit(self, unit):
        """Tasks a unit leads or coordinates (no duplicates)."""
        return self.filter(Q(lead_unit=unit) | Q(pk__in=TaskCoordination.objects.filter(unit=unit).values("task")))


class Task(models.Model):
    plan = models.ForeignKey(WorkPlan, verbose_name=_("work plan"), on_delete=models.PROTECT, related_name="tasks")
    code = models.CharField(_("code"), max_length=32, help_text=_("Unique within the plan, e.g. NV-2020-01."))
    title = models.CharField(_("title (Vietnamese)"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    field = models.CharField(_("field"), max_length=16, choices=Field.choices)
    lead_unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("lead unit"),
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    coordinating_units = models.ManyToManyField(
        "units.Unit",
        verbose_name=_("coordinating units"),
        through="TaskCoordination",
        related_name="coordinated_tasks",
        blank=True,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subtasks",
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    expected_output = models.TextField(_("expected output"), blank=True)
    expected_output_en = models.TextField(_("expected output (English)"), blank=True)
    source_quote = models.TextField(
        _("source quote"),
        blank=True,
        help_text=_("The sentence of the announcement this task comes from."),
    )
    start_date = models.DateField(_("start date"))
    due_date = models.DateField(_("due date"))
    # Current state. Written only by tasks.services.task_record_progress, always
    # equal to the latest ProgressUpdate.
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    last_update_at = models.DateTimeField(_("last update"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Optimistic concurrency: a form carries the version it was shown with.
    version = models.PositiveIntegerField(_("version"), default=1)
    # The coordinating units' codes ("VU-DL, VU-TC"), kept equal to the
    # TaskCoordination rows by tasks.services.task_record_coordination_change so
    # that the audit history (simple_history) shows who changed them and when.
    # Editable only because simple_history diffs editable fields; no form lists it.
    coordinating_unit_codes = models.CharField(_("coordinating units"), max_length=1000, blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")

    # The journal is the history of status and progress; the audit trail is
    # kept for the plan's own fields (title, dates, units...).
    history = HistoricalRecords(
        excluded_fields=[
            "status",
            "progress",
            "completed_at",
            "last_update_at",
            "updated_at",
            "version",
            "search_text",
        ]
    )
    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["plan", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"],
                name="task_unique_code_in_plan",
                violation_error_message=_("A task with this code already exists in this plan."),
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100),
                name="task_progress_0_100",
                violation_error_message=_("Progress must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("start_date")),
                name="task_due_after_start",
                violation_error_message=_("The due date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=Status.COMPLETED, progress=100, completed_at__isnull=False)
                    | (~Q(status=Status.COMPLETED) & Q(completed_at__isnull=True))
                ),
                name="task_completed_consistent",
                violation_error_message=_("A completed task has progress 100 and a completion time."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="task_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="task_not_own_parent",
                violation_error_message=_("A task cannot be its own parent."),
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "status"], name="task_plan_status_idx"),
            models.Index(fields=["plan", "due_date"], name="task_plan_due_idx"),
            models.Index(fields=["plan", "field"], name="task_plan_field_idx"),
            models.Index(fields=["lead_unit", "status"], name="task_lead_status_idx"),
            models.Index(fields=["last_update_at"], name="task_last_update_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.title}"

    def save(self, *args, **kwargs):
        self.search_text = normalize_search(" ".join([self.code, self.title, self.title_en, self.description]))
        super().save(*args, **kwargs)
        plan_figures_changed(plan_id=self.plan_id)

    def delete(self, *args, **kwargs):
        plan_id = self.plan_id
        result = super().delete(*args, **kwargs)
        plan_figures_changed(plan_id=plan_id)
        return result


def plan_figures_changed(*, plan_id: int) -> None:
    """Move the plan's figures version (the dashboard's cache key), in the caller's transaction.

    A counter, not the latest journal id: two writers committing out of id
    order would otherwise leave the key unchanged after the second commit."""
    WorkPlan.objects.filter(pk=plan_id).update(figures_version=models.F("figures_version") + 1)


class TaskCoordination(models.Model):
    """A unit that coordinates a task (đơn vị phối hợp)."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="coordinations")
    # PROTECT: a unit that coordinates tasks cannot be deleted; deactivate it.
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="coordinations",
    )

    class Meta:
        verbose_name = _("coordinating unit")
        verbose_name_plural = _("coordinating units")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "unit"],
                name="coordination_unique_task_unit",
                violation_error_message=_("This unit already coordinates this task."),
            ),
        ]
        indexes = [models.Index(fields=["unit", "task"], name="coordination_unit_task_idx")]

    def __str__(self) -> str:
        return f"{self.task.code} ← {self.unit.code}"


class ProgressUpdate(models.Model):
    """Append-only journal of progress updates (cập nhật tiến độ).

    `previous_status` / `previous_progress` record the task's state just before
    this update, so figures "as of a date" and week-by-week deltas are simple
    SQL aggregates instead of window scans over the whole journal.
    """

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="progress_updates",
    )
    recorded_at = models.DateTimeField(_("recorded at"), help_text=_("When the update took effect."))
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    note = models.TextField(_("note"), max_length=4000)
    # The output that proves a completion (sản phẩm), e.g. "Quyết định số 1322/QĐ-TTg ngày 31/08/2020".
    output_ref = models.CharField(_("output reference"), max_length=255, blank=True, default="")
    previous_status = models.CharField(_("previous status"), max_length=16, choices=Status.choices)
    previous_progress = models.PositiveSmallIntegerField(_("previous progress (%)"))

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-recorded_at", "-id"]
        get_latest_by = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100),
                name="update_progress_0_100",
                violation_error_message=_("Progress must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(previous_progress__gte=0, previous_progress__lte=100),
                name="update_previous_progress_0_100",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.COMPLETED) | Q(progress=100),
                name="update_completed_is_100",
                violation_error_message=_("A completed task has progress 100."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values) & Q(previous_status__in=Status.values),
                name="update_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["task", "-recorded_at", "-id"], name="update_task_recorded_idx"),
            models.Index(fields=["recorded_at"], name="update_recorded_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task.code} @ {self.recorded_at:%Y-%m-%d}: {self.status} {self.progress}%"

    @property
    def status_changed(self) -> bool:
        return self.status != self.previous_status

    @property
    def progress_delta(self) -> int:
        return self.progress - self.previous_progress


# --- the accountable process (issue 11) ---------------------------------------


def attachment_upload_to(instance, filename: str) -> str:
    """A random stored name: the original name is kept in a field, never on disk,
    so nobody can guess a path and no name can escape the folder."""
    import uuid
    from pathlib import PurePosixPath

    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"attachments/{uuid.uuid4().hex}{suffix}"


class Contribution(models.Model):
    """A coordinating unit's contribution (ý kiến / kết quả phối hợp): a note in
    the task's timeline that never changes its status or progress."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="contributions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="contributions"
    )
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="contributions"
    )
    note = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["task", "-created_at"], name="contribution_task_idx")]

    def __str__(self) -> str:
        return f"{self.task.code} ← {self.unit.code} @ {self.created_at:%Y-%m-%d}"


class Attachment(models.Model):
    """A file on a task (tệp đính kèm), e.g. the output that proves a completion.
    Served only through tasks.views.attachment_download, which checks who may read it."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="attachments"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    update = models.ForeignKey(
        ProgressUpdate,
        verbose_name=_("progress update"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    contribution = models.ForeignKey(
        Contribution,
        verbose_name=_("contribution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["task", "-uploaded_at"], name="attachment_task_idx")]

    def __str__(self) -> str:
        return self.original_name


class RequestKind(models.TextChoices):
    EXTENSION = "extension", _("Extension of the due date")
    ON_HOLD = "on_hold", _("Put on hold")
    CANCEL = "cancel", _("Cancellation")


class RequestState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TaskRequest(models.Model):
    """A lead unit's written request (đề nghị gia hạn / tạm dừng / dừng thực hiện)
    and the decision on it. Written only by the request_* services."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(_("kind"), max_length=16, choices=RequestKind.choices)
    state = models.CharField(_("state"), max_length=16, choices=RequestState.choices, default=RequestState.PENDING)
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("requesting unit"), on_delete=models.PROTECT, related_name="task_requests"
    )
    reason = models.TextField(_("reason"), max_length=4000)
    proposed_due_date = models.DateField(_("proposed due date"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="task_requests"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_task_requests",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True, max_length=4000)
    document_ref = models.CharField(_("document reference"), max_length=255, blank=True)
    decided_due_date = models.DateField(_("approved due date"), null=True, blank=True)
    # An extension decided after the old due date had passed.
    is_late = models.BooleanField(_("late request"), default=False)

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-requested_at", "-id"]
        permissions = [("decide_request", _("Can decide requests, confirm completions"))]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "kind"],
                condition=Q(state="pending"),
                name="request_one_pending_per_task_kind",
                violation_error_message=_("This task already has a pending request of this kind."),
            ),
            models.CheckConstraint(condition=Q(kind__in=RequestKind.values), name="request_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=RequestState.values), name="request_state_valid"),
            models.CheckConstraint(
                condition=~Q(kind="extension") | Q(proposed_due_date__isnull=False),
                name="request_extension_has_date",
            ),
            models.CheckConstraint(
                condition=(Q(state="pending") & Q(decided_at__isnull=True))
                | (~Q(state="pending") & Q(decided_at__isnull=False)),
                name="request_decided_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "requested_at"], name="request_state_idx"),
            models.Index(fields=["task", "requested_at"], name="request_task_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task.code}: {self.kind} ({self.state})"


class DueDateChange(models.Model):
    """The due-date journal: every move of a task's due date. The due date in
    force on day D is the new date of the latest change effective by the end of
    D; before the first change it is the first change's old date."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="due_date_changes")
    old_due_date = models.DateField(_("old due date"))
    new_due_date = models.DateField(_("new due date"))
    effective_at = models.DateTimeField(_("effective from"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    document_ref = models.CharField(_("document reference"), max_length=255, blank=True)
    request = models.OneToOneField(
        TaskRequest,
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="due_date_change",
    )
    is_late = models.BooleanField(_("late request"), default=False)

    class Meta:
        verbose_name = _("due-date change")
        verbose_name_plural = _("due-date changes")
        ordering = ["-effective_at", "-id"]
        indexes = [models.Index(fields=["task", "-effective_at", "-id"], name="duechange_task_idx")]

    def __str__(self) -> str:
        return f"{self.task.code}: {self.old_due_date} → {self.new_due_date}"


class ReviewDecision(models.TextChoices):
    CONFIRM = "confirm", _("Confirmed")
    RETURN = "return", _("Returned")


class CompletionReview(models.Model):
    """The decision on a reported completion: confirmed, or returned with a reason.
    One per completing journal entry, so two reviewers cannot both decide."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="reviews")
    update = models.OneToOneField(
        ProgressUpdate, verbose_name=_("completion"), on_delete=models.PROTECT, related_name="review"
    )
    decision = models.CharField(_("decision"), max_length=16, choices=ReviewDecision.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True, max_length=4000)

    class Meta:
        verbose_name = _("completion review")
        verbose_name_plural = _("completion reviews")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(decision__in=ReviewDecision.values), name="review_decision_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.task.code}: {self.decision}"


class JournalAuditEntry(models.Model):
    """What happened to a journal entry after it was written: a superuser
    corrected its note, or deleted it. The journal itself stays append-only
    for everyone else; this keeps the old text and what a deleted entry held."""

    class Action(models.TextChoices):
        NOTE_CORRECTED = "note_corrected", _("Note corrected")
        DELETED = "deleted", _("Deleted")

    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    # SET_NULL and the code below: the audit outlives a task deleted later.
    task = models.ForeignKey(
        Task, verbose_name=_("task"), null=True, on_delete=models.SET_NULL, related_name="journal_audit"
    )
    task_code = models.CharField(_("task code"), max_length=32)
    update_id = models.PositiveBigIntegerField(_("journal entry"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_username = models.CharField(_("by (user name)"), max_length=150)
    at = models.DateTimeField(_("when"), auto_now_add=True)
    old_note = models.TextField(_("old note"), blank=True)
    new_note = models.TextField(_("new note"), blank=True)
    entry = models.JSONField(_("entry as it was"), default=dict)

    class Meta:
        verbose_name = _("journal audit entry")
        verbose_name_plural = _("journal audit")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["task", "-at"], name="journal_audit_task_idx")]

    def __str__(self) -> str:
        return f"{self.task_code} #{self.update_id}: {self.action}"


# --- talking about tasks (issue 12): comments and urging notes -----------------

COMMENT_MAX_LENGTH = 4000


class Comment(models.Model):
    """A comment on a task by anyone who may read it. Plain text; `@username`
    mentions are resolved when it is written or edited (tasks.comments).

    A deletion is soft: the row stays with an empty body and `deleted_at`, so the
    timeline shows "comment deleted"; every earlier text stays in `history`."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="task_comments"
    )
    body = models.TextField(pgettext_lazy("task comment", "comment"), max_length=COMMENT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("mentioned people"), related_name="comment_mentions", blank=True
    )
    # Optimistic concurrency: an edit carries the version it was shown with.
    version = models.PositiveIntegerField(_("version"), default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = pgettext_lazy("task comment", "comment")
        verbose_name_plural = _("comments")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["task", "-created_at", "-id"], name="comment_task_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) & ~Q(body="") | Q(deleted_at__isnull=False, body=""),
                name="comment_body_unless_deleted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.code} · {self.author} @ {self.created_at:%Y-%m-%d %H:%M}"


class Urging(models.Model):
    """An urging note (đôn đốc) from a person with `tasks.decide_request` to the
    unit that leads a task. Urgings sent to all overdue tasks of a unit at once
    share one `batch`, so the act is one act. `unit` is the lead unit when it was
    sent: counts per unit never move when a task changes hands later."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="urgings")
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("urged unit"), on_delete=models.PROTECT, related_name="urgings"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("urged by"), on_delete=models.PROTECT, related_name="urgings"
    )
    note = models.TextField(_("urging note"), max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    batch = models.UUIDField(_("batch"), db_index=True)

    class Meta:
        verbose_name = _("urging note")
        verbose_name_plural = _("urging notes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["task", "-created_at"], name="urging_task_idx"),
            models.Index(fields=["unit", "created_at"], name="urging_unit_idx"),
            models.Index(fields=["created_at"], name="urging_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["batch", "task"], name="urging_once_per_task_in_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.task.code} ← {self.author} @ {self.created_at:%Y-%m-%d %H:%M}"


# --- notifications (issue 12) -------------------------------------------------
# They live in `tasks` because every event but one (the weekly report, which
# reports may tell tasks about: reports imports tasks, never the reverse) is
# made by a tasks service, which writes the recipients' rows in its own
# transaction. E-mail is reports' job (its outbox and Celery).


class NotificationKind(models.TextChoices):
    """Stable keys: they are stored in rows, preferences and outbox keys."""

    MENTION = "mention", _("You are mentioned")
    COMMENT = "comment", _("A comment on a task you follow")
    CONTRIBUTION = "contribution", _("A contribution on a task you follow")
    URGING = "urging", _("An urging note to your unit")
    REQUEST_SUBMITTED = "request_submitted", _("A request to decide")
    REQUEST_DECIDED = "request_decided", _("A request decided")
    COMPLETION_RETURNED = "completion_returned", _("A completion returned")
    DUE_IN_7_DAYS = "due_7", _("A due date in 7 days")
    DUE_TOMORROW = "due_1", _("A due date tomorrow")
    OVERDUE = "overdue", _("A task newly overdue")
    WEEKLY_REPORT = "weekly_report", _("The weekly report is ready")


class EmailChoice(models.TextChoices):
    IMMEDIATE = "immediate", _("E-mail at once")
    DIGEST = "digest", _("In the daily digest (07:30)")
    OFF = "off", _("No e-mail")


# Mentions and decisions matter at once; the rest waits for the morning digest.
DEFAULT_EMAIL_CHOICE = dict.fromkeys(NotificationKind.values, EmailChoice.DIGEST) | {
    NotificationKind.MENTION: EmailChoice.IMMEDIATE,
    NotificationKind.REQUEST_DECIDED: EmailChoice.IMMEDIATE,
    NotificationKind.COMPLETION_RETURNED: EmailChoice.IMMEDIATE,
}


class Notification(models.Model):
    """One event told to one person. Written only by tasks.notifications, in
    bulk, in the transaction of the change it tells about."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    # Which event this is ("request_decided:12"): with the recipient it is
    # unique, so a job run twice (deadlines, the weekly report) tells nobody twice.
    key = models.CharField(_("key"), max_length=120)
    task = models.ForeignKey(
        Task, verbose_name=_("task"), null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A short excerpt (the comment, the reason) and the page it is about.
    excerpt = models.CharField(_("excerpt"), max_length=300, blank=True)
    url = models.CharField(_("link"), max_length=300)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The e-mail choice in force when the event happened, and when reports put
    # the row into the outbox (alone or in the person's digest).
    email = models.CharField(_("e-mail"), max_length=10, choices=EmailChoice.choices)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_event"),
            models.CheckConstraint(condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"),
            models.CheckConstraint(condition=Q(email__in=EmailChoice.values), name="notification_email_valid"),
        ]
        indexes = [
            # The bell: count a person's unread rows on a small partial index.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recipient_idx"),
            # The e-mail jobs: rows still to put into the outbox.
            models.Index(
                fields=["email", "created_at"],
                condition=Q(emailed_at__isnull=True) & ~Q(email="off"),
                name="notification_to_email_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.recipient_id}"


class TaskFollow(models.Model):
    """A person's choice to follow a task (or, `following=False`, to stop
    hearing about a task their unit leads)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="task_follows"
    )
    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="follows")
    following = models.BooleanField(_("following"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("followed task")
        verbose_name_plural = _("followed tasks")
        constraints = [models.UniqueConstraint(fields=["user", "task"], name="follow_once_per_user_task")]
        indexes = [models.Index(fields=["task", "following"], name="follow_task_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {'→' if self.following else '✕'} {self.task_id}"


class NotificationPreference(models.Model):
    """A person's e-mail choice for one kind of event; without a row, DEFAULT_EMAIL_CHOICE."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    email = models.CharField(_("e-mail"), max_length=10, choices=EmailChoice.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_once_per_kind"),
            models.CheckConstraint(condition=Q(email__in=EmailChoice.values), name="preference_email_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.email}"
