from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import admin_beat  # noqa: F401  (django-celery-beat's admin, translated)
from .enqueue import weekly_report_enqueue_on_commit
from .models import ReminderLog, WeeklyReport


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
        rows = list(queryset.values_list("plan_id", "iso_year", "iso_week"))
        for plan_id, year, week in rows:
            weekly_report_enqueue_on_commit(plan_id=plan_id, iso_year=year, iso_week=week)
        self.message_user(
            request,
            ngettext("%(n)d report queued for rebuilding.", "%(n)d reports queued for rebuilding.", len(rows))
            % {"n": len(rows)},
            messages.SUCCESS,
        )


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ("unit", "iso_year", "iso_week", "sent_at", "recipients")
    list_filter = ("iso_year",)
    list_select_related = ("unit",)
    readonly_fields = ("unit", "iso_year", "iso_week", "sent_at", "recipients")
