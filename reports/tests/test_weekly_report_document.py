"""The weekly report stays the same size whatever the plan's (issue 14) and its PDF is a
Vietnamese administrative report (issue 13, item 8: Nghị định 30/2020/NĐ-CP, Phụ lục I).

The large plan of `seed_demo --scale large` gave a 118-page PDF and a 3.3 MB snapshot;
here a plan of 36 tasks, every one behind schedule and not updated, is enough for the
old layout (every row of every list) to run past two pages.
"""

import copy
import importlib
import re
import subprocess
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from plan_portal.tests.factories import TaskFactory, UnitFactory, WorkPlanFactory, at, member, record_progress
from reports.models import WeeklyReport
from reports.rendering.context import report_context
from reports.rendering.pdf import place_date, render_pdf
from reports.selectors import REPORT_LIST_LIMIT, weekly_report_snapshot
from reports.services import weekly_report_build
from tasks.models import Status, Task
from tasks.services import NOTE_MAX_LENGTH

pytestmark = pytest.mark.django_db

TASKS_PER_UNIT = 3
UNITS = 12


@pytest.fixture
def big_plan(db):
    """12 units x 3 tasks, all started 01/06/2020 and last updated 02/06 at 5 %: on 28/06 every
    task is behind schedule and not updated; those due 24/06 are newly overdue in 2020-W26."""
    plan = WorkPlanFactory(year=2020, start_date=date(2020, 6, 1), end_date=date(2020, 7, 31))
    leader = member(UnitFactory(code="VP"), username="lanhdao-big")
    for u in range(UNITS):
        unit = UnitFactory(code=f"DV-{u:02d}", name=f"Đơn vị sự nghiệp trực thuộc số {u:02d} của Tổng cục")
        author = member(unit, username=f"staff-{u:02d}")
        for t in range(TASKS_PER_UNIT):
            task = TaskFactory(
                plan=plan,
                code=f"NV-{u:02d}-{t}",
                lead_unit=unit,
                title=f"Xây dựng và trình ban hành tiêu chuẩn quốc gia số {u:02d}-{t} về đo lường " * 3,
                due_date=date(2020, 6, 24) if t == 0 else date(2020, 7, 31),
            )
            record_progress(task, at=at(date(2020, 6, 2)), status=Status.IN_PROGRESS, progress=5, author=author)
    return {"plan": plan, "leader": leader}


def _pdftext(path, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True).stdout


def _pdfinfo(path) -> dict:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in out.splitlines())}


def test_snapshot_keeps_the_most_important_rows_of_each_list_and_their_totals(big_plan):
    # When the week is summed up
    snap = weekly_report_snapshot(plan=big_plan["plan"], iso_year=2020, iso_week=26)

    # Then the figures cover all 36 tasks, the lists their first 10 rows, the totals every row
    assert snap["version"] == 3
    assert "tasks" not in snap
    assert snap["counts"]["total"] == 36
    assert snap["counts"]["at_risk"] == 36
    assert snap["totals"]["at_risk"] == 36
    assert snap["totals"]["stale"] == 36
    assert snap["totals"]["newly_overdue"] == 12
    assert len(snap["at_risk"]) == len(snap["stale"]) == len(snap["newly_overdue"]) == REPORT_LIST_LIMIT == 10
    # Newly overdue: oldest due date first, then by code; behind schedule: widest gap first.
    assert [t["code"] for t in snap["newly_overdue"][:3]] == ["NV-00-0", "NV-01-0", "NV-02-0"]
    assert [t["code"] for t in snap["at_risk"][:2]] == ["NV-00-0", "NV-01-0"]
    assert len(snap["units_not_updated"]) == snap["totals"]["units_not_updated"] == 12


