"""Deadlines that move, and a past that does not (issue 11, item 5).

Three tasks of the 2020 plan, all started 01/01/2020, led by VU-TC:

| task | due   | history |
|------|-------|---------|
| T1   | 30/06 | 50% on 05/06; asks on 20/06 to move to 30/09; approved 10/07 10:00 (after the old due date: a late request); completed 15/08 |
| T2   | 31/05 | 60% on 10/04; completed 20/05; confirmed 25/05 |
| T3   | 30/06 | 30% on 05/06; nothing more |

Counted by hand:
- 05/07 (before the approval): T1 due 30/06 → open overdue; T2 on time; T3 overdue; T1's request pending.
- 10/07 (the approval's day, which counts whole): T1 due 30/09 → open within the deadline; extended 1.
- 20/08: T1 completed 15/08 ≤ 30/09 → on time, awaiting confirmation; T3 still overdue.
"""

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.urls import reverse

from plan_portal.tests.factories import MembershipFactory, TaskFactory, UnitFactory, UserFactory, WorkPlanFactory
from reports.dashboard import dashboard_build
from reports.selectors import weekly_report_snapshot
from tasks.models import DueDateChange, Task, TaskRequest
from tasks.selectors import plan_figures
from tasks.services import DecisionConflict, completion_review, request_create, request_decide, task_record_progress

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def _grant_leadership():
    group, _ = Group.objects.get_or_create(name="Leadership")
    group.permissions.add(Permission.objects.get(codename="decide_request"))


def _record(task, author, day, status, progress, **extra):
    return task_record_progress(
        task=Task.objects.get(pk=task.pk),
        author=author,
        status=status,
        progress=progress,
        note="Cập nhật",
        recorded_at=at(day),
        **extra,
    )


@pytest.fixture
def world(db):
    _grant_leadership()
    plan = WorkPlanFactory(year=2020)
    unit = UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn")
    staff = MembershipFactory(unit=unit, user=UserFactory(username="vu-tc")).user
    leader = UserFactory(leadership=True, username="lanhdao")
    t1 = TaskFactory(plan=plan, code="T1", lead_unit=unit, due_date=date(2020, 6, 30))
    t2 = TaskFactory(plan=plan, code="T2", lead_unit=unit, due_date=date(2020, 5, 31))
    t3 = TaskFactory(plan=plan, code="T3", lead_unit=unit, due_date=date(2020, 6, 30))
    _record(t1, staff, date(2020, 6, 5), "in_progress", 50)
    _record(t2, staff, date(2020, 4, 10), "in_progress", 60)
    _record(t2, staff, date(2020, 5, 20), "completed", 100, output_ref="Báo cáo số 15/BC-TC")
    completion_review(task=t2, reviewer=leader, decision="confirm", at=at(date(2020, 5, 25)))
    _record(t3, staff, date(2020, 6, 5), "in_progress", 30)
    request = request_create(
        task=t1,
        requester=staff,
        kind="extension",
        reason="Chờ ý kiến thẩm định của Bộ.",
        proposed_due_date="2020-09-30",
        at=at(date(2020, 6, 20)),
    )
    return {"plan": plan, "unit": unit, "staff": staff, "leader": leader, "t1": t1, "request": request}


def _approve(world):
    return request_decide(
        task_request=world["request"],
        decider=world["leader"],
        decision="approve",
        document_ref="Công văn số 1187/TĐC-VP ngày 10/07/2020",
        at=at(date(2020, 7, 10)),
    )


def _four_way(counts: dict) -> tuple:
    keys = (
        "completed_on_time",
        "completed_late",
        "open_within_deadline",
        "open_overdue",
        "extended",
        "pending_requests",
        "awaiting_confirmation",
    )
    return tuple(counts[key] for key in keys)


def test_the_four_way_count_before_and_after_an_extension_matches_the_hand_count(world):
    before_approval = plan_figures(plan=world["plan"], as_of=date(2020, 7, 5)).counts
    assert _four_way(before_approval) == (1, 0, 0, 2, 0, 1, 0)

    decided = _approve(world)
    _record(world["t1"], world["staff"], date(2020, 8, 15), "completed", 100, output_ref="Quyết định số 2/QĐ-TĐC")

    july_5 = plan_figures(plan=world["plan"], as_of=date(2020, 7, 5)).counts
    july_10 = plan_figures(plan=world["plan"], as_of=date(2020, 7, 10)).counts
    august_20 = plan_figures(plan=world["plan"], as_of=date(2020, 8, 20)).counts
    # on time, late, within, overdue, extended, pending requests, awaiting confirmation
    assert _four_way(july_5) == (1, 0, 0, 2, 0, 1, 0)
    assert july_5 == before_approval
    assert _four_way(july_10) == (1, 0, 1, 1, 1, 0, 0)
    assert _four_way(august_20) == (2, 0, 0, 1, 1, 0, 1)
    # The original due date is kept in the due-date journal, with the decision.
    change = DueDateChange.objects.get()
    assert (change.old_due_date, change.new_due_date, change.decided_by, change.is_late) == (
        date(2020, 6, 30),
        date(2020, 9, 30),
        world["leader"],
        True,
    )
    assert decided.is_late is True
    assert Task.objects.get(pk=world["t1"].pk).due_date == date(2020, 9, 30)


