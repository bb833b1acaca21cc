"""Sending weekly-report jobs to the queue.

Kept apart from services.py so that the services never import the Celery
jobs (reports/tasks.py imports the services): the import graph stays
acyclic, services -> nothing here, tasks -> services, enqueue -> tasks.
"""

import logging
from concurrent.futures import ThreadPoolExecutor

from celery import group
from django.conf import settings
from django.utils import timezone

from tasks.models import WorkPlan

from .models import WeeklyReport
from .services import report_week_check
from .tasks import build_weekly_report_task

logger = logging.getLogger(__name__)

# One thread per process: publishes stuck on a frozen broker never pile up.
_publisher: ThreadPoolExecutor | None = None


def weekly_reports_enqueue(*, plan: WorkPlan, weeks: list[tuple[int, int]], queue: str | None = None):
    """Send one build job per week through the queue (a group) now and return
    the GroupResult. For commands (build_reports), which may wait on the
    broker; a request uses weekly_reports_request_rebuild, which never does.
    Raises ValidationError for a week outside the plan, before anything is sent."""
    for iso_year, iso_week in weeks:
        report_week_check(plan=plan, iso_year=iso_year, iso_week=iso_week)
    jobs = group(build_weekly_report_task.s(plan.pk, year, week) for year, week in weeks)
    return jobs.apply_async(queue=queue) if queue else jobs.apply_async()


def job_enqueue(job, *args) -> bool:
    """Queue a job from a request without ever waiting long on the broker.

    One publish attempt (no retries, no result subscription) in a helper
    thread, waited for JOB_ENQUEUE_TIMEOUT_SECONDS at most: a frozen Redis
    accepts the connection and then never answers, which the socket timeouts
    alone turn into many seconds. False (logged) when the job could not be
    queued in time; the caller has recorded what is wanted, so the catch-up
    job does it. A publish that finishes late only queues an idempotent job.
    """
    global _publisher
    if job.app.conf.task_always_eager:  # embedded mode: the job runs here and now
        job.apply_async(args=args)
        return True
    if _publisher is None:
        _publisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="job-enqueue")
    future = _publisher.submit(job.apply_async, args=args, retry=False, ignore_result=True)
    try:
        future.result(timeout=settings.JOB_ENQUEUE_TIMEOUT_SECONDS)
    except Exception:  # a timeout, or any kombu/redis error: the request must not fail
        logger.warning("Could not queue %s%r; the catch-up job will do it", job.name, args, exc_info=True)
        return False
    return True


def weekly_reports_request_rebuild(*, report_ids: list[int]) -> int:
    """Ask for rebuilds (the admin action). The request is recorded first
    (`rebuild_requested_at`), then each job is queued without waiting on the
    broker; a job that could not be queued is built by the catch-up job.
    Returns the number of jobs queued."""
    WeeklyReport.objects.filter(pk__in=report_ids).update(rebuild_requested_at=timezone.now())
    rows = WeeklyReport.objects.filter(pk__in=report_ids).values_list("plan_id", "iso_year", "iso_week")
    queued = 0
    for plan_id, iso_year, iso_week in rows:
        if not job_enqueue(build_weekly_report_task, plan_id, iso_year, iso_week):
            break  # the broker is unreachable: do not wait on it once per report
        queued += 1
    return queued
