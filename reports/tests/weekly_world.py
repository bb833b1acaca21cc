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

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tasks.models import Status, WorkPlan
from tasks.services import task_record_progress
from tasks.tests.builders import at, make_member, make_task, make_unit
from units.models import Membership


def record_update(task, author, day, status, progress, note="Cập nhật"):
    return task_record_progress(
        task=task,
        author=author,
        status=status,
        progress=progress,
        note=note,
        recorded_at=at(day),
        check_permission=False,
    )


def make_world():
    unit_a = make_unit("VU-A", name="Vụ Tiêu chuẩn")
    unit_b = make_unit("VU-B", name="Vụ Đo lường")
    plan = WorkPlan.objects.create(
        year=2020, title="Kế hoạch công tác năm 2020", start_date=date(2020, 6, 1), end_date=date(2020, 7, 31)
    )
    staff_a = make_member("staff-a", unit_a)
    staff_a.email = "staff-a@example.vn"
    staff_a.save()
    head_a = make_member("head-a", unit_a, role=Membership.Role.HEAD)
    head_a.email = "head-a@example.vn"
    head_a.save()
    staff_b = make_member("staff-b", unit_b)
    staff_b.email = "staff-b@example.vn"
    staff_b.save()
    leader = get_user_model().objects.create_user("lanhdao", password="x", email="lanhdao@example.vn")
    leader.groups.add(Group.objects.get_or_create(name="Leadership")[0])
    outsider = get_user_model().objects.create_user("outsider", password="x", email="outsider@example.vn")

    t1 = make_task(plan, "NV-01", unit_a, start=date(2020, 6, 1), due=date(2020, 6, 30), title="Xây dựng TCVN")
    t2 = make_task(plan, "NV-02", unit_a, start=date(2020, 1, 1), due=date(2020, 3, 1), title="Rà soát quy chuẩn")
    t3 = make_task(plan, "NV-03", unit_a, start=date(2020, 6, 1), due=date(2020, 12, 15), title="Đề án năng suất")
    t4 = make_task(plan, "NV-04", unit_b, start=date(2020, 6, 1), due=date(2020, 12, 15), title="Kiểm định đo lường")
    record_update(t1, staff_a, date(2020, 6, 10), Status.IN_PROGRESS, 50)
    record_update(t1, staff_a, date(2020, 6, 24), Status.COMPLETED, 100, "Đã ban hành, hoàn thành đúng hạn")
    record_update(t2, staff_a, date(2020, 6, 1), Status.IN_PROGRESS, 20)
    record_update(t3, staff_a, date(2020, 6, 23), Status.ON_HOLD, 10, "Chờ bố trí kinh phí")
    record_update(t4, staff_b, date(2020, 6, 1), Status.IN_PROGRESS, 30)
    t5 = make_task(plan, "NV-05", unit_b, start=date(2020, 6, 1), due=date(2020, 6, 21), title="Hướng dẫn mã số")
    record_update(t5, staff_b, date(2020, 6, 2), Status.IN_PROGRESS, 40)
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
