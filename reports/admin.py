from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import admin_beat  # noqa: F401  (django-celery-beat's admin, translated)
from .enqueue import weekly_reports_request_rebuild
from .models import OutboxMessage, ReminderLog, WeeklyReport


@admin.register(WeeklyReport)
class WeeklyReportAdmin(admin.ModelAdmin):
    list_display = ("week", "plan", "period_start", "period_end", "generated_at", "emailed_at")
    list_filter = ("plan",)
    list_select_related = ("plan",)
    ordering = ("-iso_year", "-iso_week")
    readonly_fields = [f.name for f in WeeklyReport._meta.fields]
    actions = ["rebuild"]

    def has_add_permission(self, request):
        return False  # built by the jobs, never typed in

    @admin.display(description=_("Week"), ordering="iso_week")
    def week(self, report: WeeklyReport) -> str:
        return report.week_display

    @admin.action(description=_("Rebuild the selected reports"))
    def rebuild(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        queued = weekly_reports_request_rebuild(report_ids=ids)
        if queued == len(ids):
            self.message_user(
                request,
                ngettext("%(n)d report queued for rebuilding.", "%(n)d reports queued for rebuilding.", len(ids))
                % {"n": len(ids)},
                messages.SUCCESS,
            )
            return
        # The broker is down or frozen: the request is recorded and the
        # catch-up job (every 10 minutes) rebuilds them; never a 500.
        self.message_user(
            request,
            ngettext(
                "The job queue is not answering: %(n)d report will be rebuilt by the next catch-up run "
                "(within about 10 minutes).",
                "The job queue is not answering: %(n)d reports will be rebuilt by the next catch-up run "
                "(within about 10 minutes).",
                len(ids) - queued,
            )
            % {"n": len(ids) - queued},
            messages.WARNING,
        )


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ("unit", "iso_year", "iso_week", "sent_at", "recipients")
    list_filter = ("iso_year",)
    list_select_related = ("unit",)
    readonly_fields = ("unit", "iso_year", "iso_week", "sent_at", "recipients")

    # Written by the Friday job only; the admin reads it. (An add form with
    # only read-only fields used to save an empty row: a 500.)
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read only: what was e-mailed to whom, and what is still to go out."""

    list_display = ("key", "recipient", "state", "attempts", "created_at", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("key", "recipient", "subject")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
