"""A small plan with a known journal around ISO week 2020-W26 (22-28 June 2020).

Plan period 1 June - 31 July 2020, so its ended weeks are few (W23..W31) and
the catch-up tests stay fast.

    T1 (VU-A, due 30/06) in progress 50 on 10/06, completed on 24/06 -> completed on time in W26
    T2 (VU-A, due 01/03) in progress 20 on 01/06                        -> overdue, stale
    T3 (VU-A, due 15/12) on hold 10 on 23/06 with a note               -> status change in W26
    T4 (VU-B, due 15/12) in progress 30 on 01/06                        -> VU-B posts nothing in W26
    T5 (VU-B, due 21/06) in progress 40 on 02/06                        -> newly overdue in W26
"""

from datetime import date

from plan_portal.tests.factories import (
    TaskFactory,
    UnitFactory,
    UserFactory,
    WorkPlanFactory,
    at,
    member,
    record_progress,
)
from tasks.models import Status
from units.models import Membership


def make_world():
    unit_a = UnitFactory(code="VU-A", name="Vụ Tiêu chuẩn")
    unit_b = UnitFactory(code="VU-B", name="Vụ Đo lường")
    plan = WorkPlanFactory(year=2020, start_date=date(2020, 6, 1), end_date=date(2020, 7, 31))
    staff_a = member(unit_a, username="staff-a", email="staff-a@example.vn")
    head_a = member(unit_a, Membership.Role.HEAD, username="head-a", email="head-a@example.vn")
    staff_b = member(unit_b, username="staff-b", email="staff-b@example.vn")
    leader = UserFactory(username="lanhdao", email="lanhdao@example.vn", leadership=True)
    outsider = UserFactory(username="outsider", email="outsider@example.vn")

    def task(code, unit, due, title, **dates):  # starting with the plan period unless told otherwise
        return TaskFactory(plan=plan, code=code, lead_unit=unit, due_date=due, title=title, **dates)

    t1 = task("NV-01", unit_a, date(2020, 6, 30), "Xây dựng TCVN")
    t2 = task("NV-02", unit_a, date(2020, 3, 1), "Rà soát quy chuẩn", start_date=date(2020, 1, 1))
    t3 = task("NV-03", unit_a, date(2020, 12, 15), "Đề án năng suất")
    t4 = task("NV-04", unit_b, date(2020, 12, 15), "Kiểm định đo lường")
    record_progress(t1, at=at(date(2020, 6, 10)), status=Status.IN_PROGRESS, progress=50, author=staff_a)
    record_progress(
        t1,
        at=at(date(2020, 6, 24)),
        status=Status.COMPLETED,
        progress=100,
        note="Đã ban hành, hoàn thành đúng hạn",
        author=staff_a,
    )
    record_progress(t2, at=at(date(2020, 6, 1)), status=Status.IN_PROGRESS, progress=20, author=staff_a)
    record_progress(
        t3, at=at(date(2020, 6, 23)), status=Status.ON_HOLD, progress=10, note="Chờ bố trí kinh phí", author=staff_a
    )
    record_progress(t4, at=at(date(2020, 6, 1)), status=Status.IN_PROGRESS, progress=30, author=staff_b)
    t5 = task("NV-05", unit_b, date(2020, 6, 21), "Hướng dẫn mã số")
    record_progress(t5, at=at(date(2020, 6, 2)), status=Status.IN_PROGRESS, progress=40, author=staff_b)
    return {
        "plan": plan,
        "unit_a": unit_a,
        "unit_b": unit_b,
        "staff_a": staff_a,
        "head_a": head_a,
        "staff_b": staff_b,
        "leader": leader,
        "outsider": outsider,
        "tasks": (t1, t2, t3, t4, t5),
    }
