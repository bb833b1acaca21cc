from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from plan_portal.tests.factories import at, record_progress
from reports.models import WeeklyReport
from reports.services import weekly_report_build
from tasks.models import Status
from tasks.selectors import plan_figures

pytestmark = pytest.mark.django_db


def build_w26(world):
    return weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)


def test_snapshot_holds_the_week_figures_from_the_journal(world):
    report = build_w26(world)

    snap = report.snapshot
    assert (report.period_start, report.period_end) == (date(2020, 6, 22), date(2020, 6, 28))
    assert snap["counts"] == {
        "total": 5,
        "completed_on_time": 1,
        "completed_late": 0,
        "open_within_deadline": 2,
        "open_overdue": 2,
        "not_started": 0,
        "in_progress": 3,
        "on_hold": 1,
        "cancelled": 0,
        "at_risk": 2,
        "stale": 3,
        "extended": 0,
        "awaiting_confirmation": 1,
        "pending_requests": 0,
    }
    assert snap["average_progress"] == 40.0
    assert snap["activity"] == {"completed": 1, "status_changes": 2, "tasks_updated": 2, "updates": 2}
    assert [t["code"] for t in snap["completed"]] == ["NV-01"]
    assert [t["code"] for t in snap["newly_overdue"]] == ["NV-05"]
    assert [t["code"] for t in snap["at_risk"]] == ["NV-02", "NV-05"]
    assert [t["code"] for t in snap["stale"]] == ["NV-02", "NV-04", "NV-05"]
    assert [(c["code"], c["from_status"], c["to_status"]) for c in snap["status_changes"]] == [
        ("NV-03", "not_started", "on_hold"),
        ("NV-01", "in_progress", "completed"),
    ]
    assert [n["note"] for n in snap["notes"]] == ["Chờ bố trí kinh phí", "Đã ban hành, hoàn thành đúng hạn"]
    assert snap["units_not_updated"] == [{"unit": "VU-B", "name": "Vụ Đo lường", "name_en": "Unit VU-B"}]
    assert [(u["unit"], u["total"], u["open_overdue"]) for u in snap["by_unit"]] == [("VU-A", 3, 1), ("VU-B", 2, 1)]


def test_snapshot_figures_equal_the_dashboard_figures_for_the_same_day(world):
    report = build_w26(world)

    figures = plan_figures(plan=world["plan"], as_of=date(2020, 6, 28))
    assert report.snapshot["counts"] == figures.counts
    assert report.snapshot["average_progress"] == figures.average_progress
    assert report.snapshot["by_unit"] == figures.by_unit


def test_building_twice_keeps_one_row_the_same_snapshot_and_no_leftover_files(world, media_root):
    first = build_w26(world)
    second = build_w26(world)

    assert WeeklyReport.objects.count() == 1
    assert second.pk == first.pk
    assert second.snapshot == first.snapshot
    assert second.snapshot_hash == first.snapshot_hash
    files = sorted(p.name for p in Path(media_root, "reports", "2020").iterdir())
    assert files == sorted([Path(second.xlsx_file.name).name, Path(second.pdf_file.name).name])


def test_an_update_made_after_the_week_does_not_change_that_week(world):
    before = build_w26(world)
    t4 = world["tasks"][3]
    record_progress(
        t4, at=at(date(2020, 6, 30)), status=Status.COMPLETED, progress=100, note="Xong", author=world["staff_b"]
    )

    after = build_w26(world)

    assert after.snapshot == before.snapshot
    w27 = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=27)
    assert w27.snapshot["counts"]["completed_late"] == 0
    assert w27.snapshot["counts"]["completed_on_time"] == 2


def test_a_failed_rebuild_leaves_the_previous_report_and_its_files_untouched(world, monkeypatch):
    report = build_w26(world)
    record_progress(
        world["tasks"][3],
        at=at(date(2020, 6, 27)),
        status=Status.IN_PROGRESS,
        progress=60,
        note="Tăng tốc",
        author=world["staff_b"],
    )

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("reports.rendering.pdf.render_pdf", broken)
    with pytest.raises(RuntimeError):
        build_w26(world)

    row = WeeklyReport.objects.get()
    assert row.snapshot_hash == report.snapshot_hash
    assert Path(row.pdf_file.path).read_bytes()[:5] == b"%PDF-"
    assert Path(row.xlsx_file.path).stat().st_size > 0


def test_a_week_outside_the_plan_is_refused_and_nothing_is_written(world):
    with pytest.raises(ValidationError) as error:
        weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=40)

    assert "iso_week" in error.value.message_dict
    assert WeeklyReport.objects.count() == 0


def test_build_reports_command_builds_the_chosen_weeks_in_process(world, capsys):
    call_command("build_reports", "--plan", "2020", "--weeks", "25-26", "--no-progress")

    assert list(WeeklyReport.objects.order_by("iso_week").values_list("iso_week", flat=True)) == [25, 26]
    assert "Built 2 weekly report(s) of 2020" in capsys.readouterr().out


def test_build_reports_command_default_builds_every_ended_week_of_the_plan(world):
    call_command("build_reports", "--plan", "2020", "--no-progress")

    assert list(WeeklyReport.objects.order_by("iso_week").values_list("iso_week", flat=True)) == list(range(23, 32))


@pytest.mark.parametrize(("spec", "message"), [("x", "cannot read"), ("30-20", "cannot read"), ("40", "not in the")])
def test_build_reports_command_refuses_bad_weeks(world, spec, message):
    with pytest.raises(CommandError, match=message):
        call_command("build_reports", "--plan", "2020", "--weeks", spec, "--no-progress")
    assert WeeklyReport.objects.count() == 0


def test_build_reports_command_refuses_an_unknown_plan(db):
    with pytest.raises(CommandError, match="No work plan for 1999"):
        call_command("build_reports", "--plan", "1999")
