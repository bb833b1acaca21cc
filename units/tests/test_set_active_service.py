"""units_set_active: the admin's activate / deactivate actions, through the service."""

import pytest

from plan_portal.tests.factories import UnitFactory
from units.models import Unit
from units.services import units_set_active

pytestmark = pytest.mark.django_db


def test_deactivating_changes_only_active_units_and_records_why():
    # Given one active and one inactive unit
    active = UnitFactory(code="VU-A", name="Vụ A")
    UnitFactory(code="VU-B", name="Vụ B", is_active=False)
    # When both are deactivated
    changed = units_set_active(units=Unit.objects.all(), active=False)
    # Then only the active one changed, and its history says why
    assert changed == 1
    assert list(Unit.objects.order_by("code").values_list("code", "is_active")) == [
        ("VU-A", False),
        ("VU-B", False),
    ]
    assert active.history.latest().history_change_reason == "deactivated in admin"


def test_activating_changes_only_inactive_units():
    UnitFactory(code="VU-A", name="Vụ A")
    UnitFactory(code="VU-B", name="Vụ B", is_active=False)

    assert units_set_active(units=Unit.objects.all(), active=True) == 1
    assert set(Unit.objects.values_list("is_active", flat=True)) == {True}
