import pytest

# plan_2020 (the hand-built dashboard plan) comes from the root conftest.


@pytest.fixture(autouse=True)
def _empty_cache(empty_cache):
    """Every reports test starts and ends with an empty cache."""


# --- Weekly reports (see plan_portal/tests/weekly_world.py) ------------------


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
    from plan_portal.tests.weekly_world import make_world

    return make_world()
