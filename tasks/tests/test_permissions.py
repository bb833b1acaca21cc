"""Every view and action times every role."""

import pytest
from django.urls import reverse

from tasks.models import ProgressUpdate, Task

from .conftest import ROLES

# Who records status and progress: the lead unit's staff and head.
MEMBERS = {"lead_staff", "head"}


def _login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", ["tasks:list", "tasks:export-xlsx", "tasks:export-csv"])
def test_everyone_signed_in_reads_the_list_and_its_exports(world, as_user, role, url_name):
    response = as_user(world.users[role]).get(reverse(url_name))

    if role == "anonymous":
        assert _login_redirect(response)
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_my_tasks_is_for_unit_members(world, as_user, role):
    response = as_user(world.users[role]).get(reverse("tasks:my"))

    if role == "anonymous":
        assert _login_redirect(response)
    elif role in MEMBERS or role in ("coord_staff", "other_staff"):
        assert response.status_code == 200
    else:  # Leadership and admin belong to no unit: sent to the overview
        assert response.status_code == 302
        assert response["Location"] == reverse("reports:dashboard")


@pytest.mark.parametrize("role", ROLES)
def test_detail_shows_the_update_form_only_to_members_of_the_task_units(world, as_user, role):
    response = as_user(world.users[role]).get(reverse("tasks:detail", args=[world.task.pk]))

    if role == "anonymous":
        assert _login_redirect(response)
        return
    assert response.status_code == 200
    assert world.task.title in response.content.decode()
    assert ('data-testid="update-form"' in response.content.decode()) is (role in MEMBERS)


@pytest.mark.parametrize("role", ROLES)
def test_list_offers_the_inline_update_only_to_members(world, as_user, role):
    response = as_user(world.users[role]).get(reverse("tasks:list"))

    if role == "anonymous":
        assert _login_redirect(response)
        return
    assert response.status_code == 200
    assert world.task.code in response.content.decode()
    assert ('data-testid="open-update"' in response.content.decode()) is (role in MEMBERS)


@pytest.mark.parametrize("role", ROLES)
def test_posting_an_update_is_for_members_only_and_refusals_change_nothing(world, as_user, role):
    task = world.task
    response = as_user(world.users[role]).post(
        reverse("tasks:update-create", args=[task.pk]),
        {"status": "in_progress", "progress": "30", "note": "Đã họp nhóm soạn thảo.", "version": task.version},
    )

    task_after = Task.objects.get(pk=task.pk)
    if role in MEMBERS:
        assert response.status_code == 302
        assert response["Location"] == reverse("tasks:detail", args=[task.pk])
        assert (task_after.status, task_after.progress, task_after.version) == ("in_progress", 30, 2)
        assert ProgressUpdate.objects.get(task=task).author == world.users[role]
        return
    if role == "anonymous":
        assert _login_redirect(response)
    else:
        assert response.status_code == 403
    assert (task_after.status, task_after.progress, task_after.version) == ("not_started", 0, 1)
    assert ProgressUpdate.objects.count() == 0


@pytest.mark.parametrize("role", ROLES)
def test_the_inline_form_is_served_to_members_only(world, as_user, role):
    response = as_user(world.users[role]).get(
        reverse("tasks:update-create", args=[world.task.pk]), HTTP_HX_REQUEST="true"
    )

    if role == "anonymous":
        assert _login_redirect(response)
    elif role in MEMBERS:
        assert response.status_code == 200
        assert 'name="note"' in response.content.decode()
    else:
        assert response.status_code == 403


def test_unknown_task_is_404(world, as_user):
    client = as_user(world.users["lead_staff"])

    assert client.get(reverse("tasks:detail", args=[999999])).status_code == 404
    assert client.post(reverse("tasks:update-create", args=[999999]), {}).status_code == 404
