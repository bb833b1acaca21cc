"""Every rule of the update service, asserted through the service itself, with the message a person
reads, and through the pages that call it (the update form, the admin's journal entry): a form
check in front of the service must not hide the service's own refusal or word it differently.
On every refusal nothing changes."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from plan_portal.tests.factories import MembershipFactory, TaskFactory, UnitFactory, UserFactory
from tasks.models import ProgressUpdate, Status, Task, TaskCoordination, WorkPlan
from tasks.services import (
    NOTE_MAX_LENGTH,
    TaskVersionConflict,
    plan_sync,
    progress_update_undo,
    task_record_progress,
)

pytestmark = pytest.mark.django_db

EVIDENCE = "QĐ 12/QĐ-TĐC ngày 15/6/2020"  # a completion's evidence (issue 11): the output's reference


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def task():
    return TaskFactory(code="NV-2020-10", lead_unit=UnitFactory(code="VU-TC"))


@pytest.fixture
def staff(task):
    return MembershipFactory(unit=task.lead_unit, user=UserFactory(username="vu-tc")).user


def _state(task):
    task = Task.objects.get(pk=task.pk)
    return (task.status, task.progress, task.completed_at, task.last_update_at, task.version)


def _journal():
    return list(ProgressUpdate.objects.order_by("id").values_list("status", "progress", "note"))


def _refusal(**kwargs) -> dict:
    with pytest.raises(ValidationError) as error:
        task_record_progress(**kwargs)
    return error.value.message_dict


RULES = [
    # (status, progress, note, field, message)
    (Status.COMPLETED, 99, "Xong", "progress", "A completed task has progress 100%."),
    (Status.IN_PROGRESS, 101, "Quá", "progress", "Progress must be a whole number between 0 and 100."),
    (Status.IN_PROGRESS, -1, "Âm", "progress", "Progress must be a whole number between 0 and 100."),
    (Status.ON_HOLD, 20, "   ", "note", "Say why the task is on hold or cancelled."),
    (Status.CANCELLED, 20, "", "note", "Say why the task is on hold or cancelled."),
    (Status.IN_PROGRESS, 20, " ", "note", "Write a note on what was done."),
    (Status.COMPLETED, 100, "", "note", "Write a note on what was done."),
    (
        Status.IN_PROGRESS,
        20,
        "x" * (NOTE_MAX_LENGTH + 1),
        "note",
        "The note is too long (4001 characters; at most 4000).",
    ),
    ("done", 20, "Sai trạng thái", "status", "Choose a valid status."),
]


@pytest.mark.parametrize(("status", "progress", "note", "field", "message"), RULES)
def test_the_service_refuses_each_rule_with_its_own_message_and_writes_nothing(
    task, staff, status, progress, note, field, message
):
    before = _state(task)

    errors = _refusal(task=task, author=staff, status=status, progress=progress, note=note)

    assert errors == {field: [message]}
    assert _state(task) == before
    assert _journal() == []


# The form offers no hold or cancellation (issue 11: they come from an approved request);
# the hold's reason rule is reached through the form on a task already on hold, below.
@pytest.mark.parametrize(
    ("status", "progress", "note", "field", "message"),
    [rule for rule in RULES if rule[0] not in ("done", Status.ON_HOLD, Status.CANCELLED)],
)
def test_the_update_form_shows_the_service_message_next_to_the_field(
    client, task, staff, status, progress, note, field, message
):
    client.force_login(staff)
    before = _state(task)

    response = client.post(
        reverse("tasks:update-create", args=[task.pk]),
        {"status": status, "progress": progress, "note": note, "version": task.version},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    errors = dict(re.findall(r'data-field="(\w+)">([^<]*)<', response.content.decode()))
    assert errors == {field: message}
    assert _state(task) == before


@pytest.mark.parametrize("status", [Status.ON_HOLD, Status.CANCELLED])
def test_the_update_form_refuses_a_hold_or_cancellation_chosen_by_staff(client, task, staff, status):
    client.force_login(staff)
    before = _state(task)

    response = client.post(
        reverse("tasks:update-create", args=[task.pk]),
        {"status": status, "progress": 20, "note": "Tự dừng", "version": task.version},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    errors = dict(re.findall(r'data-field="(\w+)">([^<]*)<', response.content.decode()))
    assert errors == {"status": f"Select a valid choice. {status} is not one of the available choices."}
    assert _state(task) == before


def test_the_update_form_shows_the_reason_rule_on_a_task_kept_on_hold(client, task, staff):
    held = timezone.now() - timedelta(hours=1)
    task_record_progress(
        task=task,
        author=staff,
        status=Status.ON_HOLD,
        progress=20,
        note="Tạm dừng",
        recorded_at=held,
        check_permission=False,
    )
    client.force_login(staff)
    task.refresh_from_db()
    before = _state(task)

    response = client.post(
        reverse("tasks:update-create", args=[task.pk]),
        {"status": Status.ON_HOLD, "progress": 20, "note": "   ", "version": task.version},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    errors = dict(re.findall(r'data-field="(\w+)">([^<]*)<', response.content.decode()))
    assert errors == {"note": "Say why the task is on hold or cancelled."}
    assert _state(task) == before


def test_several_broken_rules_are_all_reported_at_once(task, staff):
    errors = _refusal(task=task, author=staff, status=Status.COMPLETED, progress=50, note="")

    assert errors == {"progress": ["A completed task has progress 100%."], "note": ["Write a note on what was done."]}


@pytest.mark.parametrize("progress", [0, 100])
def test_progress_at_both_ends_of_the_range_is_accepted(task, staff, progress):
    status = Status.COMPLETED if progress == 100 else Status.IN_PROGRESS

    # A completion needs its evidence (issue 11): the output's reference.
    task_record_progress(
        task=task, author=staff, status=status, progress=progress, note="Cập nhật", output_ref=EVIDENCE
    )

    assert _state(task)[:2] == (status, progress)


def test_a_note_of_exactly_the_maximum_length_is_kept_and_surrounding_spaces_are_dropped(task, staff):
    note = "đ" * NOTE_MAX_LENGTH

    task_record_progress(task=task, author=staff, status=Status.IN_PROGRESS, progress=10, note=f"  {note}\n")

    assert _journal() == [(Status.IN_PROGRESS, 10, note)]


def test_an_update_dated_beyond_the_clock_tolerance_is_refused_and_one_within_it_is_accepted(task, staff):
    # The web servers' clocks may run up to five minutes ahead of the database's.
    before = _state(task)
    errors = _refusal(
        task=task,
        author=staff,
        status=Status.IN_PROGRESS,
        progress=10,
        note="Ngày mai",
        recorded_at=timezone.now() + timedelta(minutes=6),
    )
    assert errors == {"__all__": ["An update cannot take effect in the future."]}
    assert _state(task) == before

    soon = timezone.now() + timedelta(minutes=4)
    task_record_progress(task=task, author=staff, status=Status.IN_PROGRESS, progress=10, note="Sắp", recorded_at=soon)
    assert _state(task)[3] == soon


def test_an_update_dated_before_the_latest_is_refused_and_one_at_the_same_moment_is_accepted(task, staff):
    moment = timezone.now() - timedelta(days=3)
    task_record_progress(task=task, author=staff, status=Status.IN_PROGRESS, progress=10, note="a", recorded_at=moment)
    before = _state(task)

    errors = _refusal(
        task=task,
        author=staff,
        status=Status.IN_PROGRESS,
        progress=20,
        note="b",
        recorded_at=moment - timedelta(seconds=1),
    )

    assert errors == {"__all__": ["An update cannot take effect before the task's latest update."]}
    assert _state(task) == before
    task_record_progress(task=task, author=staff, status=Status.IN_PROGRESS, progress=20, note="c", recorded_at=moment)
    assert _state(task)[:2] == (Status.IN_PROGRESS, 20)


def test_the_admin_journal_entry_shows_the_service_refusal_of_a_future_date(superuser_client, task):
    later = timezone.localtime() + timedelta(days=2)

    response = superuser_client.post(
        reverse("admin:tasks_progressupdate_add"),
        {
            "task": task.pk,
            "status": Status.IN_PROGRESS,
            "progress": 10,
            "note": "Ghi trước",
            "recorded_at_0": later.strftime("%Y-%m-%d"),
            "recorded_at_1": later.strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == ["An update cannot take effect in the future."]
    assert _state(task)[:2] == (Status.NOT_STARTED, 0)
    assert _journal() == []


def test_someone_outside_the_lead_unit_is_refused_with_the_reason(task):
    # Issue 11: a coordinating unit posts contributions; only the lead unit records progress.
    coordinating = UnitFactory(code="VU-PC")
    TaskCoordination.objects.create(task=task, unit=coordinating)
    coordinator = MembershipFactory(unit=coordinating, user=UserFactory(username="vu-pc")).user
    outsider = MembershipFactory(unit=UnitFactory(code="VU-DL"), user=UserFactory(username="vu-dl")).user
    nobody = UserFactory(username="no-unit")
    before = _state(task)

    for user in (coordinator, outsider, nobody):
        with pytest.raises(PermissionDenied) as refusal:
            task_record_progress(task=task, author=user, status=Status.IN_PROGRESS, progress=90, note="Không được")
        assert str(refusal.value) == "Only staff of the lead unit can update this task."

    assert _state(task) == before
    assert _journal() == []


def test_a_stale_version_is_refused_with_the_current_task_and_a_current_one_goes_through(task, staff):
    task_record_progress(task=task, author=staff, status=Status.IN_PROGRESS, progress=10, note="Bắt đầu")
    before = _state(task)

    with pytest.raises(TaskVersionConflict) as conflict:
        task_record_progress(
            task=task, author=staff, status=Status.IN_PROGRESS, progress=80, note="Cũ", expected_version=1
        )

    assert (conflict.value.task.progress, conflict.value.task.version) == (10, 2)
    assert _state(task) == before
    task_record_progress(
        task=task, author=staff, status=Status.IN_PROGRESS, progress=80, note="Mới", expected_version=2
    )
    assert _state(task)[1::3] == (80, 3)


def test_undoing_an_entry_that_is_not_the_latest_is_refused_naming_the_task(task, staff):
    first = task_record_progress(task=task, author=staff, status=Status.IN_PROGRESS, progress=10, note="a")
    task_record_progress(task=task, author=staff, status=Status.IN_PROGRESS, progress=20, note="b")
    before = _state(task)

    with pytest.raises(ValidationError) as refusal:
        progress_update_undo(update=first)

    assert refusal.value.messages == [
        "Only the latest update of task NV-2020-10 can be deleted; delete the later ones first."
    ]
    assert _state(task) == before
    assert len(_journal()) == 2


def test_undoing_the_only_entry_puts_the_task_back_to_not_started(task, staff):
    only = task_record_progress(
        task=task, author=staff, status=Status.COMPLETED, progress=100, note="Xong", output_ref=EVIDENCE
    )

    task = progress_update_undo(update=only)

    assert (task.status, task.progress, task.completed_at, task.last_update_at, task.version) == (
        Status.NOT_STARTED,
        0,
        None,
        None,
        3,
    )
    assert _journal() == []


def test_undoing_a_reopening_restores_the_completion_date_of_the_latest_completed_run(task, staff):
    now = timezone.now()
    first_run = now - timedelta(days=20)
    second_run = now - timedelta(days=10)
    for when, status, progress in (
        (first_run, Status.COMPLETED, 100),
        (now - timedelta(days=15), Status.IN_PROGRESS, 90),
        (second_run, Status.COMPLETED, 100),
        (now - timedelta(days=5), Status.COMPLETED, 100),
    ):
        task_record_progress(
            task=task, author=staff, status=status, progress=progress, note="n", recorded_at=when, output_ref=EVIDENCE
        )
    reopened = task_record_progress(task=task, author=staff, status=Status.IN_PROGRESS, progress=95, note="Mở lại")

    task = progress_update_undo(update=reopened)

    assert (task.status, task.progress, task.completed_at) == (Status.COMPLETED, 100, second_run)


def test_a_plan_naming_unknown_units_is_refused_listing_them_and_nothing_is_written():
    UnitFactory(code="VU-TC")
    row = {"title": "Nhiệm vụ", "field": "standards", "start_date": "2020-01-01", "due_date": "2020-12-31"}
    data = {
        "year": 2031,
        "title": "Kế hoạch 2031",
        "start_date": "2031-01-01",
        "end_date": "2031-12-31",
        "tasks": [
            {**row, "code": "NV-1", "lead_unit": "VU-ZZ", "coordinating_units": ["VU-TC", "VU-AA"]},
            {**row, "code": "NV-2", "lead_unit": "VU-TC"},
        ],
    }

    with pytest.raises(ValidationError) as refusal:
        plan_sync(data=data)

    assert refusal.value.messages == ["Unknown unit code(s): VU-AA, VU-ZZ"]
    assert not WorkPlan.objects.filter(year=2031).exists()
    assert not Task.objects.filter(code="NV-2").exists()
