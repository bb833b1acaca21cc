"""Every refusal of the plan admin's actions, with the message and nothing changed."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from plan_portal.tests.factories import TaskFactory, UnitFactory
from tasks.models import ProgressUpdate, Task
from tasks.services import task_record_progress

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:tasks_task_changelist"


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _reassign(client, tasks, **data):
    return client.post(
        reverse(CHANGELIST),
        {"action": "reassign_lead_unit", "_selected_action": [task.pk for task in tasks], "apply": "1", **data},
    )


@pytest.fixture
def led_by_a():
    old = UnitFactory(code="VU-A")
    return old, [TaskFactory(code="NV-01", lead_unit=old), TaskFactory(code="NV-02", lead_unit=old)]


@pytest.mark.parametrize(
    ("data", "field"),
    [({"reason": "Theo Quyết định 12"}, "unit"), ({"reason": "   "}, "reason"), ({}, "reason")],
)
def test_reassigning_without_a_unit_or_a_reason_is_refused_and_nothing_moves(superuser_client, led_by_a, data, field):
    old, tasks = led_by_a
    new = UnitFactory(code="VU-B")
    history = sum(task.history.count() for task in tasks)
    if field != "unit":
        data = {**data, "unit": new.pk}

    response = _reassign(superuser_client, tasks, **data)

    assert response.status_code == 200
    assert response.context["form"].errors == {field: ["This field is required."]}
    assert list(Task.objects.order_by("code").values_list("lead_unit__code", flat=True)) == ["VU-A", "VU-A"]
    assert sum(task.history.count() for task in tasks) == history


def test_reassigning_leaves_tasks_already_led_by_the_unit_alone(superuser_client, root, led_by_a):
    old, tasks = led_by_a
    new = UnitFactory(code="VU-B")
    already = TaskFactory(code="NV-03", lead_unit=new)
    history = already.history.count()

    response = _reassign(superuser_client, [*tasks, already], unit=new.pk, reason="Theo Quyết định 12")

    assert _messages(response) == ["2 tasks now led by VU-B."]
    assert list(Task.objects.order_by("code").values_list("lead_unit__code", flat=True)) == ["VU-B"] * 3
    assert already.history.count() == history


def test_deleting_journal_entries_in_bulk_is_all_or_nothing(superuser_client, root):
    # Given two tasks: NV-01 with two entries, NV-02 with one
    one, two = TaskFactory(code="NV-01"), TaskFactory(code="NV-02")

    def update(task, progress, note):
        return task_record_progress(
            task=task, author=root, status="in_progress", progress=progress, note=note, check_permission=False
        )

    older = update(one, 10, "a")
    update(one, 20, "b")
    deletable = update(two, 30, "c")

    # When an older entry of NV-01 is selected with the latest of NV-02
    response = superuser_client.post(
        reverse("admin:tasks_progressupdate_changelist"),
        {"action": "delete_selected", "_selected_action": [older.pk, deletable.pk], "post": "yes"},
    )

    # Then nothing is deleted, and the admin is told why
    assert response.status_code == 302
    assert _messages(response) == ["Only the latest update of task NV-01 can be deleted; delete the later ones first."]
    assert ProgressUpdate.objects.count() == 3
    assert list(Task.objects.order_by("code").values_list("progress", "version")) == [(20, 3), (30, 2)]


def test_deleting_an_older_journal_entry_is_refused_from_its_delete_page(superuser_client, root):
    task = TaskFactory(code="NV-04")
    first = task_record_progress(
        task=task, author=root, status="in_progress", progress=20, note="a", check_permission=False
    )
    task_record_progress(task=task, author=root, status="in_progress", progress=45, note="b", check_permission=False)

    response = superuser_client.post(reverse("admin:tasks_progressupdate_delete", args=[first.pk]), {"post": "yes"})

    assert response["Location"] == reverse("admin:tasks_progressupdate_change", args=[first.pk])
    assert _messages(response) == ["Only the latest update of task NV-04 can be deleted; delete the later ones first."]
    assert ProgressUpdate.objects.filter(task=task).count() == 2
