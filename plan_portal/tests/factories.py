"""The one place test data is made, for every app.

Defaults describe a plain 2020 plan: a department, a staff member, a task that
runs the whole plan year. A test passes what its assertions depend on (codes,
years, dates, names); an app whose tests need other defaults subclasses a
factory in its own test module. History is written through `record_progress`,
which goes through the service that owns the journal (only the tests that need
hundreds of journal rows bulk-insert them, following the same rules).
"""

from datetime import date, datetime, time

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tasks.models import Field, Status, Task, TaskCoordination, WorkPlan
from tasks.selectors import local_tz
from tasks.services import task_record_progress
from units.models import Membership, Unit, UnitKind

# Every factory-made account signs in with this (browser tests type it).
PASSWORD = "Mat-khau-th1-nghiem!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Lan"
    last_name = factory.Sequence(lambda n: f"Nguyễn {n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@tcvn.gov.vn")
    # Hashed before the INSERT: one write, with the test settings' fast hasher.
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def leadership(user, create, extracted, **kwargs):
        """`UserFactory(leadership=True)`: a member of the leadership group (reads every unit)."""
        if create and extracted:
            user.groups.add(Group.objects.get_or_create(name=settings.LEADERSHIP_GROUP)[0])


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"DV-{n:03d}")
    name = factory.LazyAttribute(lambda unit: f"Đơn vị {unit.code}")
    name_en = factory.LazyAttribute(lambda unit: f"Unit {unit.code}")
    kind = UnitKind.DEPARTMENT


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Membership.Role.STAFF


def member(unit: Unit, role: str = Membership.Role.STAFF, **user_fields):
    """A user who belongs to `unit` (staff unless told otherwise)."""
    return MembershipFactory(unit=unit, role=role, user=UserFactory(**user_fields)).user


class WorkPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkPlan
        django_get_or_create = ("year",)

    year = 2020
    title = factory.LazyAttribute(lambda plan: f"Kế hoạch công tác năm {plan.year}")
    start_date = factory.LazyAttribute(lambda plan: date(plan.year, 1, 1))
    end_date = factory.LazyAttribute(lambda plan: date(plan.year, 12, 31))


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task
        skip_postgeneration_save = True

    plan = factory.SubFactory(WorkPlanFactory)
    code = factory.Sequence(lambda n: f"NV-{n:04d}")
    title = factory.LazyAttribute(lambda task: f"Nhiệm vụ {task.code}")
    field = Field.STANDARDS
    lead_unit = factory.SubFactory(UnitFactory)
    start_date = factory.LazyAttribute(lambda task: task.plan.start_date)
    due_date = factory.LazyAttribute(lambda task: task.plan.end_date)

    @factory.post_generation
    def coordinators(task, create, extracted, **kwargs):
        """`TaskFactory(coordinators=[unit, ...])`: the units that coordinate the task."""
        if create:
            for unit in extracted or ():
                TaskCoordination.objects.create(task=task, unit=unit)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An aware local (Hanoi) moment on a day, 10:00 unless told otherwise."""
    return datetime.combine(day, time(hour, minute), tzinfo=local_tz())


def record_progress(task: Task, *, at: datetime, status: str, progress: int, note: str = "Cập nhật", author=None):
    """Write history as it happened: an update taking effect at `at`, through the
    one service that writes the journal (its rules apply; permission is not
    checked, since tests set up history rather than act as someone)."""
    return task_record_progress(
        task=task,
        author=author or UserFactory(username="journal-writer"),
        status=status,
        progress=progress,
        note=note,
        recorded_at=at,
        check_permission=False,
    )


# ---------------------------------------------------------------------------
# The hand-built 2020 plan of the dashboard and unit pages (fixture `plan_2020`
# in the root conftest). Its figures as of PLAN_2020_AS_OF are worked out by
# hand in the tests.
# ---------------------------------------------------------------------------
PLAN_2020_AS_OF = date(2020, 6, 30)  # a Tuesday: its week runs 29/06-05/07, the previous one 22/06-28/06


def plan_2020_build() -> tuple[WorkPlan, dict[str, Task]]:
    """Nine tasks of two units, DV-A (five) and DV-B (four).

    T1 A completed 20/05, due 31/05                  -> completed on time
    T2 A in progress 01/03, completed 15/04, due 31/03 -> completed late
    T3 A in progress 20% 24/06, 60% 29/06, due 31/12 -> within deadline (expected 49.6%)
    T4 B in progress 30% 01/05, due 15/06            -> overdue 15 days, at risk, stale
    T5 B no update, due 31/12                        -> not started, within deadline, at risk, stale
    T6 B cancelled 01/04                             -> cancelled
    T7 A on hold 20% 10/03, due 30/04                -> overdue 61 days, at risk (on hold is never stale)
    T8 B in progress 40% 10/06, completed 01/07 00:30 -> as of 30/06: in progress, within deadline, stale
    T9 A completed 30/06 23:00, due 30/06            -> completed on time (the as_of day counts)
    """
    plan = WorkPlanFactory(year=2020)
    a = UnitFactory(code="DV-A", name="Vụ A", sort_order=1)
    b = UnitFactory(code="DV-B", name="Vụ B", sort_order=2)

    def task(code, unit, field, due):
        return TaskFactory(plan=plan, code=code, lead_unit=unit, field=field, due_date=due)

    t = {
        "T1": task("T1", a, Field.STANDARDS, date(2020, 5, 31)),
        "T2": task("T2", a, Field.STANDARDS, date(2020, 3, 31)),
        "T3": task("T3", a, Field.METROLOGY, date(2020, 12, 31)),
        "T4": task("T4", b, Field.METROLOGY, date(2020, 6, 15)),
        "T5": task("T5", b, Field.QUALITY, date(2020, 12, 31)),
        "T6": task("T6", b, Field.QUALITY, date(2020, 9, 30)),
        "T7": task("T7", a, Field.STANDARDS, date(2020, 4, 30)),
        "T8": task("T8", b, Field.STANDARDS, date(2020, 12, 31)),
        "T9": task("T9", a, Field.METROLOGY, date(2020, 6, 30)),
    }
    history = [
        ("T1", Status.COMPLETED, 100, at(date(2020, 5, 20)), "Cập nhật"),
        ("T2", Status.IN_PROGRESS, 50, at(date(2020, 3, 1)), "Cập nhật"),
        ("T2", Status.COMPLETED, 100, at(date(2020, 4, 15)), "Cập nhật"),
        ("T3", Status.IN_PROGRESS, 20, at(date(2020, 6, 24)), "Cập nhật"),
        ("T3", Status.IN_PROGRESS, 60, at(date(2020, 6, 29)), "Cập nhật"),
        ("T4", Status.IN_PROGRESS, 30, at(date(2020, 5, 1)), "Cập nhật"),
        ("T6", Status.CANCELLED, 0, at(date(2020, 4, 1)), "Không còn phù hợp"),
        ("T7", Status.ON_HOLD, 20, at(date(2020, 3, 10)), "Chờ ý kiến Bộ"),
        ("T8", Status.IN_PROGRESS, 40, at(date(2020, 6, 10)), "Cập nhật"),
        ("T8", Status.COMPLETED, 100, at(date(2020, 7, 1), 0, 30), "Cập nhật"),
        ("T9", Status.COMPLETED, 100, at(date(2020, 6, 30), 23, 0), "Cập nhật"),
    ]
    for code, status, progress, moment, note in history:
        record_progress(t[code], at=moment, status=status, progress=progress, note=note)
    return plan, t
