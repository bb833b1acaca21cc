"""tasks_reassign_lead_unit: the admin action's write, asserted through the service."""

import pytest
from django.core.exceptions import ValidationError

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, WorkPlanFactory
from tasks.models import Task
from tasks.services import tasks_reassign_lead_unit
from units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    plan = WorkPlanFactory(year=2020)
    old, new = UnitFactory(code="VU-A", name="Vụ A"), UnitFactory(code="VU-B", name="Vụ B")

    def task(code: str, unit: Unit, title: str = "Nhiệm vụ") -> Task:
        return TaskFactory(plan=plan, code=code, title=title, lead_unit=unit)

    admin = UserFactory(username="quan-tri")
    return plan, old, new, task, admin


def _leads() -> list[tuple[str, str]]:
    return list(Task.objects.order_by("code").values_list("code", "lead_unit__code"))


def test_reassigning_moves_the_tasks_led_elsewhere_and_records_who_and_why(world):
    # Given two tasks led by VU-A and one already led by VU-B
    _plan, old, new, task, admin = world
    first, _second, already = task("NV-01", old), task("NV-02", old), task("NV-03", new)
    history_of_already = already.history.count()
    # When they are all given to VU-B
    moved = tasks_reassign_lead_unit(tasks=Task.objects.all(), unit=new, reason="  Theo QĐ 12/QĐ-TĐC ", user=admin)
    # Then the two move, the third is left alone, and the history says who and why
    assert moved == 2
    assert _leads() == [("NV-01", "VU-B"), ("NV-02", "VU-B"), ("NV-03", "VU-B")]
    latest = first.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (admin, "Theo QĐ 12/QĐ-TĐC")
    assert already.history.count() == history_of_already


def test_a_reassignment_without_a_reason_is_refused_and_moves_nothing(world):
    _plan, old, new, task, admin = world
    moving = task("NV-01", old)
    history_before = moving.history.count()

    with pytest.raises(ValidationError) as refused:
        tasks_reassign_lead_unit(tasks=Task.objects.all(), unit=new, reason="   ", user=admin)

    assert refused.value.message_dict == {"reason": ["Nêu lý do thay đổi đơn vị chủ trì."]}
    assert _leads() == [("NV-01", "VU-A")]
    assert moving.history.count() == history_before


def test_one_invalid_task_stops_the_whole_reassignment(world):
    # Given a valid task and one whose title is blank (stored before validation)
    _plan, old, new, task, admin = world
    task("NV-01", old)
    task("NV-02", old, title="")

    with pytest.raises(ValidationError) as refused:
        tasks_reassign_lead_unit(tasks=Task.objects.all(), unit=new, reason="Sắp xếp lại", user=admin)

    assert refused.value.messages[0].startswith("Nhiệm vụ NV-02 không thể giao cho VU-B: ")
    assert _leads() == [("NV-01", "VU-A"), ("NV-02", "VU-A")]
