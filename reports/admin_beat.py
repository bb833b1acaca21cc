"""django-celery-beat's admin in the portal's language.

Its catalogue has no Vietnamese (locale_vendor/ supplies it), and a few of its labels are not translatable
at all: the list columns "Scheduler" and "Crontab translation", the task field's "Task Name" and the
cron descriptions, which cron-descriptor writes in the process's locale. Registered again here, with
the same behaviour and translated labels.
"""

from cron_descriptor import (
    ExpressionDescriptor,
    FormatException,
    MissingFieldException,
    Options,
    WrongArgumentException,
)
from django.contrib import admin
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import CrontabSchedule, PeriodicTask

CRON_LOCALES = {"vi": "vi_VN", "en": "en_US"}
# cron-descriptor's Vietnamese still takes day names from the process's locale ("Monday").
WEEKDAYS = [_("Sunday"), _("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday")]


def _weekly_description(crontab: CrontabSchedule) -> str | None:
    """ "At 07:00 every Monday" for the portal's own kind of schedule; None for any other."""
    fields = (crontab.minute, crontab.hour, crontab.day_of_week)
    if not all(f.isdigit() for f in fields) or (crontab.day_of_month, crontab.month_of_year) != ("*", "*"):
        return None
    minute, hour, day = (int(f) for f in fields)
    if minute > 59 or hour > 23 or day > 7:
        return None
    return _("At %(time)s every %(day)s") % {"time": f"{hour:02d}:{minute:02d}", "day": WEEKDAYS[day % 7]}


def crontab_description(crontab: CrontabSchedule | None) -> str:
    if crontab is None:
        return "-"
    weekly = _weekly_description(crontab)
    if weekly:
        return f"{weekly} ({crontab.timezone})"
    expression = " ".join(
        [crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week]
    )
    options = Options()
    options.locale_code = CRON_LOCALES.get(translation.get_language() or "vi", "vi_VN")
    options.use_24hour_time_format = True
    try:
        return f"{ExpressionDescriptor(expression, options).get_description()} ({crontab.timezone})"
    except (MissingFieldException, FormatException, WrongArgumentException):
        return f"{expression} ({crontab.timezone})"


# "Task Name" is a plain string in django-celery-beat's model (no gettext): the list filter reads it.
PeriodicTask._meta.get_field("task").verbose_name = _("Task name")

admin.site.unregister(PeriodicTask)
admin.site.unregister(CrontabSchedule)


@admin.register(PeriodicTask)
class PortalPeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    list_display = ("name", "enabled", "schedule_display", "start_time", "last_run_at", "one_off")

    @admin.display(description=_("Schedule"))
    def schedule_display(self, task: PeriodicTask) -> str:
        if task.crontab_id:
            return crontab_description(task.crontab)
        return str(task.interval or task.solar or task.clocked or "-")

    @admin.display(description=_("Schedule in words"))
    def crontab_translation(self, task: PeriodicTask) -> str:
        return crontab_description(task.crontab)


@admin.register(CrontabSchedule)
class PortalCrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin):
    list_display = ("__str__", "in_words")
    fields = ("in_words", "minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone")
    readonly_fields = ("in_words",)

    @admin.display(description=_("Schedule in words"))
    def in_words(self, crontab: CrontabSchedule) -> str:
        return crontab_description(crontab) if crontab.pk else "-"
