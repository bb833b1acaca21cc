"""A small world for the security tests: one plan, one task, a member of its
lead unit with a password, and a weekly report with its files."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.core.files.base import ContentFile

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, WorkPlanFactory, member
from reports.models import WeeklyReport
from tasks.models import Task, WorkPlan
from units.models import Unit

PASSWORD = "Mat-khau-an-toan-2020"


@dataclass
class SecurityWorld:
    unit: Unit
    member: object
    outsider: object
    plan: WorkPlan
    task: Task
    report: WeeklyReport


def build_security_world() -> SecurityWorld:
    # Passwords are hashed with the hasher configured when this runs (the
    # production test switches to PBKDF2 first).
    unit = UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn", name_en="Standards Department")
    staff = member(unit, username="lan", password=PASSWORD, first_name="Lan", last_name="Nguyễn")
    outsider = UserFactory(username="khach", password=PASSWORD)
    plan = WorkPlanFactory(year=2020)
    task = TaskFactory(
        plan=plan,
        code="NV-2020-01",
        title="Xây dựng tiêu chuẩn quốc gia",
        lead_unit=unit,
        start_date=date(2020, 1, 2),
        due_date=date(2020, 12, 15),
    )
    report = WeeklyReport(
        plan=plan,
        iso_year=2020,
        iso_week=26,
        period_start=date(2020, 6, 22),
        period_end=date(2020, 6, 28),
        generated_at=datetime(2020, 6, 29, 0, 0, tzinfo=UTC),
        snapshot={},
        snapshot_hash="0" * 64,
    )
    report.xlsx_file.save("security-test.xlsx", ContentFile(b"PK\x03\x04 not a real workbook"), save=False)
    report.pdf_file.save("security-test.pdf", ContentFile(b"%PDF-1.4 not a real report"), save=False)
    report.save()
    return SecurityWorld(unit=unit, member=staff, outsider=outsider, plan=plan, task=task, report=report)
