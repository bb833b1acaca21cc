from datetime import date

import pytest
from django.core.cache import cache

from tasks.models import Field, Status

from .factories import PlanFactory, TaskFactory, UnitFactory, at, record

AS_OF = date(2020, 6, 30)  # a Tuesday: its week runs 29/06-05/07, the previous one 22/06-28/06


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def plan_2020(db):
    """Nine tasks whose figures as of 2020-06-30 are worked out by hand in the tests.

    T1 A completed 20/05, due 31/05                  -> completed on time
    T2 A in progress 01/03, completed 15/04, due 31/03 -> completed late
    T3 A in progress 20% 24/06, 60% 29/06, due 31/12 -> within deadline (expected 49.6%)
    T4 B in progress 30% 01/05, due 15/06            -> overdue 15 days, at risk, stale
    T5 B no update, due 31/12                        -> not started, within deadline, at risk, stale
    T6 B cancelled 01/04                             -> cancelled
    T7 A on hold 20% 10/03, due 30/04                -> overdue 61 days, at risk (on hold is never stale)
    T8 B in progress 40% 10/06, completed 01/07 00:30 -> as of 30/06: in progress, within deadline, stale
    T9 A completed 30/06 23:00, due 30/06            -> completed on time (the as_of day counts)
    """
    plan = PlanFactory(year=2020)
    a = UnitFactory(code="DV-A", name="Vụ A", sort_order=1)
    b = UnitFactory(code="DV-B", name="Vụ B", sort_order=2)

    def task(code, unit, field, due):
        return TaskFactory(plan=plan, code=code, lead_unit=unit, field=field, due_date=due)

    t = {
        "T1": task("T1", a, Field.STANDARDS, date(2020, 5, 31)),
        "T2": task("T2", a, Field.STANDARDS, date(2020, 3, 31)),
        "T3": task("T3", a, Field.METROLOGY, date(2020, 12, 31)),
        "T4": task("T4", b, Field.METROLOGY, date(2020, 6, 15)),
        "T5": task("T5", b, Field.QUALITY, date(2020, 12, 31)),
        "T6": task("T6", b, Field.QUALITY, date(2020, 9, 30)),
        "T7": task("T7", a, Field.STANDARDS, date(2020, 4, 30)),
        "T8": task("T8", b, Field.STANDARDS, date(2020, 12, 31)),
        "T9": task("T9", a, Field.METROLOGY, date(2020, 6, 30)),
    }
    record(t["T1"], Status.COMPLETED, 100, at(date(2020, 5, 20)))
    record(t["T2"], Status.IN_PROGRESS, 50, at(date(2020, 3, 1)))
    record(t["T2"], Status.COMPLETED, 100, at(date(2020, 4, 15)))
    record(t["T3"], Status.IN_PROGRESS, 20, at(date(2020, 6, 24)))
    record(t["T3"], Status.IN_PROGRESS, 60, at(date(2020, 6, 29)))
    record(t["T4"], Status.IN_PROGRESS, 30, at(date(2020, 5, 1)))
    record(t["T6"], Status.CANCELLED, 0, at(date(2020, 4, 1)), note="Không còn phù hợp")
    record(t["T7"], Status.ON_HOLD, 20, at(date(2020, 3, 10)), note="Chờ ý kiến Bộ")
    record(t["T8"], Status.IN_PROGRESS, 40, at(date(2020, 6, 10)))
    record(t["T8"], Status.COMPLETED, 100, at(date(2020, 7, 1), 0, 30))
    record(t["T9"], Status.COMPLETED, 100, at(date(2020, 6, 30), 23, 0))
    return plan, t


# --- Weekly reports (see weekly_world.py) ------------------------------------


@pytest.fixture(autouse=True)
def eager_celery(request):
    """Jobs run in-process in these tests, even when REDIS_URL is set (no worker
    is listening); the worker tests turn this off."""
    from plan_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = "worker" not in request.keywords
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(db):
    from .weekly_world import make_world

    return make_world()
