"""E-mail under real faults: a slow or refusing SMTP server (a real socket server
started here), PostgreSQL ending idle transactions, two catch-up runs at once.

Every recipient gets exactly one message, and `emailed_at` is set once.
The job's retries are played the way a worker does them: close the broken
connections, run the job again after a transient error.
"""

import threading
from pathlib import Path

import pytest
from django.db import close_old_connections, connection

from plan_portal.tests.factories import at
from plan_portal.tests.fakes import SMTPBehaviour, fake_smtp
from reports import tasks as jobs
from reports.models import OutboxMessage, WeeklyReport
from reports.services import due_weekly_reports_build, weekly_report_build, weekly_report_send

from .test_weekly_report_jobs import MONDAY_AFTER_W26

pytestmark = [pytest.mark.faults]

EXTRA = ["vanthu1@example.vn", "vanthu2@example.vn", "vanthu3@example.vn"]
EVERYONE = sorted(["head-a@example.vn", "lanhdao@example.vn", *EXTRA])


@pytest.fixture
def smtp(settings):
    """Point Django's SMTP backend at a fake server following `behaviour`."""

    def start(behaviour):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_TIMEOUT = 5
        server = fake_smtp(behaviour)
        settings.EMAIL_PORT = server.__enter__()
        started.append(server)
        return behaviour

    started = []
    settings.REPORT_EXTRA_RECIPIENTS = EXTRA
    yield start
    for server in started:
        server.__exit__(None, None, None)


def run_like_a_worker(job, attempts: int = 6):
    """Run `job()` and retry it on the errors the Celery job retries, as a worker would."""
    for _attempt in range(attempts):
        close_old_connections()
        try:
            return job()
        except jobs.TRANSIENT_ERRORS:
            continue
    raise AssertionError(f"still failing after {attempts} attempts")


def delivered_to(behaviour) -> list[str]:
    return sorted(address for message in behaviour.received for address in message.recipients)


def need_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL ends idle transactions; SQLite has no such limit")


def test_a_slow_smtp_server_while_postgresql_ends_idle_transactions_sends_each_message_once(
    transactional_db, world, smtp
):
    # given: 5 recipients, 0.3 s a message, and PostgreSQL ending a transaction idle for 0.5 s
    need_postgresql()
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    behaviour = smtp(SMTPBehaviour(delay=0.3))
    with connection.cursor() as cursor:
        cursor.execute("SET idle_in_transaction_session_timeout = '500ms'")

    # when: the job runs (and is retried if it fails), then runs again
    first = run_like_a_worker(lambda: weekly_report_send(report=report))
    second = run_like_a_worker(lambda: weekly_report_send(report=report))

    # then: everyone got exactly one message, with the PDF
    assert delivered_to(behaviour) == EVERYONE
    assert {tuple(m.attachments) for m in behaviour.received} == {("bao-cao-tuan-2020-W26.pdf",)}
    assert (first, second) == (5, 0)
    report.refresh_from_db()
    assert report.emailed_at is not None
    assert sorted(OutboxMessage.objects.values_list("recipient", "state", "attempts")) == [
        (address, "sent", 1) for address in EVERYONE
    ]


def test_a_refusing_then_dropping_smtp_server_still_delivers_each_message_once(transactional_db, world, smtp):
    # given: the server refuses the first two messages (451), then drops the connection on the third
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    behaviour = smtp(SMTPBehaviour(refuse_first=2, drop_first=1))

    # when
    with pytest.raises(jobs.OutboxIncomplete):
        weekly_report_send(report=report)
    report.refresh_from_db()
    assert report.emailed_at is None  # not all sent yet
    run_like_a_worker(lambda: weekly_report_send(report=report))

    # then
    assert delivered_to(behaviour) == EVERYONE
    report.refresh_from_db()
    assert report.emailed_at is not None
    assert sorted(OutboxMessage.objects.values_list("state", flat=True)) == ["sent"] * 5
    assert OutboxMessage.objects.filter(attempts=2).count() == 3  # the three refused ones, sent on the retry


def test_two_catch_up_runs_at_once_build_each_week_once_and_send_each_message_once(transactional_db, world, smtp):
    # given: a slow SMTP server, so the two runs overlap while sending
    behaviour = smtp(SMTPBehaviour(delay=0.1))
    monday = at(MONDAY_AFTER_W26, 8)
    errors = []

    def beat():
        try:
            run_like_a_worker(lambda: due_weekly_reports_build(now=monday))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    # when: two beats fire the catch-up at the same moment
    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then
    assert errors == []
    assert list(WeeklyReport.objects.order_by("iso_week").values_list("iso_week", flat=True)) == [23, 24, 25, 26]
    assert delivered_to(behaviour) == EVERYONE
    assert WeeklyReport.objects.get(iso_week=26).emailed_at is not None
    media = Path(world["plan"].weekly_reports.first().pdf_file.storage.location)
    on_disk = sorted(p.relative_to(media).as_posix() for p in (media / "reports").rglob("*") if p.is_file())
    used = sorted(name for row in WeeklyReport.objects.values_list("xlsx_file", "pdf_file") for name in row)
    assert on_disk == used

    # and a third run later sends nothing more
    run_like_a_worker(lambda: due_weekly_reports_build(now=monday))
    assert len(behaviour.received) == 5
