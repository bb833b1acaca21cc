"""Factories for the work plan. Units, people and memberships too, since the
task pages need them (units/tests has none yet)."""

from datetime import date

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tasks.models import Field, Task, TaskCoordination, WorkPlan
from units.models import Membership, Unit, UnitKind

PASSWORD = "Mat-khau-th1-nghiem!"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"VU-{n:03d}")
    name = factory.Sequence(lambda n: f"Vụ thử nghiệm {n}")
    name_en = factory.Sequence(lambda n: f"Test department {n}")
    kind = UnitKind.DEPARTMENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Nguyễn Thị"
    last_name = factory.Sequence(lambda n: f"Hoa {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Membership.Role.STAFF


class WorkPlanFactory(factory.django.DjangoModelFactory):
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

    plan = factory.SubFactory(WorkPlanFactory)
    code = factory.Sequence(lambda n: f"NV-T-{n:04d}")
    title = factory.Sequence(lambda n: f"Nhiệm vụ thử nghiệm số {n}")
    field = Field.STANDARDS
    lead_unit = factory.SubFactory(UnitFactory)
    start_date = factory.LazyAttribute(lambda o: o.plan.start_date)
    due_date = factory.LazyAttribute(lambda o: o.plan.end_date)


class TaskCoordinationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskCoordination

    task = factory.SubFactory(TaskFactory)
    unit = factory.SubFactory(UnitFactory)


def leadership_user(**kwargs):
    user = UserFactory(**kwargs)
    group, _ = Group.objects.get_or_create(name=settings.LEADERSHIP_GROUP)
    user.groups.add(group)
    return user