def test_the_pdf_is_an_administrative_report_tagged_in_vietnamese_within_two_pages(big_plan, settings):
    # Given a signer in the settings
    settings.REPORT_SIGNER_NAME = "Nguyễn Văn A"
    # When the week's report is built
    report = weekly_report_build(plan=big_plan["plan"], iso_year=2020, iso_week=26)

    # Then the PDF is tagged, in Vietnamese, titled, on two A4 pages at most
    info = _pdfinfo(report.pdf_file.path)
    assert info["Tagged"] == "yes"
    assert info["Title"] == "Báo cáo tuần 2020-W26"
    assert int(info["Pages"]) == 2
    assert info["Page size"].startswith("595.276 x 841.89")  # A4 in points
    root = PdfReader(report.pdf_file.path).trailer["/Root"]
    assert root["/Lang"] == "vi"
    assert "/StructTreeRoot" in root
    # and its parts come in the decree's order: the issuer's column (with the number line, the
    # number itself left blank for the clerk), the motto's column, the title, the body, the closing
    assert re.search(r"^\s*Số:\s+/BC-TĐC\s*$", _pdftext(report.pdf_file.path, "-layout"), re.M)
    text = " ".join(_pdftext(report.pdf_file.path).split())
    parts = [
        "BỘ KHOA HỌC VÀ CÔNG NGHỆ",
        "TỔNG CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG",
        "Số:",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hà Nội, ngày 29 tháng 6 năm 2020",
        "BÁO CÁO",
        "Tình hình thực hiện nhiệm vụ trọng tâm tuần 26/2020",
        "I. TÌNH HÌNH CHUNG",
        "III. NHỮNG VẤN ĐỀ CẦN LƯU Ý",
        "Chậm tiến độ: 36 (nêu 3",
        "Nơi nhận:",
        "KT. TỔNG CỤC TRƯỞNG",
        "PHÓ TỔNG CỤC TRƯỞNG",
        "Nguyễn Văn A",
    ]
    positions = [text.find(part) for part in parts]
    assert -1 not in positions, [part for part, found in zip(parts, positions, strict=True) if found == -1]
    assert positions == sorted(positions), text[:600]


def test_the_place_date_line_writes_small_days_and_january_february_with_a_zero():
    assert place_date(date(2020, 2, 5)) == "Hà Nội, ngày 05 tháng 02 năm 2020"
    assert place_date(date(2020, 11, 23)) == "Hà Nội, ngày 23 tháng 11 năm 2020"
    assert place_date(date(2020, 3, 9)) == "Hà Nội, ngày 09 tháng 3 năm 2020"


