"""Two people saving an update of the same task at the same moment, on real PostgreSQL.

Writer A (the service, in its own connection) holds the task's row lock inside an open
transaction; writer B posts the update form from the same version. B must wait on the lock (it
neither overwrites nor fails early), and once A commits, B is told that the task changed (409)
with A's update on screen and its own text kept. SQLite has no row locks: the test needs
PostgreSQL, and under CI=true it fails instead of skipping.
"""

import os
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from plan_portal.tests.factories import MembershipFactory, TaskFactory, UnitFactory, UserFactory
from tasks.models import ProgressUpdate, Status, Task
from tasks.services import task_record_progress

WAIT = 10  # seconds; every wait below ends as soon as its condition holds


def _need_postgresql():
    if connection.vendor == "postgresql":
        return
    message = f"the two-writer test needs PostgreSQL's row locks, not {connection.vendor}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: refusing to skip)")
    pytest.skip(message)


def _sessions_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _in_thread(target):
    """Run target in a thread with its own database connection, keeping its result or error."""
    outcome = {}

    def run():
        try:
            outcome["result"] = target()
        except BaseException as error:  # reported by the test, not lost in the thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_for_the_row_lock_then_gets_the_conflict_page():
    _need_postgresql()
    unit = UnitFactory(code="VU-TC")
    task = TaskFactory(code="NV-2020-07", lead_unit=unit)
    writer_a = MembershipFactory(unit=unit, user=UserFactory(username="writer-a")).user
    writer_b = MembershipFactory(unit=unit, user=UserFactory(username="writer-b")).user
    locked, release = threading.Event(), threading.Event()

    def a_saves_and_holds_the_lock():
        with transaction.atomic():
            task_record_progress(
                task=Task.objects.get(pk=task.pk),
                author=writer_a,
                status=Status.IN_PROGRESS,
                progress=60,
                note="Cập nhật của A",
                expected_version=1,
            )
            locked.set()
            assert release.wait(WAIT), "the test never released writer A"

    def b_posts_the_form():
        client = Client()
        client.force_login(writer_b)
        return client.post(
            reverse("tasks:update-create", args=[task.pk]),
            {"status": "in_progress", "progress": "80", "note": "Cập nhật của B", "version": "1"},
        )

    # Given writer A inside its transaction, holding the row lock
    thread_a, outcome_a = _in_thread(a_saves_and_holds_the_lock)
    assert locked.wait(WAIT), f"writer A did not get the lock: {outcome_a}"
    try:
        # When writer B posts from the same version
        thread_b, outcome_b = _in_thread(b_posts_the_form)
        deadline = time.monotonic() + WAIT
        while _sessions_waiting_for_a_lock() == 0 and time.monotonic() < deadline and thread_b.is_alive():
            time.sleep(0.02)
        # Then B waits on the lock, and nobody else sees A's update before A commits
        assert _sessions_waiting_for_a_lock() == 1, f"writer B is not waiting for the lock: {outcome_b}"
        assert thread_b.is_alive()
        assert Task.objects.values_list("progress", "version").get(pk=task.pk) == (0, 1)
    finally:
        release.set()
        thread_a.join(WAIT)
    thread_b.join(WAIT)
    assert not thread_b.is_alive()
    assert "error" not in outcome_a and "error" not in outcome_b, (outcome_a, outcome_b)

    # And once A commits, B is told the task changed, sees A's update and keeps its own text
    response = outcome_b["result"]
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="conflict"' in html
    assert "Cập nhật của A" in html
    assert "Cập nhật của B" in html
    assert 'name="version" value="2"' in html
    # And only A's update was written
    assert Task.objects.values_list("status", "progress", "version").get(pk=task.pk) == (Status.IN_PROGRESS, 60, 2)
    assert list(ProgressUpdate.objects.values_list("author__username", "progress")) == [("writer-a", 60)]


@pytest.mark.django_db(transaction=True)
def test_two_writers_without_a_version_both_land_in_order_and_the_task_equals_the_latest():
    # The service alone (no form version): the lock queues the writers, none is lost or overwritten.
    _need_postgresql()
    unit = UnitFactory(code="VU-TC")
    task = TaskFactory(code="NV-2020-08", lead_unit=unit)
    author = MembershipFactory(unit=unit, user=UserFactory(username="writer")).user
    locked, release = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            task_record_progress(
                task=Task.objects.get(pk=task.pk), author=author, status=Status.IN_PROGRESS, progress=30, note="1"
            )
            locked.set()
            assert release.wait(WAIT)

    def second():
        return task_record_progress(
            task=Task.objects.get(pk=task.pk), author=author, status=Status.IN_PROGRESS, progress=50, note="2"
        )

    thread_1, outcome_1 = _in_thread(first)
    assert locked.wait(WAIT), outcome_1
    thread_2, outcome_2 = _in_thread(second)
    deadline = time.monotonic() + WAIT
    while _sessions_waiting_for_a_lock() == 0 and time.monotonic() < deadline and thread_2.is_alive():
        time.sleep(0.02)
    waiting = _sessions_waiting_for_a_lock()
    release.set()
    thread_1.join(WAIT)
    thread_2.join(WAIT)

    assert waiting == 1
    assert "error" not in outcome_1 and "error" not in outcome_2, (outcome_1, outcome_2)
    assert list(ProgressUpdate.objects.order_by("id").values_list("previous_progress", "progress")) == [
        (0, 30),
        (30, 50),
    ]
    assert Task.objects.values_list("progress", "version").get(pk=task.pk) == (50, 3)
