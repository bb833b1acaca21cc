"""The update service: the task always equals its latest journal entry."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from plan_portal.tests.factories import TaskFactory, UnitFactory, at, member
from tasks.models import ProgressUpdate, Status
from tasks.services import TaskVersionConflict, task_record_progress

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return UnitFactory(code="VU-TC")


@pytest.fixture
def coordinator():
    return UnitFactory(code="VIEN-TCCL")


@pytest.fixture
def task(lead, coordinator):
    return TaskFactory(code="NV-2020-10", lead_unit=lead, coordinators=[coordinator])


@pytest.fixture
def staff(lead):
    return member(lead, username="vu-tc")


def _snapshot(task):
    task.refresh_from_db()
    return (task.status, task.progress, task.completed_at, task.version, ProgressUpdate.objects.count())


def test_recording_progress_moves_the_task_to_the_latest_update(task, staff):
    task_record_progress(
        task=task, author=staff, status=Status.IN_PROGRESS, progress=30, note="Đã họp", recorded_at=at(date(2020, 3, 6))
    )
    update = task_record_progress(
        task=task,
        author=staff,
        status=Status.IN_PROGRESS,
        progress=55,
        note="Dự thảo lần 1",
        expected_version=2,
        recorded_at=at(date(2020, 3, 13)),
    )
    task.refresh_from_db()
    latest = ProgressUpdate.objects.filter(task=task).latest()
    assert latest == update
    assert (task.status, task.progress, task.last_update_at) == (latest.status, latest.progress, latest.recorded_at)
    assert task.version == 3
    assert (update.previous_status, update.previous_progress) == (Status.IN_PROGRESS, 30)


def test_completion_sets_completed_at_at_the_start_of_the_final_completed_run(task, staff):
    first = at(date(2020, 6, 5))
    task_record_progress(
        task=task,
        author=staff,
        status=Status.COMPLETED,
        progress=100,
        note="Xong",
        recorded_at=first,
        output_ref="QĐ 1",
    )
    task_record_progress(
        task=task,
        author=staff,
        status=Status.COMPLETED,
        progress=100,
        note="Bổ sung hồ sơ",
        recorded_at=at(date(2020, 6, 12)),
    )
    task.refresh_from_db()
    assert task.completed_at == first
    task_record_progress(
        task=task,
        author=staff,
        status=Status.IN_PROGRESS,
        progress=90,
        note="Mở lại",
        recorded_at=at(date(2020, 6, 19)),
    )
    task.refresh_from_db()
    assert task.completed_at is None
    assert task.status == Status.IN_PROGRESS


def test_a_stale_version_is_a_conflict_and_changes_nothing(task, staff):
    task_record_progress(task=task, author=staff, status=Status.IN_PROGRESS, progress=10, note="Bắt đầu")
    before = _snapshot(task)
    with pytest.raises(TaskVersionConflict) as conflict:
        task_record_progress(
            task=task, author=staff, status=Status.IN_PROGRESS, progress=80, note="Ghi đè?", expected_version=1
        )
    assert conflict.value.task.version == 2
    assert _snapshot(task) == before


@pytest.mark.parametrize(
    ("status", "progress", "note", "field"),
    [
        (Status.COMPLETED, 90, "Xong", "progress"),
        (Status.IN_PROGRESS, 101, "Quá", "progress"),
        (Status.IN_PROGRESS, -1, "Âm", "progress"),
        (Status.ON_HOLD, 20, "  ", "note"),
        (Status.CANCELLED, 20, "", "note"),
        (Status.IN_PROGRESS, 20, "x" * 4001, "note"),
        ("done", 20, "Sai trạng thái", "status"),
    ],
)
def test_invalid_updates_are_refused_with_a_field_error_and_change_nothing(task, staff, status, progress, note, field):
    before = _snapshot(task)
    with pytest.raises(ValidationError) as error:
        task_record_progress(task=task, author=staff, status=status, progress=progress, note=note)
    assert field in error.value.message_dict
    assert _snapshot(task) == before


def test_an_update_cannot_take_effect_before_the_latest_one(task, staff):
    task_record_progress(
        task=task, author=staff, status=Status.IN_PROGRESS, progress=40, note="a", recorded_at=at(date(2020, 5, 1))
    )
    before = _snapshot(task)
    with pytest.raises(ValidationError):
        task_record_progress(
            task=task, author=staff, status=Status.IN_PROGRESS, progress=50, note="b", recorded_at=at(date(2020, 4, 1))
        )
    assert _snapshot(task) == before


def test_only_the_lead_unit_records_progress_coordinating_and_other_units_may_not(task, staff, coordinator):
    task_record_progress(task=task, author=staff, status=Status.IN_PROGRESS, progress=5, note="Bắt đầu")
    helper = member(coordinator, username="vien-tccl")
    outsider = member(UnitFactory(code="VU-DL"), username="vu-dl")
    before = _snapshot(task)
    for person in (helper, outsider):
        with pytest.raises(PermissionDenied):
            task_record_progress(task=task, author=person, status=Status.IN_PROGRESS, progress=90, note="Không được")
    assert _snapshot(task) == before


def test_a_progress_update_does_not_add_to_the_plan_fields_audit_trail(task, staff):
    history_rows = task.history.count()
    task_record_progress(task=task, author=staff, status=Status.IN_PROGRESS, progress=5, note="Bắt đầu")
    assert task.history.count() == history_rows


def test_undoing_the_latest_update_restores_the_state_it_replaced(task, staff):
    from tasks.services import progress_update_undo

    done_at = at(date(2020, 6, 5))
    task_record_progress(
        task=task, author=staff, status=Status.IN_PROGRESS, progress=60, note="a", recorded_at=at(date(2020, 5, 29))
    )
    task_record_progress(
        task=task, author=staff, status=Status.COMPLETED, progress=100, note="b", recorded_at=done_at, output_ref="QĐ 1"
    )
    last = task_record_progress(
        task=task, author=staff, status=Status.IN_PROGRESS, progress=95, note="c", recorded_at=at(date(2020, 6, 12))
    )

    task = progress_update_undo(update=last)

    assert (task.status, task.progress, task.completed_at, task.last_update_at) == (
        Status.COMPLETED,
        100,
        done_at,
        done_at,
    )
    assert task.version == 5
    assert not ProgressUpdate.objects.filter(pk=last.pk).exists()


def test_only_the_latest_update_can_be_undone(task, staff):
    from tasks.services import progress_update_undo

    first = task_record_progress(
        task=task, author=staff, status=Status.IN_PROGRESS, progress=10, note="a", recorded_at=at(date(2020, 5, 1))
    )
    task_record_progress(
        task=task, author=staff, status=Status.IN_PROGRESS, progress=20, note="b", recorded_at=at(date(2020, 5, 8))
    )
    before = _snapshot(task)
    with pytest.raises(ValidationError):
        progress_update_undo(update=first)
    assert _snapshot(task) == before
