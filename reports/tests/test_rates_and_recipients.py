"""Rates that leave cancelled tasks out, a burn-up that follows reopened tasks, and report e-mail
that reaches each person once."""

from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, at, record_progress
from plan_portal.tests.factories import WorkPlanFactory as PlanFactory
from reports.dashboard import dashboard_build
from reports.models import ReminderLog
from reports.services import report_recipients, update_reminders_send, weekly_report_build, weekly_report_send
from tasks.models import Status
from tasks.selectors import plan_burnup, plan_figures
from units.models import Membership

pytestmark = pytest.mark.django_db


def record(task, status, progress, when, note="Cập nhật"):
    return record_progress(task, at=when, status=status, progress=progress, note=note)


AS_OF = date(2020, 6, 30)


@pytest.fixture
def rated_plan():
    """VU-A: one completed, one open, one cancelled at 80%; VU-B: one completed of four;
    VU-C: its only task cancelled."""
    plan = PlanFactory(year=2020)
    a = UnitFactory(code="VU-A", sort_order=1)
    b = UnitFactory(code="VU-B", sort_order=2)
    c = UnitFactory(code="VU-C", sort_order=3)

    def task(code, unit):
        return TaskFactory(plan=plan, code=code, lead_unit=unit, due_date=date(2020, 12, 31))

    record(task("A1", a), Status.COMPLETED, 100, at(date(2020, 5, 4)))
    record(task("A2", a), Status.IN_PROGRESS, 40, at(date(2020, 6, 1)))
    cancelled = task("A3", a)
    record(cancelled, Status.IN_PROGRESS, 80, at(date(2020, 3, 2)))
    record(cancelled, Status.CANCELLED, 80, at(date(2020, 4, 6)), note="Lồng ghép vào nhiệm vụ A2")
    record(task("B1", b), Status.COMPLETED, 100, at(date(2020, 5, 4)))
    for code in ("B2", "B3", "B4"):
        task(code, b)
    record(task("C1", c), Status.CANCELLED, 0, at(date(2020, 2, 3)), note="Không còn phù hợp")
    return plan


def test_completion_rates_and_averages_leave_cancelled_tasks_out(rated_plan):
    data = dashboard_build(plan=rated_plan, as_of=AS_OF)

    # 2 completed of the 6 tasks not cancelled (8 in all)
    assert (data["counts"]["total"], data["counts"]["cancelled"]) == (8, 2)
    assert data["completion_rate"] == 33.3
    # (100 + 40 + 100 + 0 + 0 + 0) / 6: the cancelled task's 80% does not count
    assert data["average_progress"] == 40.0
    assert [(row["unit"], row["completion_rate"], row["average_progress"]) for row in data["units_ranked"]] == [
        ("VU-A", 50.0, 70.0),
        ("VU-B", 25.0, 25.0),
        ("VU-C", 0.0, 0.0),
    ]


def test_the_burnup_average_leaves_a_cancelled_task_out_from_the_week_it_is_cancelled(rated_plan):
    weeks = {week["week"]: week for week in plan_burnup(plan=rated_plan, until=AS_OF)}

    # W10 (2-8 March): A3 at 80% among 8 tasks, C1 already cancelled in W06 -> 80 / 7
    assert weeks["2020-W10"]["average_progress"] == round(80 / 7, 1)
    # W15 (6-12 April): A3 cancelled -> 0 / 6
    assert weeks["2020-W15"]["average_progress"] == 0.0
    assert weeks["2020-W27"]["average_progress"] == 40.0


