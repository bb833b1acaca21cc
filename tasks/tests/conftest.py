"""Shared set-up for the task pages: one task, its units and a person per role."""

from dataclasses import dataclass

import pytest

from tasks.models import Task
from units.models import Membership

from .factories import (
    MembershipFactory,
    TaskCoordinationFactory,
    TaskFactory,
    UnitFactory,
    UserFactory,
    leadership_user,
)

ROLES = ("anonymous", "other_staff", "coord_staff", "lead_staff", "head", "leadership", "admin")


@dataclass
class World:
    task: Task
    users: dict


@pytest.fixture
def world(db) -> World:
    lead = UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn", name_en="Standards Department")
    coord = UnitFactory(code="VU-DL", name="Vụ Đo lường", name_en="Metrology Department")
    other = UnitFactory(code="VU-CL", name="Vụ Quản lý chất lượng")
    task = TaskFactory(code="NV-2020-01", title="Xây dựng tiêu chuẩn quốc gia về đo lường", lead_unit=lead)
    TaskCoordinationFactory(task=task, unit=coord)
    users = {
        "anonymous": None,
        "other_staff": MembershipFactory(unit=other, user=UserFactory(username="other")).user,
        "coord_staff": MembershipFactory(unit=coord, user=UserFactory(username="coord")).user,
        "lead_staff": MembershipFactory(unit=lead, user=UserFactory(username="lead")).user,
        "head": MembershipFactory(unit=lead, user=UserFactory(username="head"), role=Membership.Role.HEAD).user,
        "leadership": leadership_user(username="lanhdao"),
        "admin": UserFactory(username="admin", is_staff=True, is_superuser=True),
    }
    return World(task=task, users=users)


@pytest.fixture
def as_user(client):
    """Sign the test client in as a user (or stay anonymous for None)."""

    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in
