"""A worker killed outright (SIGKILL) while it builds a report, on a Redis
server of the test's own (a short visibility timeout must never hand out
other people's jobs on the shared Redis).

The report is then built by redelivery to another worker, and the beat's
catch-up builds what is missing and leaves no orphan file.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from plan_portal.tests.factories import at
from plan_portal.tests.fakes import RedisServer
from reports.models import WeeklyReport
from reports.services import due_weekly_reports_build

pytestmark = [pytest.mark.worker, pytest.mark.faults, pytest.mark.xdist_group("celery-worker")]
ROOT = Path(__file__).resolve().parents[2]
BUILD = "reports.tasks.build_weekly_report_task"


@pytest.fixture
def broker(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        message = "the killed-worker test needs PostgreSQL (a worker process reads the test database)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: refusing to skip)")
        pytest.skip(message)
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def start_worker(broker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    queue = f"killed-{uuid.uuid4().hex[:8]}"
    client = Celery(broker=broker.url(0))
    started = []

    def start(name: str) -> subprocess.Popen:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "plan_portal.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "REDIS_URL": broker.url(0),
            "BROKER_VISIBILITY_TIMEOUT": "2",
        }
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed at teardown
        hostname = f"{name}-{queue}@testhost"
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "plan_portal", "worker", "-P", "solo", "-Q", queue,
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", hostname, "-l", "INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append((process, log))
        deadline = time.monotonic() + 60
        while not client.control.ping(destination=[hostname], timeout=0.5):
            assert process.poll() is None, (tmp_path / f"{name}.log").read_text()[-2000:]
            assert time.monotonic() < deadline, f"worker {name} did not answer"
        return process

    start.queue = queue
    start.client = client
    yield start
    for process, log in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
    client.close()


def test_a_worker_killed_mid_build_the_report_comes_back_by_redelivery_and_no_orphan_is_left(
    start_worker, world, settings
):
    # given: a worker building week 26, killed once the XLSX is on disk (the PDF is being drawn)
    plan = world["plan"]
    folder = Path(settings.MEDIA_ROOT, "reports", "2020")
    first = start_worker("first")
    start_worker.client.send_task(BUILD, args=[plan.pk, 2020, 26], queue=start_worker.queue)
    deadline = time.monotonic() + 60
    while not list(folder.glob("2020-W26-*.xlsx")):
        assert time.monotonic() < deadline, "the worker never started the build"
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert not WeeklyReport.objects.filter(iso_week=26).exists()  # no row points at half a report
    left_by_the_kill = sorted(p.name for p in folder.iterdir())
    assert left_by_the_kill and not any(name.endswith(".pdf") for name in left_by_the_kill)

    # when: another worker runs (the broker hands the unacknowledged job out again)
    start_worker("second")
    deadline = time.monotonic() + 60
    while not WeeklyReport.objects.filter(iso_week=26).exists():
        assert time.monotonic() < deadline, "the killed worker's job was never handed out again"
        time.sleep(0.2)

    # then: the report is whole; the beat's catch-up builds the missing weeks and
    # leaves only files a report uses
    report = WeeklyReport.objects.get(iso_week=26)
    assert Path(settings.MEDIA_ROOT, report.pdf_file.name).read_bytes()[:5] == b"%PDF-"
    (folder / ".partial-left-by-a-kill").write_bytes(b"half")  # as a kill during a write leaves
    settings.REPORT_ORPHAN_GRACE_SECONDS = 0
    due_weekly_reports_build(now=at(date(2020, 6, 29), 6))
    assert sorted(WeeklyReport.objects.values_list("iso_week", flat=True)) == [23, 24, 25, 26]
    on_disk = sorted(p.relative_to(settings.MEDIA_ROOT).as_posix() for p in folder.iterdir())
    used = sorted(name for row in WeeklyReport.objects.values_list("xlsx_file", "pdf_file") for name in row)
    assert on_disk == used
