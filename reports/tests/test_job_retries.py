"""Jobs really retry a transient error (run in-process here: eager Celery applies each retry at once)."""

import pytest
from django.db import OperationalError

from reports import services
from reports import tasks as jobs
from reports.models import WeeklyReport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _retries_as_a_worker_does():
    # With eager errors propagating, the first Retry would surface as an exception; a worker
    # (and eager Celery without propagation) applies the retry instead.
    from plan_portal.celery import app

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


def _failing(times: int, real):
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) <= times:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    return flaky, calls


def test_a_build_that_loses_the_database_once_is_retried_and_builds_one_report(world, monkeypatch):
    flaky, calls = _failing(1, services.weekly_report_build)
    monkeypatch.setattr(services, "weekly_report_build", flaky)

    result = jobs.build_weekly_report_task.delay(world["plan"].pk, 2020, 26)

    assert result.get()["week"] == "2020-W26"
    assert len(calls) == 2
    assert list(WeeklyReport.objects.values_list("iso_year", "iso_week")) == [(2020, 26)]


def test_a_build_that_keeps_failing_gives_up_after_five_retries(world, monkeypatch):
    flaky, calls = _failing(100, services.weekly_report_build)
    monkeypatch.setattr(services, "weekly_report_build", flaky)

    result = jobs.build_weekly_report_task.delay(world["plan"].pk, 2020, 26)

    with pytest.raises(OperationalError):
        result.get()
    assert len(calls) == 1 + 5
    assert WeeklyReport.objects.count() == 0


def test_an_error_that_is_not_transient_is_not_retried(world, monkeypatch):
    def broken(**kwargs):
        broken.calls += 1
        raise ValueError("a bug, not a hiccup")

    broken.calls = 0
    monkeypatch.setattr(services, "weekly_report_build", broken)

    with pytest.raises(ValueError):
        jobs.build_weekly_report_task.delay(world["plan"].pk, 2020, 26).get()
    assert broken.calls == 1
