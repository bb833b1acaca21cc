"""Jobs cannot stall or duplicate: time limits, visibility timeout, database
limits, the outbox's transaction rule, the catch-up's rebuilds and orphan clean-up."""

import os
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection, transaction

from plan_portal.celery import _worker_database_limits
from plan_portal.settings import base as base_settings
from plan_portal.tests.factories import at
from reports import tasks as jobs
from reports.models import OutboxMessage, WeeklyReport
from reports.outbox import Draft, outbox_add, outbox_send
from reports.services import due_weekly_reports_build, report_files_cleanup, weekly_report_build

pytestmark = pytest.mark.django_db

ALL_JOBS = (
    jobs.build_weekly_report_task,
    jobs.send_weekly_report_task,
    jobs.build_due_weekly_reports_task,
    jobs.send_update_reminders_task,
)


def test_every_job_has_a_soft_and_a_hard_time_limit_below_the_visibility_timeout():
    limits = {job.name: (job.soft_time_limit, job.time_limit) for job in ALL_JOBS}

    assert limits == {
        "reports.tasks.build_weekly_report_task": (120, 150),
        "reports.tasks.send_weekly_report_task": (270, 300),
        "reports.tasks.build_due_weekly_reports_task": (270, 300),
        "reports.tasks.send_update_reminders_task": (270, 300),
    }
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    # A job still running is never handed out twice, and a killed worker's job
    # comes back within minutes (it was an hour).
    assert jobs.LONGEST_JOB_SECONDS < visibility <= 6 * 60
    # A retry waits in the worker unacknowledged until its countdown: it must
    # come due before the broker hands the message out again.
    assert jobs.RELIABLE["retry_backoff_max"] < visibility