def test_the_longest_possible_report_still_fits_two_pages(world, settings, tmp_path):
    # Given a built report whose every list is full of the longest texts a person may type
    settings.REPORT_BASE_URL = "https://kehoach.tcvn.gov.vn"
    snap = copy.deepcopy(weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26).snapshot)
    long_title, long_text = "Ư" * 500, "Đã rà soát " * (NOTE_MAX_LENGTH // 11)
    code, unit = "W" * 32, "W" * 32
    task = {**snap["at_risk"][0], "code": code, "unit": unit, "title": long_title}
    change = {**snap["status_changes"][0], "code": code, "unit": unit, "title": long_title, "note": long_text}
    for key in ("completed", "newly_overdue", "at_risk", "stale", "awaiting_confirmation"):
        snap[key] = [task] * REPORT_LIST_LIMIT
    snap["status_changes"] = snap["notes"] = [change] * REPORT_LIST_LIMIT
    snap["extensions"] = [
        {
            "code": code,
            "title": long_title,
            "unit": unit,
            "old_due_date": "2020-06-30",
            "new_due_date": "2020-09-30",
            "document_ref": "Ư" * 255,
            "late_request": True,
            "decided_by": "Ư" * 150,
            "decided_at": "2020-06-23T10:00:00+07:00",
        }
    ] * REPORT_LIST_LIMIT
    snap["pending_requests"] = [
        {
            "code": code,
            "title": long_title,
            "unit": unit,
            "kind": "extension",
            "requested_at": "2020-06-01T10:00:00+07:00",
            "age_days": 27,
            "proposed_due_date": "2020-09-30",
            "reason": long_text,
        }
    ] * REPORT_LIST_LIMIT
    snap["returned"] = [
        {
            "code": code,
            "title": long_title,
            "unit": unit,
            "reviewer": "Ư" * 150,
            "decided_at": "2020-06-25T10:00:00+07:00",
            "comment": long_text,
        }
    ] * REPORT_LIST_LIMIT
    snap["units_not_updated"] = [{"unit": unit, "name": "Ư" * 255, "name_en": ""}] * 60
    snap["by_unit"] = [{**snap["by_unit"][0], "unit": unit, "name": "Ư" * 255}] * 60
    snap["totals"] = dict.fromkeys(snap["totals"], 99999)
    snap["urgings"] = {
        "total": 99999,
        "tasks": 99999,
        "acts": 99999,
        "by_unit": [{"unit": unit, "name": "Ư" * 255, "urgings": 99999, "tasks": 99999}] * 60,
        "top_tasks": [{"code": code, "title": long_title, "unit": unit, "urgings": 99999}] * 20,
        "more_tasks": 99979,
    }

    # When it is laid out
    pdf = tmp_path / "longest.pdf"
    pdf.write_bytes(render_pdf(snap, plan_title="Ư" * 255, changes={"total": 99999, "average_progress": -99.9}))

    # Then two A4 pages hold it, the signature included
    assert _pdfinfo(pdf)["Pages"] == "2"
    assert "KT. TỔNG CỤC TRƯỞNG" in _pdftext(pdf)


def test_numbers_are_right_aligned_in_every_table_of_the_pdf_and_the_page(client, world):
    from django.template.loader import render_to_string

    from reports.rendering.pdf import pdf_context

    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    html = render_to_string("reports/pdf/weekly.html", pdf_context(report.snapshot))
    # Every cell holding a figure, a percentage, a date or a count of days has the class "num",
    # which the PDF's style sheet aligns right.
    assert '<td class="num">5</td>' in html  # total
    assert '<td class="num">40,0%</td>' in html  # average progress
    assert '<td class="num">30/06/2020</td><td class="num">100%</td>' in html  # a task's due date and progress
    with open("static/css/report-pdf.css", encoding="utf-8") as css:
        assert ".grid .num { text-align: right;" in css.read()
    client.force_login(world["leader"])
    page = client.get(reverse("reports:detail", args=[2020, 26])).content.decode()
    assert '<td class="text-end">3</td><td class="text-end">1</td>' in page  # by unit: total, on time
    assert '<td class="text-end">100%</td>' in page  # progress in a task table


def test_the_xlsx_lists_every_task_from_the_journal_with_right_aligned_numbers(big_plan):
    # When the week's report is built from a snapshot that keeps 10 rows a list
    report = weekly_report_build(plan=big_plan["plan"], iso_year=2020, iso_week=26)

    # Then the workbook still lists all 36 tasks, as of the week's end
    wb = load_workbook(report.xlsx_file.path)
    rows = list(wb["Nhiệm vụ"].iter_rows(min_row=2))
    assert len(rows) == 36
    first = rows[0]
    assert [first[0].value, first[7].value, first[9].value] == ["NV-00-0", 5, "Chưa hoàn thành, quá hạn"]
    # with numbers and dates as numbers, right-aligned, in a number format
    assert first[7].alignment.horizontal == "right" and first[7].number_format == "#,##0"
    assert first[8].alignment.horizontal == "right" and first[8].number_format == "#,##0.0"
    assert first[5].alignment.horizontal == "right" and first[5].number_format == "DD/MM/YYYY"
    unit = next(wb["Theo đơn vị"].iter_rows(min_row=2))
    assert unit[2].value == 3 and unit[2].alignment.horizontal == "right"
    summary = {row[0].value: row[1] for row in wb["Tổng hợp"].iter_rows(min_row=2)}
    assert summary["Tổng số nhiệm vụ"].value == 36
    assert summary["Tổng số nhiệm vụ"].alignment.horizontal == "right"
    assert wb["Nhiệm vụ"].freeze_panes == "A2"


def test_the_page_links_to_the_full_lists_and_takes_the_same_queries_for_any_plan_size(client, big_plan):
    # Given the report of a plan whose lists run past the report's bound
    weekly_report_build(plan=big_plan["plan"], iso_year=2020, iso_week=26)
    client.force_login(big_plan["leader"])

    # When its page is read
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("reports:detail", args=[2020, 26])).content.decode()

    # Then it shows 10 of 36 behind schedule with a link to the task list filtered the same way
    assert "Hiển thị 5/36." in html
    assert f'href="{reverse("tasks:list")}?plan=2020&amp;as_of=2020-06-28&amp;at_risk=1"' in html
    assert f'href="{reverse("tasks:list")}?plan=2020&amp;as_of=2020-06-28&amp;state=open_overdue"' in html
    # and only the tasks it shows are looked up (one query, whatever the plan's size)
    assert html.count('href="/tasks/') >= 10
    assert len(queries) <= 12, [q["sql"][:80] for q in queries]