def test_the_burnup_takes_a_reopened_task_out_of_the_completed_count_until_it_is_completed_again():
    plan = PlanFactory(year=2020)
    task = TaskFactory(plan=plan, code="NV-REOPEN", due_date=date(2020, 12, 31))
    record(task, Status.COMPLETED, 100, at(date(2020, 3, 2)))  # W10
    record(task, Status.COMPLETED, 100, at(date(2020, 3, 9)), note="Bổ sung hồ sơ")  # W11, still completed
    record(task, Status.IN_PROGRESS, 90, at(date(2020, 3, 16)), note="Mở lại")  # W12
    record(task, Status.COMPLETED, 100, at(date(2020, 3, 30)))  # W14

    weeks = {week["week"]: week for week in plan_burnup(plan=plan, until=date(2020, 4, 5))}

    assert [weeks[f"2020-W{n:02d}"]["completed"] for n in range(9, 15)] == [0, 1, 1, 0, 0, 1]
    assert [weeks[f"2020-W{n:02d}"]["average_progress"] for n in range(9, 15)] == [0.0, 100.0, 100.0, 90.0, 90.0, 100.0]
    assert plan_figures(plan=plan, as_of=date(2020, 3, 20)).counts["completed_on_time"] == 0
    assert plan_figures(plan=plan, as_of=date(2020, 3, 31)).counts["completed_on_time"] == 1


def test_the_burnup_stops_at_its_as_of_day():
    plan = PlanFactory(year=2020)
    record(TaskFactory(plan=plan, code="NV-1"), Status.COMPLETED, 100, at(date(2020, 6, 29), 9))

    weeks = plan_burnup(plan=plan, until=date(2020, 6, 28))

    assert (weeks[-1]["week"], weeks[-1]["completed"]) == ("2020-W26", 0)


# --- e-mail recipients ----------------------------------------------------------


def _leader(username, email):
    user = UserFactory(username=username, email=email)
    user.groups.add(Group.objects.get_or_create(name=settings.LEADERSHIP_GROUP)[0])
    return user


def _member(username, email, unit, role=Membership.Role.STAFF, **fields):
    user = UserFactory(username=username, email=email, **fields)
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


def test_each_address_gets_the_weekly_report_once_whatever_its_case_or_roles(settings):
    # VU-Z comes first in the agency's order, although its code sorts last
    a = UnitFactory(code="VU-Z", sort_order=1)
    b = UnitFactory(code="VU-B", sort_order=2)
    _leader("lanhdao", "LanhDao@example.vn")
    UserFactory(username="da-nghi", email="danghi@example.vn", is_active=False).groups.add(
        Group.objects.get(name=settings.LEADERSHIP_GROUP)
    )
    _leader("lanhdao-cu", "lanhdao@EXAMPLE.vn")  # an old account with the same address
    _leader("pho-tong-cuc", "pho@example.vn")
    _member("truong-a", "truong@example.vn", a, Membership.Role.HEAD)
    _member("truong-a-b", "Truong@example.vn", b, Membership.Role.HEAD)  # heads both units
    _leader("truong-lanh-dao", "truong@example.vn")  # also in the leadership group
    _member("nghi-huu", "nghihuu@example.vn", b, Membership.Role.HEAD, is_active=False)
    _member("khong-thu", "", a, Membership.Role.HEAD)
    settings.REPORT_EXTRA_RECIPIENTS = ["vanthu@example.vn", "PHO@example.vn", "VanThu@example.vn"]

    general, heads = report_recipients()

    # Which spelling of a shared address is kept depends on the database's collation.
    assert sorted(address.lower() for address in general) == [
        "lanhdao@example.vn",
        "pho@example.vn",
        "vanthu@example.vn",
    ]
    # A head of two units gets the version of the first unit in the agency's order
    assert heads == [("truong@example.vn", "VU-Z")]


def test_sending_the_weekly_report_reaches_every_address_once(world, settings):
    settings.REPORT_EXTRA_RECIPIENTS = ["LANHDAO@example.vn", "head-a@example.vn"]
    _leader("lanhdao-2", "lanhdao@example.vn")
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)

    sent = weekly_report_send(report=report)

    addresses = [address.lower() for message in mail.outbox for address in message.to]
    assert sent == 2
    assert sorted(addresses) == ["head-a@example.vn", "lanhdao@example.vn"]


def test_a_friday_reminder_reaches_an_address_shared_by_two_accounts_once(world):
    # staff-b@example.vn also has a second account (another case) in VU-B
    _member("staff-b-2", "Staff-B@example.vn", world["unit_b"])

    assert update_reminders_send(today=date(2020, 6, 26)) == 1

    assert [[address.lower() for address in message.to] for message in mail.outbox] == [["staff-b@example.vn"]]
    assert ReminderLog.objects.get(unit=world["unit_b"]).recipients == 1
