"""`make run`'s path on its embedded default: SQLite, no Redis. CI runs the suite on
PostgreSQL, so SQLite-only failures (e.g. SQL that SQLite refuses) would otherwise
go unseen until someone runs the demo."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PAGES_SCRIPT = """
from django.test import Client
from django.urls import reverse
from tasks.models import Comment, Task, Urging

task = Comment.objects.select_related("task").first().task  # the demo's comments and urgings
urged = Urging.objects.select_related("task").first().task
client = Client(HTTP_HOST="127.0.0.1")  # make run serves 127.0.0.1
client.force_login(task.lead_unit.memberships.first().user)
pages = [
    reverse("tasks:my"), reverse("tasks:list"), reverse("tasks:list") + "?q=do+luong&as_of=2020-06-30",
    reverse("tasks:detail", args=[task.pk]), reverse("tasks:detail", args=[urged.pk]),
    reverse("reports:dashboard") + "?plan=2020&as_of=2020-10-02", reverse("reports:timeline") + "?plan=2020",
    reverse("tasks:requests"), reverse("units:detail", args=[task.lead_unit.code]),
]
for url in pages:
    response = client.get(url)
    print(url, response.status_code)
    assert response.status_code == 200, (url, response.status_code)
print("all pages ok")
"""


def test_the_demo_on_sqlite_serves_the_main_pages(tmp_path):
    # given: make run's settings with no DATABASE_URL/REDIS_URL, on a fresh SQLite file
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CI")}
    env.update(
        DJANGO_SETTINGS_MODULE="plan_portal.settings.local", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    )

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    # when: the demo is set up as `make run` does (without the weekly reports' build)
    for step in (("migrate", "--no-input", "-v0"), ("load_plan",), ("seed_demo",)):
        done = manage(*step)
        assert done.returncode == 0, (step, done.stderr[-2000:])

    # then: a staff member of a unit reads the main pages, a task with comments and urgings included
    done = manage("shell", "-c", PAGES_SCRIPT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "all pages ok" in done.stdout
