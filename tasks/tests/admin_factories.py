"""Plan factories for the admin and import tests (tasks/tests/factories.py belongs to the task pages)."""

from datetime import date

import factory

from tasks.models import Field, Task, TaskCoordination, WorkPlan
from units.tests.factories import UnitFactory


class WorkPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkPlan
        django_get_or_create = ["year"]

    year = 2021
    title = factory.LazyAttribute(lambda plan: f"Kế hoạch công tác năm {plan.year}")
    start_date = factory.LazyAttribute(lambda plan: date(plan.year, 1, 1))
    end_date = factory.LazyAttribute(lambda plan: date(plan.year, 12, 31))


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    plan = factory.SubFactory(WorkPlanFactory)
    code = factory.Sequence(lambda n: f"NV-{n:04d}")
    title = factory.Sequence(lambda n: f"Xây dựng tiêu chuẩn quốc gia số {n}")
    title_en = factory.Sequence(lambda n: f"Draft national standard {n}")
    field = Field.STANDARDS
    lead_unit = factory.SubFactory(UnitFactory)
    start_date = date(2021, 1, 15)
    due_date = date(2021, 11, 30)


class TaskCoordinationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskCoordination

    task = factory.SubFactory(TaskFactory)
    unit = factory.SubFactory(UnitFactory)
