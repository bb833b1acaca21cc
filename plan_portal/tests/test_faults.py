"""Faults caused for real against the portal served by gunicorn (as in production):
a Redis server of the test's own frozen (SIGSTOP) and stopped by PID, PostgreSQL
connections terminated, a table locked by another connection, and two people
posting 100 updates each at the same time.

Needs PostgreSQL and redis-server; under CI=true a missing one fails the run.
"""

import http.client
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client

from plan_portal.tests.factories import UserFactory
from plan_portal.tests.fakes import RedisServer, free_port
from reports.models import WeeklyReport
from tasks.models import ProgressUpdate, Task

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults-web")]
ROOT = Path(__file__).resolve().parents[2]


def _need_postgresql():
    if connection.vendor != "postgresql":
        message = "the fault tests need PostgreSQL (DATABASE_URL)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: refusing to skip)")
        pytest.skip(message)


class Browser:
    """A signed-in person talking HTTP to the server, with a deadline per request."""

    def __init__(self, port: int, session_key: str):
        self.port = port
        self.cookies = {"sessionid": session_key}

    def request(self, method: str, path: str, data: dict | None = None, timeout: float = 10):
        body = urllib.parse.urlencode(data or {}, doseq=True) if data is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Accept-Language": "vi"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text, time.monotonic() - started

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data, **kwargs):
        if "csrftoken" not in self.cookies:
            self.get("/tasks/")
        return self.request("POST", path, data=data, **kwargs)


def _wait_for_http(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited: {log_path.read_text()[-2000:]}")
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            probe.request("GET", "/accounts/login/")
            probe.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
        finally:
            probe.close()
    pytest.fail("gunicorn did not start")


@pytest.fixture
def server_for(transactional_db, tmp_path):
    """start(redis=None) -> port of gunicorn (2 workers) on the test database."""
    _need_postgresql()
    processes = []

    def start(redis: RedisServer | None = None, workers: int = 2) -> int:
        db = connection.settings_dict
        port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "plan_portal.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "REDIS_URL": redis.url(0) if redis else "",
            "PLAN_PORTAL_WEB_LIMITS": "1",  # the production web limits (base settings)
        }
        log = open(tmp_path / f"gunicorn-{port}.log", "wb")  # noqa: SIM115 - closed at teardown
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "plan_portal.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(workers),
                "-t",
                "30",
                "--graceful-timeout",
                "2",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append((process, log))
        _wait_for_http(port, process, tmp_path / f"gunicorn-{port}.log")
        return port

    yield start
    for process, log in processes:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def people(transactional_db):
    from plan_portal.tests.weekly_world import make_world

    world = make_world()
    root = UserFactory(username="root", email="root@example.vn", is_staff=True, is_superuser=True)
    report = WeeklyReport.objects.create(
        plan=world["plan"],
        iso_year=2020,
        iso_week=26,
        period_start="2020-06-22",
        period_end="2020-06-28",
        generated_at="2020-06-29T07:00:00+07:00",
        snapshot={},
        snapshot_hash="0" * 64,
    )
    return {**world, "root": root, "report": report}


def signed_in(port: int, user) -> Browser:
    client = Client()
    client.force_login(user)
    return Browser(port, client.cookies["sessionid"].value)


def _post_update(browser: Browser, task: Task, note: str, progress: int):
    """Post an update with the version the page shows; on 409, read the fresh one and post again."""
    version = Task.objects.filter(pk=task.pk).values_list("version", flat=True).get()
    for _attempt in range(200):
        status, html, _ = browser.post(
            f"/tasks/{task.pk}/updates/",
            {"status": "in_progress", "progress": str(progress), "note": note, "version": str(version)},
        )
        if status == 302:
            return
        assert status == 409, (status, html[:500])
        version = int(re.search(r'name="version" value="(\d+)"', html).group(1))
        time.sleep(random.uniform(0, 0.02))  # a person reads the conflict before saving again
    raise AssertionError(f"{note}: still conflicting after 200 tries")