def test_the_dashboard_and_the_weekly_snapshot_for_a_day_before_the_approval_never_move(world):
    dashboard_before = dashboard_build(plan=world["plan"], as_of=date(2020, 7, 5))
    snapshot_before = weekly_report_snapshot(plan=world["plan"], iso_year=2020, iso_week=27)

    _approve(world)

    assert dashboard_build(plan=world["plan"], as_of=date(2020, 7, 5)) == dashboard_before
    assert weekly_report_snapshot(plan=world["plan"], iso_year=2020, iso_week=27) == snapshot_before
    overdue = [row["code"] for row in dashboard_before["overdue"]]
    assert overdue == ["T1", "T3"]
    after = dashboard_build(plan=world["plan"], as_of=date(2020, 7, 10))
    assert [row["code"] for row in after["overdue"]] == ["T3"]


@pytest.mark.parametrize(
    ("as_of", "param", "codes"),
    [
        ("2020-07-05", "pending_request", ["T1"]),
        ("2020-07-05", "extended", []),
        ("2020-07-10", "extended", ["T1"]),
        ("2020-07-10", "pending_request", []),
        ("2020-08-20", "awaiting_confirmation", ["T1"]),
        ("2020-07-05", "overdue", ["T1", "T3"]),
        ("2020-07-10", "overdue", ["T3"]),
    ],
)
def test_the_list_filters_follow_the_due_date_in_force(world, client, as_of, param, codes):
    _approve(world)
    _record(world["t1"], world["staff"], date(2020, 8, 15), "completed", 100, output_ref="Quyết định số 2/QĐ-TĐC")
    client.force_login(world["staff"])

    response = client.get(reverse("tasks:list"), {"plan": 2020, "as_of": as_of, param: "1"})

    assert [task.code for task in response.context["tasks"]] == codes


