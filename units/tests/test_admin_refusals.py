"""Every refusal of the units admin's actions: a unit still linked to a task, in either role, is
never deleted, alone or in a batch, and the admin is told which tasks hold it."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from plan_portal.tests.factories import TaskFactory, UnitFactory
from units.models import Unit
from units.services import unit_delete

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _bulk_delete(client, units):
    return client.post(
        reverse("admin:units_unit_changelist"),
        {"action": "delete_selected", "_selected_action": [unit.pk for unit in units], "post": "yes"},
    )


def test_bulk_delete_refuses_a_unit_that_only_coordinates_a_task_and_deletes_nothing(superuser_client):
    helper = UnitFactory(code="VU-DL")
    free = UnitFactory(code="VU-FREE")
    TaskFactory(code="NV-09", coordinators=[helper])

    response = _bulk_delete(superuser_client, [helper, free])

    assert response.status_code == 302
    assert _messages(response) == [
        "Unit VU-DL cannot be deleted: it leads or coordinates task NV-09. Deactivate it instead."
    ]
    assert set(Unit.objects.filter(code__in=["VU-DL", "VU-FREE"]).values_list("code", flat=True)) == {
        "VU-DL",
        "VU-FREE",
    }


def test_bulk_delete_names_every_blocked_unit_with_its_own_tasks(superuser_client):
    lead = UnitFactory(code="VU-TC")
    helper = UnitFactory(code="VU-DL")
    TaskFactory(code="NV-01", lead_unit=lead)
    TaskFactory(code="NV-02", lead_unit=lead, coordinators=[helper])
    TaskFactory(code="NV-03", coordinators=[helper])

    response = _bulk_delete(superuser_client, [lead, helper])

    assert sorted(_messages(response)) == [
        "Unit VU-DL cannot be deleted: it leads or coordinates 2 tasks (NV-02, NV-03). Deactivate it instead.",
        "Unit VU-TC cannot be deleted: it leads or coordinates 2 tasks (NV-01, NV-02). Deactivate it instead.",
    ]
    assert Unit.objects.filter(code__in=["VU-TC", "VU-DL"]).count() == 2


def test_bulk_delete_of_free_units_deletes_them(superuser_client):
    free = [UnitFactory(code="VU-X1"), UnitFactory(code="VU-X2")]

    response = _bulk_delete(superuser_client, free)

    assert response.status_code == 302
    assert not Unit.objects.filter(code__in=["VU-X1", "VU-X2"]).exists()


def test_deleting_a_unit_that_only_coordinates_is_refused_from_its_delete_page(superuser_client):
    helper = UnitFactory(code="VU-DL")
    TaskFactory(code="NV-05", coordinators=[helper])

    response = superuser_client.post(reverse("admin:units_unit_delete", args=[helper.pk]), {"post": "yes"})

    assert response["Location"] == reverse("admin:units_unit_change", args=[helper.pk])
    assert _messages(response) == [
        "Unit VU-DL cannot be deleted: it leads or coordinates task NV-05. Deactivate it instead."
    ]
    assert Unit.objects.filter(code="VU-DL").exists()


def test_the_delete_service_refuses_a_unit_a_task_was_attached_to_meanwhile():
    # The admin checks before confirming; the service checks again inside its transaction.
    helper = UnitFactory(code="VU-DL")
    TaskFactory(code="NV-06", coordinators=[helper])
    TaskFactory(code="NV-07", lead_unit=helper)

    with pytest.raises(ValidationError) as refusal:
        unit_delete(unit=helper)

    assert refusal.value.messages == [
        "Unit VU-DL leads or coordinates 2 task(s) (NV-06, NV-07) and cannot be deleted; deactivate it instead."
    ]
    assert Unit.objects.filter(code="VU-DL").exists()


def test_deactivating_counts_only_the_units_it_changed(superuser_client):
    active = UnitFactory(code="VU-ON")
    inactive = UnitFactory(code="VU-OFF", is_active=False)

    response = superuser_client.post(
        reverse("admin:units_unit_changelist"),
        {"action": "deactivate", "_selected_action": [active.pk, inactive.pk]},
    )

    assert _messages(response) == ["1 unit deactivated."]
    assert list(Unit.objects.filter(code__in=["VU-ON", "VU-OFF"]).values_list("is_active", flat=True)) == [
        False,
        False,
    ]
    response = superuser_client.post(
        reverse("admin:units_unit_changelist"),
        {"action": "activate", "_selected_action": [active.pk, inactive.pk]},
    )
    assert _messages(response)[-1] == "2 units activated."  # the first message was not shown yet
