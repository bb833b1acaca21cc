"""Shared set-up for the task pages: one task, its units and a person per role."""

from dataclasses import dataclass

import pytest

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, member
from tasks.models import Task
from units.models import Membership

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
    task = TaskFactory(
        code="NV-2020-01", title="Xây dựng tiêu chuẩn quốc gia về đo lường", lead_unit=lead, coordinators=[coord]
    )
    users = {
        "anonymous": None,
        "other_staff": member(other, username="other"),
        "coord_staff": member(coord, username="coord"),
        "lead_staff": member(lead, username="lead"),
        "head": member(lead, Membership.Role.HEAD, username="head"),
        "leadership": UserFactory(username="lanhdao", leadership=True),
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
