"""Sending weekly-report jobs to the queue.

Kept apart from services.py so that the services never import the Celery
jobs (reports/tasks.py imports the services): the import graph stays
acyclic, services -> nothing here, tasks -> services, enqueue -> tasks.
"""

from celery import group
from django.db import transaction

from tasks.models import WorkPlan

from .services import report_week_check
from .tasks import build_weekly_report_task


def weekly_reports_enqueue(*, plan: WorkPlan, weeks: list[tuple[int, int]], queue: str | None = None):
    """Send one build job per week through the queue (a group) now and return
    the GroupResult. For callers outside a transaction (build_reports); from
    inside one use weekly_report_enqueue_on_commit, so a worker never looks
    for rows that are not committed yet. Raises ValidationError for a week
    outside the plan, before anything is sent."""
    for iso_year, iso_week in weeks:
        report_week_check(plan=plan, iso_year=iso_year, iso_week=iso_week)
    jobs = group(build_weekly_report_task.s(plan.pk, year, week) for year, week in weeks)
    return jobs.apply_async(queue=queue) if queue else jobs.apply_async()


def weekly_report_enqueue_on_commit(*, plan_id: int, iso_year: int, iso_week: int) -> None:
    """Queue one week's rebuild once the current transaction commits."""
    transaction.on_commit(lambda: build_weekly_report_task.delay(plan_id, iso_year, iso_week))