def test_a_report_stored_before_issue_14_still_renders_bounded(client, world):
    # Given a report stored with every task and unbounded lists (snapshot version 2)
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    old = {k: v for k, v in report.snapshot.items() if k != "totals"}
    old["version"] = 2
    old["stale"] = old["stale"] * 8  # 24 rows, as an old report of a big plan would hold
    old["tasks"] = [old["stale"][0]] * 50
    WeeklyReport.objects.filter(pk=report.pk).update(snapshot=old)
    client.force_login(world["leader"])

    # When its page, its context and its PDF are made
    html = client.get(reverse("reports:detail", args=[2020, 26])).content.decode()
    ctx = report_context(old)

    # Then each list is cut to the bound with its stored length as the total
    assert ctx["totals"]["stale"] == 24
    assert len(ctx["stale"]) == REPORT_LIST_LIMIT
    assert "Hiển thị 5/24." in html
    assert render_pdf(old)[:5] == b"%PDF-"


def test_the_migration_trims_old_snapshots_to_the_bounded_shape(world):
    # Given an old snapshot (every task, unbounded lists)
    migration = importlib.import_module("reports.migrations.0006_bounded_snapshots")
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    old = {k: v for k, v in report.snapshot.items() if k != "totals"}
    gaps = [(10, 50), (30, 40), (0, 90)]
    old["at_risk"] = [
        {**old["at_risk"][0], "code": f"T{i:02d}", "progress": p, "expected": e} for i, (p, e) in enumerate(gaps * 5)
    ]
    old["tasks"] = old["at_risk"]

    # When the migration's transformation runs
    slim = migration.bounded(old)

    # Then "tasks" is gone, the list holds the 10 widest gaps first, the total all 15
    assert "tasks" not in slim
    assert slim["version"] == 3
    assert slim["totals"]["at_risk"] == 15
    assert len(slim["at_risk"]) == 10
    assert [t["code"] for t in slim["at_risk"][:3]] == ["T02", "T05", "T08"]
    assert slim["counts"] == old["counts"]
    assert report_context(slim)["totals"]["at_risk"] == 15


def test_an_old_snapshot_in_the_database_is_trimmed_by_the_migration(world):
    migration = importlib.import_module("reports.migrations.0006_bounded_snapshots")
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    old = {**{k: v for k, v in report.snapshot.items() if k != "totals"}, "version": 2, "tasks": [{"code": "x"}]}
    WeeklyReport.objects.filter(pk=report.pk).update(snapshot=old)
    from django.apps import apps

    migration.bound_old_snapshots(apps, None)

    stored = WeeklyReport.objects.get(pk=report.pk).snapshot
    assert "tasks" not in stored
    assert stored["totals"]["stale"] == 3
    assert Task.objects.filter(plan=world["plan"]).count() == 5