def test_data_json_and_the_unit_page_count_and_link_the_new_figures(world, client):
    _approve(world)
    client.force_login(world["staff"])

    data = client.get(reverse("reports:dashboard-data"), {"plan": 2020, "as_of": "2020-07-10"}).json()
    unit_page = client.get(reverse("units:detail", args=["VU-TC"]), {"plan": 2020, "as_of": "2020-07-05"})

    assert (data["counts"]["extended"], data["counts"]["pending_requests"]) == (1, 0)
    assert "extended=1" in data["links"]["extended"]
    assert "awaiting_confirmation=1" in data["links"]["awaiting_confirmation"]
    assert "pending_request=1" in data["links"]["pending_requests"]
    listed = client.get(data["links"]["extended"])
    assert [task.code for task in listed.context["tasks"]] == ["T1"]
    assert unit_page.status_code == 200
    assert "Đã gia hạn" in unit_page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_deciders_at_once_one_decides_the_other_is_told(transactional_db):
    _grant_leadership()
    plan = WorkPlanFactory(year=2020)
    unit = UnitFactory(code="VU-TC")
    staff = MembershipFactory(unit=unit, user=UserFactory(username="vu-tc")).user
    deciders = [UserFactory(leadership=True, username="lanhdao-1"), UserFactory(leadership=True, username="lanhdao-2")]
    task = TaskFactory(plan=plan, code="T1", lead_unit=unit, due_date=date(2020, 12, 15))
    request = request_create(
        task=task, requester=staff, kind="extension", reason="Gia hạn", proposed_due_date="2021-01-31"
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(person, new_due):
        try:
            barrier.wait(timeout=10)
            request_decide(
                task_request=TaskRequest.objects.get(pk=request.pk),
                decider=person,
                decision="approve",
                due_date=new_due,
            )
            outcomes.append("decided")
        except DecisionConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(deciders[0], date(2021, 1, 31))),
        threading.Thread(target=decide, args=(deciders[1], date(2021, 2, 28))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["conflict", "decided"]
    assert DueDateChange.objects.count() == 1
    change = DueDateChange.objects.get()
    assert Task.objects.get(pk=task.pk).due_date == change.new_due_date
    assert change.old_due_date == date(2020, 12, 15)
    assert TaskRequest.objects.get(pk=request.pk).state == "approved"


def test_the_weekly_report_has_the_process_sections(world, client):
    from reports.services import weekly_report_build

    week_27 = weekly_report_snapshot(plan=world["plan"], iso_year=2020, iso_week=27)  # 29/06-05/07
    _approve(world)
    _record(world["t1"], world["staff"], date(2020, 8, 13), "completed", 100, output_ref="Quyết định số 2/QĐ-TĐC")
    completion_review(
        task=world["t1"],
        reviewer=world["leader"],
        decision="return",
        comment="Thiếu phụ lục.",
        at=at(date(2020, 8, 14)),
    )
    _record(world["t1"], world["staff"], date(2020, 8, 20), "completed", 100, output_ref="Quyết định số 2/QĐ-TĐC")
    week_28 = weekly_report_snapshot(plan=world["plan"], iso_year=2020, iso_week=28)  # 06/07-12/07
    week_33 = weekly_report_snapshot(plan=world["plan"], iso_year=2020, iso_week=33)  # 10/08-16/08
    week_34 = weekly_report_snapshot(plan=world["plan"], iso_year=2020, iso_week=34)  # 17/08-23/08

    assert [(p["code"], p["kind"], p["age_days"]) for p in week_27["pending_requests"]] == [("T1", "extension", 15)]
    assert week_27["extensions"] == []
    assert [
        (e["code"], e["old_due_date"], e["new_due_date"], e["document_ref"], e["late_request"])
        for e in week_28["extensions"]
    ] == [("T1", "2020-06-30", "2020-09-30", "Công văn số 1187/TĐC-VP ngày 10/07/2020", True)]
    assert week_28["pending_requests"] == []
    assert [(r["code"], r["comment"]) for r in week_33["returned"]] == [("T1", "Thiếu phụ lục.")]
    assert [t["code"] for t in week_34["awaiting_confirmation"]] == ["T1"]

    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=28)
    client.force_login(world["leader"])
    page = client.get(reverse("reports:detail", args=[2020, 28])).content.decode()
    assert report.snapshot["extensions"][0]["code"] == "T1"
    assert "Gia hạn trong tuần" in page
    assert "30/06/2020 → <strong>30/09/2020</strong>" in page

    # the weekly XLSX carries the same sections
    from io import BytesIO

    from openpyxl import load_workbook

    from reports.rendering.xlsx import render_xlsx

    def process_rows(snapshot):
        sheet = load_workbook(BytesIO(render_xlsx(snapshot, plan=world["plan"])))["Đề nghị và xác nhận"]
        return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]

    assert process_rows(week_28) == [
        [
            "Gia hạn trong tuần",
            "T1",
            week_28["extensions"][0]["title"],
            week_28["extensions"][0]["unit"],
            "30/06/2020 → 30/09/2020 (đề nghị muộn)",
            "Công văn số 1187/TĐC-VP ngày 10/07/2020",
        ]
    ]
    assert [row[:2] for row in process_rows(week_27)] == [["Đề nghị đang chờ xử lý", "T1"]]
    assert [(row[1], row[4], row[5]) for row in process_rows(week_33)] == [("T1", "14/08/2020", "Thiếu phụ lục.")]

    # and the e-mail counts them, in text and HTML
    from django.utils import translation

    from reports.rendering.email import report_message

    with translation.override("vi"):
        message = report_message(report=report, to=["lanhdao@tcvn.gov.vn"], changes=None)
    assert "Gia hạn trong tuần: 1\n" in message.body
    assert "Đề nghị đang chờ xử lý: 0\n" in message.body
    assert "Gia hạn trong tuần: 1 ·" in message.alternatives[0][0]


def test_a_new_request_or_review_shows_at_once_on_the_cached_dashboard(world):
    from reports.dashboard import dashboard_data

    today = date.today()
    first = dashboard_data(plan=world["plan"], as_of=today)["counts"]
    request_create(task=Task.objects.get(code="T3"), requester=world["staff"], kind="cancel", reason="Trùng lặp")
    second = dashboard_data(plan=world["plan"], as_of=today)["counts"]
    _approve(world)
    third = dashboard_data(plan=world["plan"], as_of=today)["counts"]

    assert (first["pending_requests"], second["pending_requests"], third["pending_requests"]) == (1, 2, 1)
    assert third["extended"] == 1
