"""Small explicit builders for foundation tests (factories for views live in factories.py)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from tasks.models import Field, Task, TaskCoordination, WorkPlan
from units.models import Membership, Unit, UnitKind

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ)


def make_unit(code: str, *, kind=UnitKind.DEPARTMENT, parent=None, name=None) -> Unit:
    unit = Unit(code=code, name=name or f"Đơn vị {code}", name_en=f"Unit {code}", kind=kind, parent=parent)
    unit.save()
    return unit


def make_plan(year: int = 2020) -> WorkPlan:
    return WorkPlan.objects.create(
        year=year, title=f"Kế hoạch công tác năm {year}", start_date=date(year, 1, 1), end_date=date(year, 12, 31)
    )


def make_task(plan, code, lead, *, coordinators=(), start=None, due=None, field=Field.STANDARDS, title=None) -> Task:
    task = Task(
        plan=plan,
        code=code,
        title=title or f"Nhiệm vụ {code}",
        field=field,
        lead_unit=lead,
        start_date=start or date(plan.year, 1, 1),
        due_date=due or date(plan.year, 12, 15),
    )
    task.save()
    for unit in coordinators:
        TaskCoordination.objects.create(task=task, unit=unit)
    return task


def make_member(username: str, unit: Unit, role=Membership.Role.STAFF):
    user = get_user_model().objects.create_user(username, password="pw-Đổi-mới-1")
    Membership.objects.create(user=user, unit=unit, role=role)
    return user