def _pages_and_updates_work(staff: Browser, root: Browser, task: Task, report: WeeklyReport, label: str):
    for path in ("/tasks/", f"/tasks/{task.pk}/", "/dashboard/?plan=2020", "/reports/?plan=2020"):
        status, _html, elapsed = staff.get(path)
        assert status == 200 and elapsed < 3, (label, path, status, elapsed)
    before = ProgressUpdate.objects.filter(task=task).count()
    started = time.monotonic()
    _post_update(staff, task, f"Cập nhật khi Redis {label}", 60)
    assert time.monotonic() - started < 3, label
    assert ProgressUpdate.objects.filter(task=task).count() == before + 1
    # The admin's rebuild: recorded for the catch-up job, a translated warning, no 500.
    WeeklyReport.objects.filter(pk=report.pk).update(rebuild_requested_at=None)
    status, _html, elapsed = root.post(
        "/admin/reports/weeklyreport/", {"action": "rebuild", "_selected_action": [str(report.pk)]}
    )
    assert status == 302 and elapsed < 3, (label, status, elapsed)
    assert WeeklyReport.objects.get(pk=report.pk).rebuild_requested_at is not None
    status, html, _ = root.get("/admin/reports/weeklyreport/")
    assert status == 200
    assert "Hàng đợi công việc không phản hồi" in html, label


def test_redis_frozen_then_stopped_pages_updates_and_the_rebuild_action_keep_working(server_for, own_redis, people):
    # given: the portal on its own Redis (cache and broker), working
    port = server_for(redis=own_redis)
    staff, root = signed_in(port, people["staff_a"]), signed_in(port, people["root"])
    task = people["tasks"][2]
    assert staff.get("/dashboard/?plan=2020")[0] == 200

    # when Redis is frozen (SIGSTOP: connections open, nothing answers), then
    own_redis.freeze()
    _pages_and_updates_work(staff, root, task, people["report"], "frozen")

    # when Redis is stopped altogether
    own_redis.stop()
    _pages_and_updates_work(staff, root, task, people["report"], "stopped")


def test_postgresql_connections_terminated_then_a_locked_table(server_for, people):
    """Dropped connections: the next request succeeds. A hung database (a table
    locked by another connection): a Vietnamese 503 within 5 s, nothing saved."""
    # given: the server has served pages, so its worker holds an open connection
    port = server_for(workers=1)
    staff = signed_in(port, people["staff_a"])
    task = people["tasks"][2]
    assert staff.get("/tasks/")[0] == 200

    # when: every connection of the portal to the test database is terminated
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1

    # then: the very next request reconnects and succeeds, reads and writes
    status, _html, _ = staff.get(f"/tasks/{task.pk}/")
    assert status == 200
    _post_update(staff, task, "Sau khi mất kết nối", 70)
    assert ProgressUpdate.objects.filter(note="Sau khi mất kết nối").count() == 1

    # given: another connection holds the journal table locked
    before = (ProgressUpdate.objects.count(), list(Task.objects.filter(pk=task.pk).values_list("version", "progress")))
    locker = connections.create_connection("default")
    try:
        with locker.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE tasks_progressupdate IN ACCESS EXCLUSIVE MODE")

            # when: someone posts an update (the task row is written first, then the journal)
            status, html, elapsed = staff.post(
                f"/tasks/{task.pk}/updates/",
                {"status": "in_progress", "progress": "80", "note": "Bị khóa bảng", "version": str(before[1][0][0])},
            )
            cursor.execute("ROLLBACK")
    finally:
        locker.close()

    # then
    assert status == 503 and elapsed <= 5, (status, elapsed)
    assert '<html lang="vi">' in html
    assert "Dịch vụ tạm thời không khả dụng" in html
    assert "Server Error" not in html
    after = (ProgressUpdate.objects.count(), list(Task.objects.filter(pk=task.pk).values_list("version", "progress")))
    assert after == before
    # and once the lock is gone, the same post goes through
    _post_update(staff, task, "Bị khóa bảng", 80)
    assert ProgressUpdate.objects.count() == before[0] + 1


def test_two_people_posting_100_updates_each_at_once_lose_nothing(server_for, people):
    # given: two members of the lead unit, on a server with two worker processes
    port = server_for(workers=2)
    task = people["tasks"][2]
    head = people["head_a"]
    posters = {"a": signed_in(port, people["staff_a"]), "b": signed_in(port, head)}
    before = ProgressUpdate.objects.filter(task=task).count()
    version = Task.objects.get(pk=task.pk).version
    errors = []

    def post_100(name):
        try:
            for n in range(100):
                _post_update(posters[name], task, f"{name}-{n:03d}", 10 + n % 80)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post_100, args=(name,)) for name in posters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)

    assert errors == []
    notes = list(
        ProgressUpdate.objects.filter(task=task, note__regex=r"^[ab]-[0-9]{3}$").values_list("note", flat=True)
    )
    assert sorted(notes) == sorted([f"a-{n:03d}" for n in range(100)] + [f"b-{n:03d}" for n in range(100)])
    assert ProgressUpdate.objects.filter(task=task).count() == before + 200
    assert Task.objects.get(pk=task.pk).version == version + 200
