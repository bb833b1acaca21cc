"""Writes for the weekly reports: build (snapshot + files + row), e-mail, reminders."""

import hashlib
import json
import logging
import os
import tempfile
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tasks.models import WorkPlan
from tasks.selectors import local_today, plan_units_not_updated, week_bounds
from units.models import Membership

from .models import ReminderLog, WeeklyReport
from .rendering.email import reminder_message, report_message
from .rendering.pdf import render_pdf
from .rendering.xlsx import render_xlsx
from .selectors import (
    iso_week_bounds,
    plan_all_weeks,
    plan_weeks_missing_report,
    snapshot_changes,
    unit_members_with_email,
)

logger = logging.getLogger(__name__)


def snapshot_digest(snapshot: dict) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _write_file_atomically(name: str, content: bytes) -> str:
    """Write beside the final name, fsync, then rename over it: readers see the
    old file or the new one, never half of one."""
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return name


def _delete_files(names: set[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - a leftover file is harmless
            logger.warning("Could not delete old report file %s", name)


def report_week_check(*, plan: WorkPlan, iso_year: int, iso_week: int) -> tuple[date, date]:
    """The week's Monday and Sunday; ValidationError for a week that does not exist or is outside the plan."""
    try:
        start, end = iso_week_bounds(iso_year=iso_year, iso_week=iso_week)
    except ValueError:
        raise ValidationError(
            {"iso_week": _("Week %(week)s of %(year)s does not exist.") % {"week": iso_week, "year": iso_year}}
        ) from None
    if (iso_year, iso_week) not in plan_all_weeks(plan=plan):
        raise ValidationError(
            {
                "iso_week": _("Week %(year)s-W%(week)02d is outside the %(plan)s plan.")
                % {"year": iso_year, "week": iso_week, "plan": plan.year}
            }
        )
    return start, end


def weekly_report_build(*, plan: WorkPlan, iso_year: int, iso_week: int) -> WeeklyReport:
    """Build (or rebuild) one week's report. Safe to run twice, or twice at once.

    Slow work (queries, XLSX, PDF) happens first, outside any transaction; the
    files get names derived from the snapshot and are moved into place
    atomically; then the row is replaced in one short transaction and the
    files it no longer points at are removed after the commit.
    """
    from .selectors import weekly_report_snapshot

    start, end = report_week_check(plan=plan, iso_year=iso_year, iso_week=iso_week)
    # Reports are written in the agency's language whoever triggers the build.
    with translation.override(settings.LANGUAGE_CODE):
        snapshot = weekly_report_snapshot(plan=plan, iso_year=iso_year, iso_week=iso_week)
        digest = snapshot_digest(snapshot)
        previous = (
            WeeklyReport.objects.filter(plan=plan, period_end=start - timedelta(days=1))
            .values_list("snapshot", flat=True)
            .first()
        )
        changes = snapshot_changes(current=snapshot, previous=previous)
        stem = f"reports/{plan.year}/{iso_year}-W{iso_week:02d}-{digest[:16]}"
        xlsx_name = _write_file_atomically(f"{stem}.xlsx", render_xlsx(snapshot))
        pdf_name = _write_file_atomically(f"{stem}.pdf", render_pdf(snapshot, plan_title=plan.title, changes=changes))

    with transaction.atomic():
        old = (
            WeeklyReport.objects.select_for_update()
            .filter(plan=plan, iso_year=iso_year, iso_week=iso_week)
            .values_list("xlsx_file", "pdf_file")
            .first()
        )
        report, _created = WeeklyReport.objects.update_or_create(
            plan=plan,
            iso_year=iso_year,
            iso_week=iso_week,
            defaults={
                "period_start": start,
                "period_end": end,
                "generated_at": timezone.now(),
                "snapshot": snapshot,
                "snapshot_hash": digest,
                "xlsx_file": xlsx_name,
                "pdf_file": pdf_name,
            },
        )
        unused = {name for name in (old or ()) if name and name not in (xlsx_name, pdf_name)}
        if unused:
            transaction.on_commit(lambda: _delete_files(unused))
    return report


# --- e-mail --------------------------------------------------------------------


def report_recipients() -> tuple[list[str], list[tuple[str, str]]]:
    """(Leadership and extra addresses, [(head e-mail, unit code)]), each address once.

    A unit head gets their unit's version (their section first) instead of the
    general one; a head of several units gets the first unit's version.
    """
    User = get_user_model()
    heads: dict[str, str] = {}
    for email, code in (
        Membership.objects.filter(role=Membership.Role.HEAD, user__is_active=True)
        .exclude(user__email="")
        .order_by("unit__sort_order", "unit__code", "user__email")
        .values_list("user__email", "unit__code")
    ):
        heads.setdefault(email.lower(), code)
    general = []
    leadership = (
        User.objects.filter(is_active=True, groups__name=settings.LEADERSHIP_GROUP)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )
    for email in [*leadership, *getattr(settings, "REPORT_EXTRA_RECIPIENTS", [])]:
        if email.lower() not in heads and email.lower() not in {e.lower() for e in general}:
            general.append(email)
    return general, sorted(heads.items())


def _absolute(path: str) -> str:
    base = getattr(settings, "REPORT_BASE_URL", "")
    return f"{base.rstrip('/')}{path}" if base else ""


def weekly_report_send(*, report: WeeklyReport, force: bool = False) -> int:
    """E-mail a report once: the row is locked and marked in the same
    transaction as the sending, so a retry after a failure sends again but a
    second run after success sends nothing. Returns the number of messages."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        report = WeeklyReport.objects.select_for_update().select_related("plan").get(pk=report.pk)
        if report.emailed_at and not force:
            return 0
        previous = (
            WeeklyReport.objects.filter(plan_id=report.plan_id, period_end=report.period_start - timedelta(days=1))
            .values_list("snapshot", flat=True)
            .first()
        )
        changes = snapshot_changes(current=report.snapshot, previous=previous)
        with report.pdf_file.open("rb") as handle:
            pdf = handle.read()
        url = _absolute(reverse("reports:detail", args=[report.iso_year, report.iso_week]))
        general, heads = report_recipients()
        messages = []
        if general:
            messages.append(report_message(report=report, to=general, pdf=pdf, changes=changes, report_url=url))
        for email, code in heads:
            messages.append(
                report_message(report=report, to=[email], pdf=pdf, changes=changes, unit_code=code, report_url=url)
            )
        if messages:
            get_connection(fail_silently=False).send_messages(messages)
        report.emailed_at = timezone.now()
        report.save(update_fields=["emailed_at"])
    return len(messages)


def due_weekly_reports_build(*, today: date | None = None) -> list[WeeklyReport]:
    """The Monday job: for every plan still running (or ended less than a week
    ago), build each ended week that has no report yet (the week just ended,
    plus any the beat missed) and rebuild the week just ended; then e-mail the
    week just ended, once."""
    today = today or local_today()
    monday, _ = week_bounds(today)
    last_week = (monday - timedelta(days=7)).isocalendar()
    last_week = (last_week.year, last_week.week)
    built = []
    for plan in WorkPlan.objects.filter(start_date__lte=today, end_date__gte=today - timedelta(days=7)):
        weeks = plan_weeks_missing_report(plan=plan, until=today)
        if last_week in plan_all_weeks(plan=plan) and last_week not in weeks:
            weeks.append(last_week)
        for iso_year, iso_week in weeks:
            report = weekly_report_build(plan=plan, iso_year=iso_year, iso_week=iso_week)
            built.append(report)
            if (iso_year, iso_week) == last_week:
                weekly_report_send(report=report)
    return built


def update_reminders_send(*, today: date | None = None) -> int:
    """The Friday job: remind the members of each unit that has tasks in
    progress and posted no update this week. One e-mail per unit and week at
    most (ReminderLog), even when the job runs twice. Returns units reminded."""
    today = today or local_today()
    start, _ = week_bounds(today)
    iso = today.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    tasks_url = _absolute(reverse("tasks:my"))
    reminded = 0
    for plan in WorkPlan.objects.filter(start_date__lte=today, end_date__gte=today):
        for unit in plan_units_not_updated(plan=plan, start=start, end=today):
            with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
                log, created = ReminderLog.objects.get_or_create(
                    unit=unit, iso_year=iso.year, iso_week=iso.week, defaults={"sent_at": timezone.now()}
                )
                if not created:
                    continue
                emails = list(unit_members_with_email(unit_ids=[unit.pk]).values_list("email", flat=True))
                log.recipients = len(emails)
                log.save(update_fields=["recipients"])
                if emails:
                    reminder_message(unit=unit, to=emails, week=week, tasks_url=tasks_url).send()
                    reminded += 1
    return reminded
