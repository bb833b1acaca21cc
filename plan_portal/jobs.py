"""Queue a Celery job by its name, from any app, without ever waiting long on the broker.

The domain app (tasks) must not import reports, which owns the jobs; it names
the job instead. Same rules as reports.enqueue.job_enqueue: one publish
attempt in a helper thread, waited for JOB_ENQUEUE_TIMEOUT_SECONDS at most, so
a frozen Redis never delays a page; what could not be queued is left to the
job's periodic run (the beat), which finds the work recorded in the database.
"""

import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

logger = logging.getLogger(__name__)

_publisher: ThreadPoolExecutor | None = None


def job_send(name: str, *args) -> bool:
    """Queue the job `name` (e.g. "reports.tasks.send_notification_emails_task").
    In embedded mode (task_always_eager) it runs here and now. False (logged)
    when the job could not be queued in time."""
    global _publisher
    from celery import current_app

    if current_app.conf.task_always_eager:
        current_app.tasks[name].apply(args=args)
        return True
    if _publisher is None:
        _publisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="job-send")
    future = _publisher.submit(current_app.send_task, name, args=args, retry=False, ignore_result=True)
    try:
        future.result(timeout=settings.JOB_ENQUEUE_TIMEOUT_SECONDS)
    except Exception:  # a timeout, or any kombu/redis error: the request must not fail
        logger.warning("Could not queue %s%r; its periodic run will do it", name, args, exc_info=True)
        return False
    return True
