import importlib
from datetime import date

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.db import OperationalError, connection
from django.db.migrations.loader import MigrationLoader
from django_celery_beat.models import PeriodicTask

from reports import tasks as jobs
from reports.models import ReminderLog, WeeklyReport
from reports.services import due_weekly_reports_build, update_reminders_send, weekly_report_build

pytestmark = pytest.mark.django_db

MONDAY_AFTER_W26 = date(2020, 6, 29)
FRIDAY_OF_W26 = date(2020, 6, 26)


def built_weeks():
    return list(WeeklyReport.objects.order_by("iso_week").values_list("iso_week", flat=True))


def test_monday_job_builds_the_missed_weeks_and_emails_the_week_just_ended_once(world, settings):
    settings.REPORT_EXTRA_RECIPIENTS = ["vanthu@example.vn"]
    settings.REPORT_FROM_EMAIL = "Báo cáo <bao-cao@example.vn>"
    weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=23)  # the beat then stopped

    due_weekly_reports_build(today=MONDAY_AFTER_W26)

    assert built_weeks() == [23, 24, 25, 26]
    assert sorted(tuple(m.to) for m in mail.outbox) == [
        ("head-a@example.vn",),
        ("lanhdao@example.vn", "vanthu@example.vn"),
    ]
    general = next(m for m in mail.outbox if "lanhdao@example.vn" in m.to)
    assert general.subject == "Báo cáo tuần 2020-W26 (22/06/2020 – 28/06/2020)"
    assert general.from_email == "Báo cáo <bao-cao@example.vn>"
    assert [(name, mime) for name, _content, mime in general.attachments] == [
        ("bao-cao-tuan-2020-W26.pdf", "application/pdf")
    ]
    assert general.attachments[0][1][:5] == b"%PDF-"
    html, mime = general.alternatives[0]
    assert mime == "text/html" and "Hoàn thành đúng hạn" in html
    assert "Hoàn thành đúng hạn: 1" in general.body
    head = next(m for m in mail.outbox if m.to == ["head-a@example.vn"])
    # The head's own unit comes first, then the whole plan.
    assert head.body.index("== Vụ Tiêu chuẩn ==") < head.body.index("== Toàn bộ kế hoạch ==")
    assert "NV-01 Xây dựng TCVN" in head.body.split("== Toàn bộ kế hoạch ==")[0]
    assert WeeklyReport.objects.get(iso_week=26).emailed_at is not None
    assert WeeklyReport.objects.get(iso_week=25).emailed_at is None

    mail.outbox.clear()
    due_weekly_reports_build(today=MONDAY_AFTER_W26)

    assert mail.outbox == []
    assert built_weeks() == [23, 24, 25, 26]


def test_monday_job_task_runs_in_embedded_mode(world, monkeypatch):
    monkeypatch.setattr("reports.services.local_today", lambda: MONDAY_AFTER_W26)

    result = jobs.build_due_weekly_reports_task.delay()

    assert result.get() == ["2020-W23", "2020-W24", "2020-W25", "2020-W26"]


def test_friday_reminder_goes_once_to_units_with_work_in_progress_and_no_update(world):
    assert update_reminders_send(today=FRIDAY_OF_W26) == 1
    assert update_reminders_send(today=FRIDAY_OF_W26) == 0

    assert [m.to for m in mail.outbox] == [["staff-b@example.vn"]]
    assert "VU-B" in mail.outbox[0].subject and "2020-W26" in mail.outbox[0].subject
    assert "Vụ Đo lường" in mail.outbox[0].body
    assert list(ReminderLog.objects.values_list("unit__code", "iso_year", "iso_week", "recipients")) == [
        ("VU-B", 2020, 26, 1)
    ]


def test_a_failed_reminder_send_is_not_recorded_so_the_retry_sends_it(world, monkeypatch):
    # Given the mail server down for the first run
    with monkeypatch.context() as patch:

        def broken(self, *args, **kwargs):
            raise OSError("SMTP down")

        patch.setattr("django.core.mail.EmailMessage.send", broken)
        with pytest.raises(OSError):
            update_reminders_send(today=FRIDAY_OF_W26)
    assert ReminderLog.objects.count() == 0
    assert mail.outbox == []

    # When the job is retried with the server back
    assert update_reminders_send(today=FRIDAY_OF_W26) == 1

    # Then the reminder goes out once and is recorded, and a further run sends nothing
    assert [m.to for m in mail.outbox] == [["staff-b@example.vn"]]
    assert list(ReminderLog.objects.values_list("unit__code", "recipients")) == [("VU-B", 1)]
    assert update_reminders_send(today=FRIDAY_OF_W26) == 0
    assert len(mail.outbox) == 1


def test_jobs_are_acked_late_and_retry_transient_errors_with_backoff():
    for job in (
        jobs.build_weekly_report_task,
        jobs.build_due_weekly_reports_task,
        jobs.send_update_reminders_task,
        jobs.send_weekly_report_task,
    ):
        assert job.acks_late is True
        assert OperationalError in job.autoretry_for
        assert job.retry_backoff and job.max_retries == 5


def test_beat_schedule_rows_exist_with_the_agency_time_zone():
    migration = importlib.import_module("reports.migrations.0002_beat_schedule")
    assert ("reports", "0002_beat_schedule") in MigrationLoader(connection).applied_migrations
    # Transactional tests elsewhere may flush the table: recreate it the way the migration does.
    PeriodicTask.objects.filter(name__in=[job[0] for job in migration.JOBS]).delete()
    migration.create_schedule(django_apps, None)
    migration.create_schedule(django_apps, None)  # idempotent

    rows = {
        p.task: (p.crontab.minute, p.crontab.hour, p.crontab.day_of_week, str(p.crontab.timezone), p.enabled)
        for p in PeriodicTask.objects.select_related("crontab").filter(task__startswith="reports.")
    }
    assert rows == {
        "reports.tasks.send_update_reminders_task": ("0", "14", "5", "Asia/Ho_Chi_Minh", True),
        "reports.tasks.build_due_weekly_reports_task": ("0", "7", "1", "Asia/Ho_Chi_Minh", True),
    }
    assert set(rows) <= {jobs.send_update_reminders_task.name, jobs.build_due_weekly_reports_task.name}
