import importlib
from datetime import date

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.db import OperationalError, connection
from django.db.migrations.loader import MigrationLoader
from django_celery_beat.models import PeriodicTask

from plan_portal.tests.factories import at
from reports import tasks as jobs
from reports.models import OutboxMessage, ReminderLog, WeeklyReport
from reports.outbox import OutboxIncomplete
from reports.services import due_weekly_reports_build, update_reminders_send, weekly_report_build

pytestmark = pytest.mark.django_db

MONDAY_AFTER_W26 = date(2020, 6, 29)
MONDAY_8AM = at(MONDAY_AFTER_W26, 8)
FRIDAY_OF_W26 = date(2020, 6, 26)


def built_weeks():
    return list(WeeklyReport.objects.order_by("iso_week").values_list("iso_week", flat=True))


def test_monday_job_builds_the_missed_weeks_and_emails_the_week_just_ended_once(world, settings):
    settings.REPORT_EXTRA_RECIPIENTS = ["vanthu@example.vn"]
    settings.REPORT_FROM_EMAIL = "Báo cáo <bao-cao@example.vn>"
    weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=23)  # the beat then stopped

    due_weekly_reports_build(now=MONDAY_8AM)

    assert built_weeks() == [23, 24, 25, 26]
    # One message per recipient, each recorded in the outbox.
    assert sorted(tuple(m.to) for m in mail.outbox) == [
        ("head-a@example.vn",),
        ("lanhdao@example.vn",),
        ("vanthu@example.vn",),
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
    due_weekly_reports_build(now=MONDAY_8AM)

    assert mail.outbox == []
    assert built_weeks() == [23, 24, 25, 26]


def test_monday_job_task_runs_in_embedded_mode(world, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: MONDAY_8AM)

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


def test_a_failed_reminder_send_stays_pending_so_the_retry_sends_it_once(world, monkeypatch):
    def broken(self, messages):
        raise OSError("SMTP down")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
        with pytest.raises(OutboxIncomplete):
            update_reminders_send(today=FRIDAY_OF_W26)
    assert mail.outbox == []
    assert list(OutboxMessage.objects.values_list("recipient", "state", "attempts")) == [
        ("staff-b@example.vn", "pending", 1)
    ]

    assert update_reminders_send(today=FRIDAY_OF_W26) == 0  # already reminded: only the retry
    assert update_reminders_send(today=FRIDAY_OF_W26) == 0

    assert [m.to for m in mail.outbox] == [["staff-b@example.vn"]]
    assert list(OutboxMessage.objects.values_list("recipient", "state", "attempts")) == [
        ("staff-b@example.vn", "sent", 2)
    ]


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
    catch_up = importlib.import_module("reports.migrations.0004_catch_up_schedule")
    vietnamese = importlib.import_module("reports.migrations.0005_vietnamese_job_names")
    assert ("reports", "0005_vietnamese_job_names") in MigrationLoader(connection).applied_migrations
    # Transactional tests elsewhere may flush the table: recreate it the way the migrations do.
    PeriodicTask.objects.filter(task__startswith="reports.").delete()
    for _run in range(2):  # idempotent
        migration.create_schedule(django_apps, None)
        catch_up.create_schedule(django_apps, None)
    for _run in range(2):
        vietnamese.rename(django_apps, None)

    rows = {
        p.name: (p.task, p.crontab.minute, p.crontab.hour, p.crontab.day_of_week, str(p.crontab.timezone), p.enabled)
        for p in PeriodicTask.objects.select_related("crontab").filter(task__startswith="reports.")
    }
    assert rows == {
        "Nhắc cập nhật tiến độ hằng tuần (thứ Sáu 14:00)": (
            "reports.tasks.send_update_reminders_task",
            "0",
            "14",
            "5",
            "Asia/Ho_Chi_Minh",
            True,
        ),
        "Báo cáo tuần (thứ Hai 07:00)": (
            "reports.tasks.build_due_weekly_reports_task",
            "0",
            "7",
            "1",
            "Asia/Ho_Chi_Minh",
            True,
        ),
        "Lập bù báo cáo tuần (10 phút một lần)": (
            "reports.tasks.build_due_weekly_reports_task",
            "*/10",
            "*",
            "*",
            "Asia/Ho_Chi_Minh",
            True,
        ),
    }
    assert {task for task, *_ in rows.values()} == {
        jobs.send_update_reminders_task.name,
        jobs.build_due_weekly_reports_task.name,
    }
