"""The catch-up run of build_due_weekly_reports_task every 10 minutes.

It builds weeks a stopped beat or a killed worker missed and rebuilds that
could not be queued, sends e-mails still pending, and removes unused report
files; the week just ended is e-mailed from Monday 07:00 (REPORT_SEND_HOUR).
Created only if missing, so an admin's edit survives.
"""

from django.db import migrations

TZ = "Asia/Ho_Chi_Minh"
NAME = "Weekly reports catch-up (every 10 minutes)"
TASK = "reports.tasks.build_due_weekly_reports_task"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if not PeriodicTask.objects.filter(name=NAME).exists():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute="*/10", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone=TZ
        )
        PeriodicTask.objects.create(
            name=NAME,
            task=TASK,
            crontab=crontab,
            description="Build missed weeks and asked-for rebuilds, send pending e-mails, remove unused files.",
            enabled=True,
        )
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_outbox")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
