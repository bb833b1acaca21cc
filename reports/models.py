from django.db import models
from django.utils.translation import gettext_lazy as _

from plan_portal.dates import week_display
from tasks.models import WorkPlan
from units.models import Unit


class WeeklyReport(models.Model):
    """The plan's figures as of the end of one ISO week, and its rendered files.

    `snapshot` holds figures only (never the time it was built), so building
    the same week again from the same journal gives an identical snapshot and
    `snapshot_hash`. The files are named after that hash, written beside their
    final name and moved into place, so a row never points at half a file.
    """

    plan = models.ForeignKey(
        WorkPlan, verbose_name=_("work plan"), on_delete=models.PROTECT, related_name="weekly_reports"
    )
    iso_year = models.PositiveSmallIntegerField(_("ISO year"))
    iso_week = models.PositiveSmallIntegerField(_("ISO week"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    generated_at = models.DateTimeField(_("generated at"))
    snapshot = models.JSONField(_("snapshot"), default=dict)
    snapshot_hash = models.CharField(_("snapshot hash"), max_length=64, editable=False)
    xlsx_file = models.FileField(_("Excel file"), upload_to="reports/", max_length=255, blank=True)
    pdf_file = models.FileField(_("PDF file"), upload_to="reports/", max_length=255, blank=True)
    # Set when the report e-mail went out; a rebuild keeps it, so the Monday
    # job never sends the same week twice.
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # Set when someone asks for a rebuild (admin action) and cleared by the
    # first build that starts after it: a request whose job could not be
    # queued (broker down) is picked up by the catch-up job.
    rebuild_requested_at = models.DateTimeField(_("rebuild requested at"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        ordering = ["-iso_year", "-iso_week", "plan"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "iso_year", "iso_week"], name="weekly_report_one_per_week"),
            models.CheckConstraint(
                condition=models.Q(iso_week__gte=1, iso_week__lte=53), name="weekly_report_iso_week_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.year}: {self.week_label}"

    @property
    def week_label(self) -> str:
        return f"{self.iso_year}-W{self.iso_week:02d}"

    @property
    def week_display(self) -> str:
        """The week as people say it: "Tuần 40/2020 (28/09–04/10)"."""
        return week_display(
            iso_year=self.iso_year, iso_week=self.iso_week, start=self.period_start, end=self.period_end
        )


class ReminderLog(models.Model):
    """One row per unit and week whose reminder e-mail went out: never twice."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="reminder_logs")
    iso_year = models.PositiveSmallIntegerField(_("ISO year"))
    iso_week = models.PositiveSmallIntegerField(_("ISO week"))
    sent_at = models.DateTimeField(_("sent at"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("update reminder")
        verbose_name_plural = _("update reminders")
        ordering = ["-iso_year", "-iso_week", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "iso_year", "iso_week"], name="reminder_once_per_unit_week")
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.iso_year}-W{self.iso_week:02d}"


class OutboxMessage(models.Model):
    """One e-mail to one recipient, recorded before it is sent.

    `key` says which message this is (e.g. ``weekly_report:<report id>:<address>``),
    so preparing the same messages twice adds nothing, and a retry sends only
    the rows still pending. Sending happens outside any transaction: a row is
    claimed with a short lease, sent, then marked sent. Generic on purpose:
    any feature that e-mails people (reminders, notifications) adds rows.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    key = models.CharField(_("key"), max_length=255, unique=True)
    # The messages sent together, e.g. ``weekly_report:<report id>``: a caller
    # sends and checks its own batch.
    batch = models.CharField(_("batch"), max_length=200, db_index=True)
    kind = models.CharField(_("message kind"), max_length=50)
    recipient = models.EmailField(_("recipient"), max_length=254)
    from_email = models.CharField(_("sender"), max_length=255)
    subject = models.CharField(_("subject"), max_length=998)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    attachment_path = models.CharField(_("attachment (storage name)"), max_length=255, blank=True)
    attachment_name = models.CharField(_("attachment file name"), max_length=255, blank=True)
    attachment_mimetype = models.CharField(_("attachment type"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # A sender owns a pending row until this time; a sender that died
    # mid-way leaves it to the next run once the lease has passed.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at", "key"]
        indexes = [models.Index(fields=["state", "created_at"], name="outbox_state_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="sent", sent_at__isnull=False) | ~models.Q(state="sent"),
                name="outbox_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
