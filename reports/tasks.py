"""Celery jobs. Each takes ids, wraps one service and is safe to run twice.

acks_late: a job whose worker dies mid-way goes back to the queue (with
CELERY_TASK_REJECT_ON_WORKER_LOST). Transient database or broker errors are
retried with exponential back-off; anything else fails loudly.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tasks.models import WorkPlan

from . import services

TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerOperationalError, RedisConnectionError, RedisTimeoutError)
RELIABLE = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RELIABLE)
def build_weekly_report_task(plan_id: int, iso_year: int, iso_week: int) -> dict:
    plan = WorkPlan.objects.get(pk=plan_id)
    report = services.weekly_report_build(plan=plan, iso_year=iso_year, iso_week=iso_week)
    return {"id": report.pk, "week": report.week_label, "snapshot_hash": report.snapshot_hash}


@shared_task(**RELIABLE)
def send_weekly_report_task(report_id: int, force: bool = False) -> int:
    from .models import WeeklyReport

    return services.weekly_report_send(report=WeeklyReport.objects.get(pk=report_id), force=force)


@shared_task(**RELIABLE)
def build_due_weekly_reports_task() -> list[str]:
    return [report.week_label for report in services.due_weekly_reports_build()]


@shared_task(**RELIABLE)
def send_update_reminders_task() -> int:
    return services.update_reminders_send()


def result_wait(result, *, timeout: float, poll: float = 0.2):
    """Wait for a job's result by reading the stored state, then return it.

    AsyncResult.get() on the Redis backend waits on a pub/sub notification,
    which a waiter can miss (seen with several waiters at once), and then sits
    until its timeout although the result is stored. Polling the stored state
    is a plain GET per poll and also survives a reconnect to Redis.
    Raises celery.exceptions.TimeoutError, or the job's own exception.
    """
    import time

    from celery.exceptions import TimeoutError as CeleryTimeoutError

    deadline = time.monotonic() + timeout
    while not result.ready():
        if time.monotonic() > deadline:
            raise CeleryTimeoutError(f"job {result.id} not finished after {timeout:.0f} s")
        time.sleep(poll)
    return result.get(propagate=True)
