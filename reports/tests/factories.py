"""Factories for the reports tests (tasks/tests/factories.py belongs to the task list work)."""

from datetime import date, datetime, time

import factory
from django.contrib.auth import get_user_model

from tasks.models import Field, Task, WorkPlan
from tasks.selectors import local_tz
from tasks.services import task_record_progress
from units.models import Unit, UnitKind


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-Test-2020")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"DV-{n}")
    name = factory.LazyAttribute(lambda o: f"Đơn vị {o.code}")
    kind = UnitKind.DEPARTMENT


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkPlan
        django_get_or_create = ("year",)

    year = 2020
    title = factory.LazyAttribute(lambda o: f"Kế hoạch công tác năm {o.year}")
    start_date = factory.LazyAttribute(lambda o: date(o.year, 1, 1))
    end_date = factory.LazyAttribute(lambda o: date(o.year, 12, 31))


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: f"NV-{n:04d}")
    title = factory.LazyAttribute(lambda o: f"Nhiệm vụ {o.code}")
    field = Field.STANDARDS
    lead_unit = factory.SubFactory(UnitFactory)
    start_date = date(2020, 1, 1)
    due_date = date(2020, 12, 31)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An aware local (Hanoi) moment on a day."""
    return datetime.combine(day, time(hour, minute), tzinfo=local_tz())


def record(task: Task, status: str, progress: int, when: datetime, *, author=None, note: str = "Cập nhật"):
    """Post an update through the one write path (no permission check: tests set up history)."""
    return task_record_progress(
        task=task,
        author=author or UserFactory(username="journal-writer"),
        status=status,
        progress=progress,
        note=note,
        recorded_at=when,
        check_permission=False,
    )
