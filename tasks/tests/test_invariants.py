"""Invariants the database itself enforces, whatever code writes the rows."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from plan_portal.tests.factories import TaskFactory, UnitFactory, WorkPlanFactory, member
from tasks.models import ProgressUpdate, Status, Task, TaskCoordination

pytestmark = pytest.mark.django_db


class NewUnitFactory(UnitFactory):
    """Always inserts, so that a duplicate code reaches the database's constraint."""

    class Meta:
        django_get_or_create = ()


@pytest.fixture
def task():
    return TaskFactory(code="NV-2020-01", lead_unit=UnitFactory(code="VU-TC"))


def _integrity_error(**changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.filter(pk__isnull=False).update(**changes)


def test_progress_outside_0_100_is_refused_by_the_database(task):
    _integrity_error(progress=101)
    task.refresh_from_db()
    assert task.progress == 0


def test_due_date_before_start_date_is_refused_by_the_database(task):
    _integrity_error(due_date=date(2019, 12, 31))


def test_completed_task_needs_progress_100_and_a_completion_time(task):
    _integrity_error(status=Status.COMPLETED, progress=90)


def test_unknown_status_key_is_refused_by_the_database(task):
    _integrity_error(status="done")


def test_task_code_is_unique_within_a_plan_but_not_across_plans(task):
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskFactory(plan=task.plan, code="NV-2020-01", lead_unit=task.lead_unit)
    other_plan = WorkPlanFactory(year=2021)
    assert TaskFactory(plan=other_plan, code="NV-2020-01", lead_unit=task.lead_unit).pk


def test_unit_code_is_unique_and_in_capitals():
    NewUnitFactory(code="VU-DL")
    with pytest.raises(IntegrityError), transaction.atomic():
        NewUnitFactory(code="VU-DL")
    with pytest.raises(IntegrityError), transaction.atomic():
        NewUnitFactory(code="vu-x")


def test_update_journal_refuses_progress_out_of_range(task):
    user = member(task.lead_unit, username="vu-tc")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdate.objects.create(
            task=task,
            author=user,
            recorded_at=task.created_at,
            status=Status.IN_PROGRESS,
            progress=150,
            note="x",
            previous_status=Status.NOT_STARTED,
            previous_progress=0,
        )


def test_a_unit_that_leads_or_coordinates_tasks_cannot_be_deleted(task):
    coordinator = UnitFactory(code="VU-DL")
    TaskCoordination.objects.create(task=task, unit=coordinator)
    with pytest.raises(ProtectedError):
        task.lead_unit.delete()
    with pytest.raises(ProtectedError):
        coordinator.delete()
    assert task.coordinations.count() == 1
