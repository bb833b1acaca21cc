"""Backup and restore of a plan with its journal through `manage.py plan_backup`."""

import json
from dataclasses import asdict
from datetime import date, datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from tasks.models import ProgressUpdate, Status, Task, TaskCoordination, WorkPlan
from tasks.selectors import plan_burnup, plan_figures
from tasks.services import task_record_progress
from units.models import Membership, Unit

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DATES = [date(2020, 4, 30), date(2020, 7, 15), date(2020, 12, 31)]


def _at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=TZ)


@pytest.fixture
def plan_2020():
    """The agency's 2020 plan (load_plan) with a journal that gives every kind of figure."""
    call_command("load_plan", stdout=StringIO())
    plan = WorkPlan.objects.get(year=2020)
    author = get_user_model().objects.create_user("vu-tc", password="x", first_name="Lan", email="vu-tc@example.vn")
    Membership.objects.create(user=author, unit=Unit.objects.get(code="VU-TC"), role=Membership.Role.HEAD)
    leader = get_user_model().objects.create_user("lanhdao", password="x")
    leader.groups.add(Group.objects.get_or_create(name="Leadership")[0])
    for index, task in enumerate(Task.objects.filter(plan=plan).order_by("code")):
        kind = index % 5
        steps = [(date(2020, 2, 3 + index % 20), Status.IN_PROGRESS, 10 + index)]
        if kind == 0:
            steps.append((date(2020, 5, 4), Status.COMPLETED, 100))
        elif kind == 1:
            steps += [(date(2020, 6, 1), Status.ON_HOLD, 30), (date(2020, 8, 3), Status.IN_PROGRESS, 60)]
        elif kind == 2:
            steps.append((date(2020, 12, 28), Status.COMPLETED, 100))  # late for most
        elif kind == 3 and index % 2:
            steps.append((date(2020, 4, 6), Status.CANCELLED, 10 + index))
        for day, status, progress in steps:
            task_record_progress(
                task=task,
                author=author,
                status=status,
                progress=progress,
                note=f"Cập nhật {task.code} ✓ \u00a0«{status}»",
                recorded_at=_at(day, 9 + index % 8),
                check_permission=False,
            )
    return plan


def _figures(plan) -> list:
    return [
        {**asdict(plan_figures(plan=plan, as_of=day)), "plan": None, "burnup": plan_burnup(plan=plan, until=day)}
        for day in DATES
    ]


def _tasks_state() -> list[tuple]:
    return list(
        Task.objects.order_by("code").values_list(
            "code",
            "status",
            "progress",
            "completed_at",
            "last_update_at",
            "version",
            "lead_unit__code",
            "parent__code",
            "due_date",
            "created_at",
        )
    )


def _journal() -> list[tuple]:
    return list(
        ProgressUpdate.objects.order_by("recorded_at", "id").values_list(
            "task__code",
            "author__username",
            "recorded_at",
            "created_at",
            "status",
            "progress",
            "note",
            "previous_status",
            "previous_progress",
        )
    )


def test_a_plan_exported_and_restored_into_an_empty_database_gives_the_same_dashboard_figures(plan_2020, tmp_path):
    # Given the 2020 plan with its journal, and its figures at three dates
    before = _figures(plan_2020)
    tasks_before, journal_before = _tasks_state(), _journal()
    coordinations_before = sorted(TaskCoordination.objects.values_list("task__code", "unit__code"))
    assert before[1]["counts"]["completed_on_time"] > 0 and before[2]["counts"]["completed_late"] > 0
    assert before[0]["counts"]["cancelled"] > 0 and before[1]["counts"]["on_hold"] > 0

    # When it is exported, the database emptied, and the file restored
    backup = tmp_path / "plan-2020.json"
    call_command("plan_backup", plan=2020, output=backup, stdout=StringIO())
    if connection.vendor == "postgresql":
        # The test's transaction holds deferred foreign-key checks; TRUNCATE refuses to run before they fire.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    assert (Unit.objects.count(), Task.objects.count(), get_user_model().objects.count()) == (0, 0, 0)
    call_command("plan_backup", restore=backup, stdout=StringIO())

    # Then the figures, the tasks and the journal are the same
    plan = WorkPlan.objects.get(year=2020)
    assert _figures(plan) == before
    assert _tasks_state() == tasks_before
    assert _journal() == journal_before
    assert sorted(TaskCoordination.objects.values_list("task__code", "unit__code")) == coordinations_before
    # People come back with their unit, role and group, without a usable password.
    author = get_user_model().objects.get(username="vu-tc")
    assert (author.first_name, author.email, author.has_usable_password()) == ("Lan", "vu-tc@example.vn", False)
    assert list(author.memberships.values_list("unit__code", "role")) == [("VU-TC", "head")]
    assert list(get_user_model().objects.get(username="lanhdao").groups.values_list("name", flat=True)) == [
        "Leadership"
    ]
    assert Unit.objects.get(code="VU-TC").parent.code == "TCDLCL"


def test_restoring_over_an_existing_plan_is_refused_and_changes_nothing(plan_2020, tmp_path):
    backup = tmp_path / "plan-2020.json"
    call_command("plan_backup", plan=2020, output=backup, stdout=StringIO())
    journal_before = _journal()

    with pytest.raises(CommandError, match="Kế hoạch năm 2020 đã có"), translation.override("vi"):
        call_command("plan_backup", restore=backup)

    assert _journal() == journal_before
    assert WorkPlan.objects.count() == 1


def test_a_file_that_is_not_a_backup_is_refused(tmp_path, db):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "something else"}))

    with pytest.raises(CommandError, match="không phải bản sao lưu kế hoạch"), translation.override("vi"):
        call_command("plan_backup", restore=path)

    assert not WorkPlan.objects.exists()