def test_web_connections_time_out_within_5_seconds_and_workers_get_longer_limits():
    if connection.vendor != "postgresql":
        pytest.skip("statement and lock timeouts are PostgreSQL settings")
    # What every web process connects with (the test process itself has the
    # workers' limits; plan_portal/tests/test_faults.py runs a server with these).
    options = base_settings.DATABASES["default"]["OPTIONS"]["options"]
    assert "-c statement_timeout=4000" in options and "-c lock_timeout=3000" in options

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '4s'; SET lock_timeout = '3s'")
    _worker_database_limits(sender=None, connection=connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout'), current_setting('lock_timeout')")
        assert cursor.fetchone() == ("1min", "30s")


def _draft(n: int) -> Draft:
    return Draft(
        key=f"test:{n}", batch="test", kind="test", recipient=f"nguoi{n}@example.vn", subject="S", body_text="B"
    )


def test_the_outbox_refuses_to_send_inside_a_transaction_and_sends_nothing(transactional_db):
    outbox_add(drafts=[_draft(1)])

    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_send(batch="test")

    assert mail.outbox == []
    assert list(OutboxMessage.objects.values_list("state", "attempts")) == [("pending", 0)]
    assert outbox_send(batch="test").sent == 1
    assert [m.to for m in mail.outbox] == [["nguoi1@example.vn"]]


def test_the_same_draft_added_twice_is_one_message(transactional_db):
    outbox_add(drafts=[_draft(1), _draft(2)])
    outbox_add(drafts=[_draft(1), _draft(2)])

    first, second = outbox_send(batch="test"), outbox_send(batch="test")

    assert (first.sent, first.pending, second.sent) == (2, 0, 0)
    assert sorted(m.to[0] for m in mail.outbox) == ["nguoi1@example.vn", "nguoi2@example.vn"]


def test_the_week_just_ended_is_emailed_from_monday_7_oclock_only(world):
    monday = date(2020, 6, 29)

    due_weekly_reports_build(now=at(monday, 6))
    assert [m.subject for m in mail.outbox] == []
    assert not WeeklyReport.objects.filter(iso_week=26, emailed_at__isnull=False).exists()

    due_weekly_reports_build(now=at(monday, 7))
    assert len(mail.outbox) == 2
    assert WeeklyReport.objects.get(iso_week=26).emailed_at is not None


def test_a_rebuild_that_could_not_be_queued_is_done_by_the_catch_up(world):
    # given: W24 was built, then an admin asked for a rebuild while the broker was down
    plan = world["plan"]
    report = weekly_report_build(plan=plan, iso_year=2020, iso_week=24)
    WeeklyReport.objects.filter(pk=report.pk).update(generated_at=at(date(2020, 6, 22)))
    WeeklyReport.objects.filter(pk=report.pk).update(rebuild_requested_at=at(date(2020, 7, 1)))

    # when: the catch-up runs (W24 is not missing, not the week just ended)
    built = due_weekly_reports_build(now=at(date(2020, 7, 1), 9))

    # then
    assert "2020-W24" in [r.week_label for r in built]
    report.refresh_from_db()
    assert report.rebuild_requested_at is None
    assert report.generated_at > at(date(2020, 6, 22))


def test_the_catch_up_removes_old_files_no_report_uses_and_keeps_the_rest(world, media_root):
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    folder = Path(media_root, "reports", "2020")
    old = time.time() - 3600
    orphan = folder / "2020-W26-0000000000000000.pdf"
    partial = folder / ".partial-abc123"
    young = folder / "2020-W26-1111111111111111.xlsx"
    attached = folder / "2020-W25-2222222222222222.pdf"
    for path in (orphan, partial, young, attached):
        path.write_bytes(b"x")
    for path in (orphan, partial, attached, Path(media_root, report.pdf_file.name)):
        os.utime(path, (old, old))
    outbox_add(drafts=[Draft(**{**_draft(1).__dict__, "attachment_path": "reports/2020/" + attached.name})])

    removed = report_files_cleanup(grace=timedelta(minutes=15))

    assert removed == ["reports/2020/.partial-abc123", "reports/2020/2020-W26-0000000000000000.pdf"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [young.name, attached.name, Path(report.pdf_file.name).name, Path(report.xlsx_file.name).name]
    )


def test_the_admin_rebuild_action_records_the_request_and_queues_the_build(world, superuser_client):
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    WeeklyReport.objects.filter(pk=report.pk).update(generated_at=at(date(2020, 6, 29)))

    response = superuser_client.post(
        "/admin/reports/weeklyreport/", {"action": "rebuild", "_selected_action": [str(report.pk)]}, follow=True
    )

    assert response.status_code == 200
    assert "1 report queued for rebuilding." in response.content.decode()
    report.refresh_from_db()
    assert report.generated_at > at(date(2020, 6, 29))  # built (jobs run in-process here)
    assert report.rebuild_requested_at is None


def test_a_recipient_refused_every_time_is_given_up_and_the_others_get_theirs(world, settings, monkeypatch):
    # given: the server refuses one address, always
    settings.OUTBOX_MAX_ATTEMPTS = 2
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    real_send = locmem.EmailBackend.send_messages

    def refuse_lanhdao(self, messages):
        if messages[0].to == ["lanhdao@example.vn"]:
            raise OSError("550 mailbox unavailable")
        return real_send(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse_lanhdao)

    # when: the job runs, fails for that one, and is retried
    with pytest.raises(jobs.OutboxIncomplete):
        jobs.send_weekly_report_task.run(report.pk)
    assert jobs.send_weekly_report_task.run(report.pk) == 0

    # then
    assert [m.to for m in mail.outbox] == [["head-a@example.vn"]]
    assert sorted(OutboxMessage.objects.values_list("recipient", "state", "attempts")) == [
        ("head-a@example.vn", "sent", 1),
        ("lanhdao@example.vn", "failed", 2),
    ]
    assert "550 mailbox unavailable" in OutboxMessage.objects.get(state="failed").last_error
    report.refresh_from_db()
    assert report.emailed_at is not None  # nothing pending any more: set once
    assert jobs.send_weekly_report_task.run(report.pk) == 0
    assert len(mail.outbox) == 1


def test_outgoing_emails_are_listed_read_only_in_the_admin(world, superuser_client):
    outbox_add(drafts=[_draft(1)])

    response = superuser_client.get("/admin/reports/outboxmessage/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "nguoi1@example.vn" in html and "test:1" in html
    assert "/admin/reports/outboxmessage/add/" not in html
