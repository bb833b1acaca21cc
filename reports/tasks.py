"""Celery jobs. Each takes ids, wraps one service and is safe to run twice.

acks_late: a job whose worker dies mid-way goes back to the queue (with
CELERY_TASK_REJECT_ON_WORKER_LOST; a worker killed outright: after the broker's
visibility timeout, which fits the longest job below). Transient database or
broker errors, and e-mails still pending, are retried with exponential
back-off; anything else fails loudly. Every job has a soft time limit (the
job stops, its files are cleaned up) and a hard one (the process is killed);
services also get a deadline so they stop starting new work before the soft
limit and leave the rest to the next run.
"""

import time

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tasks.models import WorkPlan

from . import services
from .outbox import OutboxIncomplete

TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    BrokerOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    OutboxIncomplete,
)
RELIABLE = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}
# (soft, hard) seconds. The broker's visibility timeout
# (CELERY_BROKER_TRANSPORT_OPTIONS) must stay above the longest hard limit.
TIME_LIMITS = {
    "build": (120, 150),  # one week: queries, XLSX, PDF
    "send": (270, 300),  # one report's e-mails (a slow SMTP server: 4 s a message)
    "due": (270, 300),  # the catch-up: the deadline stops it in time, the next run goes on
    "remind": (270, 300),
    "notify": (270, 300),  # notification e-mails and the digest (a slow SMTP server), the deadline scan
}
LONGEST_JOB_SECONDS = max(hard for _soft, hard in TIME_LIMITS.values())


def limits(name: str) -> dict:
    soft, hard = TIME_LIMITS[name]
    return {**RELIABLE, "soft_time_limit": soft, "time_limit": hard}


def deadline(name: str) -> float:
    """When a service should stop starting new work: well before the soft limit."""
    soft, _hard = TIME_LIMITS[name]
    return time.monotonic() + soft * 0.8


@shared_task(**limits("build"))
def build_weekly_report_task(plan_id: int, iso_year: int, iso_week: int) -> dict:
    plan = WorkPlan.objects.get(pk=plan_id)
    report = services.weekly_report_build(plan=plan, iso_year=iso_year, iso_week=iso_week)
    return {"id": report.pk, "week": report.week_label, "snapshot_hash": report.snapshot_hash}


@shared_task(**limits("send"))
def send_weekly_report_task(report_id: int) -> int:
    from .models import WeeklyReport

    report = WeeklyReport.objects.get(pk=report_id)
    return services.weekly_report_send(report=report, deadline=deadline("send"))


@shared_task(**limits("due"))
def build_due_weekly_reports_task() -> list[str]:
    return [report.week_label for report in services.due_weekly_reports_build(deadline=deadline("due"))]


@shared_task(**limits("remind"))
def send_update_reminders_task() -> int:
    return services.update_reminders_send(deadline=deadline("remind"))


@shared_task(**limits("notify"))
def send_notification_emails_task() -> int:
    """Queued by tasks after an event's commit (by name), and run by the beat every few minutes."""
    from .notifications import notification_emails_send

    return notification_emails_send(deadline=deadline("notify"))


@shared_task(**limits("notify"))
def send_notification_digest_task() -> int:
    from .notifications import notification_digest_send

    return notification_digest_send(deadline=deadline("notify"))


@shared_task(**limits("notify"))
def notify_deadlines_task() -> int:
    from tasks.notifications import deadline_notifications_create
    from tasks.selectors import local_today

    return deadline_notifications_create(today=local_today())


def result_wait(result, *, timeout: float, poll: float = 0.2):
    """Wait for a job's result by reading the stored state, then return it.

    AsyncResult.get() on the Redis backend waits on a pub/sub notification,
    which a waiter can miss (seen with several waiters at once), and then sits
    until its timeout although the result is stored. Polling the stored state
    is a plain GET per poll and also survives a reconnect to Redis.
    Raises celery.exceptions.TimeoutError, or the job's own exception.
    """
    from celery.exceptions import TimeoutError as CeleryTimeoutError

    deadline = time.monotonic() + timeout
    while not result.ready():
        if time.monotonic() > deadline:
            raise CeleryTimeoutError(f"job {result.id} not finished after {timeout:.0f} s")
        time.sleep(poll)
    return result.get(propagate=True)
