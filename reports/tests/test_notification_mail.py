"""Notifications' e-mail and jobs (issue 12): the beat's schedule, the weekly report event,
a refusing SMTP server never sending anyone a message twice, jobs run twice doing things once."""

from datetime import timedelta

import pytest
from django.core import mail
from django_celery_beat.models import PeriodicTask

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, WorkPlanFactory, member
from plan_portal.tests.fakes import SMTPBehaviour, fake_smtp
from reports import tasks as jobs
from reports.models import OutboxMessage
from reports.notifications import notification_emails_send
from reports.services import weekly_report_build
from tasks.models import Notification
from tasks.notifications import Event, notify_events
from tasks.selectors import local_today, week_bounds
from units.models import Membership


def test_the_beat_runs_the_deadline_scan_at_7_the_digest_at_7_30_and_a_sweep_every_5_minutes(db):
    jobs_by_task = {
        job.task: (job.crontab.minute, job.crontab.hour, str(job.crontab.timezone), job.enabled)
        for job in PeriodicTask.objects.filter(task__contains="notif").select_related("crontab")
    }
    assert jobs_by_task == {
        "reports.tasks.notify_deadlines_task": ("0", "7", "Asia/Ho_Chi_Minh", True),
        "reports.tasks.send_notification_digest_task": ("30", "7", "Asia/Ho_Chi_Minh", True),
        "reports.tasks.send_notification_emails_task": ("*/5", "*", "Asia/Ho_Chi_Minh", True),
    }


def test_the_week_just_ended_tells_leadership_once_and_an_old_week_nobody(db):
    # Given a plan running this year, Leadership and a unit head
    today = local_today()
    plan = WorkPlanFactory(
        year=today.year, start_date=today - timedelta(days=120), end_date=today + timedelta(days=120)
    )
    unit = UnitFactory(code="VU-TC")
    TaskFactory(plan=plan, lead_unit=unit)
    UserFactory(username="lanhdao", leadership=True)
    member(unit, Membership.Role.HEAD, username="truong")
    monday, _sunday = week_bounds(today)
    last = (monday - timedelta(days=7)).isocalendar()
    old = (monday - timedelta(days=28)).isocalendar()

    # When the week just ended is built twice, and an older week once
    weekly_report_build(plan=plan, iso_year=last.year, iso_week=last.week)
    weekly_report_build(plan=plan, iso_year=last.year, iso_week=last.week)
    weekly_report_build(plan=plan, iso_year=old.year, iso_week=old.week)

    # Then Leadership alone is told, once, with a link to the report
    rows = list(Notification.objects.values_list("kind", "recipient__username", "url"))
    assert rows == [("weekly_report", "lanhdao", f"/reports/{last.year}/W{last.week}/")]


def test_the_deadline_job_run_twice_tells_each_person_once(db):
    today = local_today()
    unit = UnitFactory(code="VU-HAN")
    member(unit, username="nv")
    TaskFactory(lead_unit=unit, start_date=today - timedelta(days=10), due_date=today + timedelta(days=1))

    jobs.notify_deadlines_task.apply()
    jobs.notify_deadlines_task.apply()

    assert list(Notification.objects.values_list("kind", "recipient__username")) == [("due_1", "nv")]


def test_a_refusing_smtp_server_never_sends_anyone_a_notification_twice(db, settings):
    # Given three people told of a mention at once, and an SMTP server refusing the first two messages
    people = [UserFactory(username=f"nguoi{i}") for i in range(3)]
    notify_events([Event(kind="mention", key="mention:1", user_ids=frozenset(p.pk for p in people), url="/tasks/1/")])
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_TIMEOUT = "127.0.0.1", 5
    behaviour = SMTPBehaviour(refuse_first=2)
    with fake_smtp(behaviour) as port:
        settings.EMAIL_PORT = port

        # When the job runs and is retried as a worker would, then runs again
        with pytest.raises(jobs.OutboxIncomplete):
            notification_emails_send()
        for _attempt in range(5):
            try:
                notification_emails_send()
                break
            except jobs.OutboxIncomplete:
                continue
        notification_emails_send()

    # Then each person got exactly one message
    delivered = sorted(address for message in behaviour.received for address in message.recipients)
    assert delivered == ["nguoi0@tcvn.gov.vn", "nguoi1@tcvn.gov.vn", "nguoi2@tcvn.gov.vn"]
    assert OutboxMessage.objects.filter(kind="notification", state="sent").count() == 3
    assert mail.outbox == []
