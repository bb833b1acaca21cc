"""The two periodic jobs, in the agency's time zone, editable in the admin.

get_or_create by name: running migrations again (or after an admin changed
the time) never duplicates a job nor undoes the admin's edit.
"""

from django.db import migrations

TZ = "Asia/Ho_Chi_Minh"
JOBS = [
    # (name, task, day_of_week, hour, description)
    (
        "Weekly update reminders (Friday 14:00)",
        "reports.tasks.send_update_reminders_task",
        "5",
        "14",
        "E-mail the staff of each unit with tasks in progress and no update this week.",
    ),
    (
        "Weekly reports (Monday 07:00)",
        "reports.tasks.build_due_weekly_reports_task",
        "1",
        "7",
        "Build the report of the week just ended (and any missed week), then e-mail it.",
    ),
]


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, day_of_week, hour, description in JOBS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute="0", hour=hour, day_of_week=day_of_week, day_of_month="*", month_of_year="*", timezone=TZ
        )
        PeriodicTask.objects.create(name=name, task=task, crontab=crontab, description=description, enabled=True)
    # Tell a running beat (DatabaseScheduler) to reload its schedule.
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[job[0] for job in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_weekly_report"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
