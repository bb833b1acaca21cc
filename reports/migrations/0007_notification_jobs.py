"""The notification jobs (issue 12) in the beat's schedule, in the agency's time zone.

- the deadline scan, daily at 07:00 (due in 7 days, tomorrow, newly overdue);
- the daily digest at 07:30, after the scan, so the morning's deadlines are in it;
- the immediate e-mails' sweep every 5 minutes (a safety net: each event queues the job itself).

Created only if missing (by name), so an admin's edit survives a second run.
"""

from django.db import migrations

TZ = "Asia/Ho_Chi_Minh"
JOBS = [
    # (name, task, minute, hour, description)
    (
        "Cảnh báo hạn hoàn thành (07:00 hằng ngày)",
        "reports.tasks.notify_deadlines_task",
        "0",
        "7",
        "Thông báo nhiệm vụ đến hạn trong 7 ngày, đến hạn ngày mai và mới quá hạn.",
    ),
    (
        "Thư tổng hợp thông báo (07:30 hằng ngày)",
        "reports.tasks.send_notification_digest_task",
        "30",
        "7",
        "Gửi mỗi người một thư tổng hợp các thông báo họ chọn nhận theo ngày.",
    ),
    (
        "Gửi thư thông báo còn chờ (5 phút một lần)",
        "reports.tasks.send_notification_emails_task",
        "*/5",
        "*",
        "Gửi các thư thông báo ngay chưa gửi được (dự phòng khi không đưa được việc vào hàng đợi).",
    ),
]


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, minute, hour, description in JOBS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone=TZ
        )
        PeriodicTask.objects.create(name=name, task=task, crontab=crontab, description=description, enabled=True)
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[job[0] for job in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0006_bounded_snapshots")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
