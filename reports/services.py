"""Writes for the weekly reports: build (snapshot + files + row), e-mail, reminders."""

import hashlib
import json
import logging
import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tasks.models import WorkPlan
from tasks.selectors import local_today, plan_units_not_updated, week_bounds
from units.models import Membership

from .models import OutboxMessage, ReminderLog, WeeklyReport
from .outbox import Draft, OutboxIncomplete, draft_from_message, outbox_add, outbox_send
from .rendering.email import reminder_message, report_message, report_pdf_filename
from .rendering.xlsx import render_xlsx
from .selectors import (
    iso_week_bounds,
    plan_all_weeks,
    plan_weeks_missing_report,
    previous_headline,
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
    # A pending e-mail still attaches the old PDF: report_files_cleanup takes it later.
    names = names - set(
        OutboxMessage.objects.exclude(state=OutboxMessage.State.SENT)
        .filter(attachment_path__in=names)
        .values_list("attachment_path", flat=True)
    )
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
    # WeasyPrint (about 40 MB with Pango) is loaded only where reports are built, the
    # worker: the web processes import this module but never build a PDF.
    from .rendering.pdf import render_pdf
    from .selectors import weekly_report_data

    start, end = report_week_check(plan=plan, iso_year=iso_year, iso_week=iso_week)
    started = timezone.now()
    # Reports are written in the agency's language whoever triggers the build.
    with translation.override(settings.LANGUAGE_CODE):
        snapshot, tasks = weekly_report_data(plan=plan, iso_year=iso_year, iso_week=iso_week)
        digest = snapshot_digest(snapshot)
        changes = snapshot_changes(current=snapshot, previous=previous_headline(plan_id=plan.pk, period_start=start))
        stem = f"reports/{plan.year}/{iso_year}-W{iso_week:02d}-{digest[:16]}"
        xlsx_name = _write_file_atomically(f"{stem}.xlsx", render_xlsx(snapshot, plan=plan, tasks=tasks))
        pdf_name = _write_file_atomically(f"{stem}.pdf", render_pdf(snapshot, plan_title=plan.title, changes=changes))

    with transaction.atomic():
        old = (
            WeeklyReport.objects.select_for_update()
            .filter(plan=plan, iso_year=iso_year, iso_week=iso_week)
            .values_list("xlsx_file", "pdf_file")
            .first()
        )
        report, created = WeeklyReport.objects.update_or_create(
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
        # A rebuild asked for before this build began is done now.
        WeeklyReport.objects.filter(pk=report.pk, rebuild_requested_at__lte=started).update(rebuild_requested_at=None)
        if created and end < local_today() <= end + timedelta(days=7):
            _weekly_report_notify(report)
        unused = {name for name in (old or ()) if name and name not in (xlsx_name, pdf_name)}
        if unused:
            transaction.on_commit(lambda: _delete_files(unused))
    return report


def _weekly_report_notify(report: WeeklyReport) -> None:
    """Tell Leadership in the portal that the week just ended has its report (once: the key)."""
    from tasks.notifications import notify_weekly_report_ready

    with translation.override(settings.LANGUAGE_CODE):
        notify_weekly_report_ready(
            key=f"weekly_report:{report.plan_id}:{report.week_label}",
            url=reverse("reports:detail", args=[report.iso_year, report.iso_week]),
            label=f"{report.plan.year}: {report.week_display}",
        )


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


def _unique_addresses(addresses) -> list[str]:
    """Each mailbox once: one person may have two accounts whose addresses differ only in case."""
    unique: dict[str, str] = {}
    for address in addresses:
        unique.setdefault(address.lower(), address)
    return list(unique.values())


def _absolute(path: str) -> str:
    base = getattr(settings, "REPORT_BASE_URL", "")
    return f"{base.rstrip('/')}{path}" if base else ""


def _weekly_report_drafts(report: WeeklyReport) -> list[Draft]:
    """One message per recipient: Leadership and extra addresses get the
    general version, each unit head their unit's version."""
    previous = previous_headline(plan_id=report.plan_id, period_start=report.period_start)
    changes = snapshot_changes(current=report.snapshot, previous=previous)
    url = _absolute(reverse("reports:detail", args=[report.iso_year, report.iso_week]))
    general, heads = report_recipients()
    batch = f"weekly_report:{report.pk}"
    attachment = (report.pdf_file.name, report_pdf_filename(report), "application/pdf")
    drafts = []
    if general:
        message = report_message(report=report, to=[], changes=changes, report_url=url)
        drafts += [
            draft_from_message(
                message,
                key=f"{batch}:{email.lower()}",
                batch=batch,
                kind="weekly_report",
                recipient=email,
                attachment=attachment,
            )
            for email in general
        ]
    for email, code in heads:
        message = report_message(report=report, to=[], changes=changes, unit_code=code, report_url=url)
        drafts.append(
            draft_from_message(
                message,
                key=f"{batch}:{email}",
                batch=batch,
                kind="weekly_report",
                recipient=email,
                attachment=attachment,
            )
        )
    return drafts


def weekly_report_send(*, report: WeeklyReport, deadline: float | None = None) -> int:
    """E-mail a report once to each recipient, through the outbox.

    The messages are recorded first (one row per recipient, unique key), then
    sent with no transaction open; a retry, or a run at the same time, sends
    only what is still pending. `emailed_at` is set once, when nothing of the
    report is pending any more. Raises OutboxIncomplete while something is
    (the job retries). Returns the number of messages this call sent.
    """
    report = WeeklyReport.objects.select_related("plan").get(pk=report.pk)
    if report.emailed_at:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        outbox_add(drafts=_weekly_report_drafts(report))
    result = outbox_send(batch=f"weekly_report:{report.pk}", deadline=deadline)
    if result.pending:
        raise OutboxIncomplete(f"{report.week_label}: {result.pending} message(s) still to send")
    WeeklyReport.objects.filter(pk=report.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return result.sent


def _send_opens(*, monday: date, now) -> bool:
    """The week just ended is e-mailed from Monday REPORT_SEND_HOUR (local) on:
    updates posted early on Monday for the past week still count."""
    local = timezone.localtime(now)
    return local.date() > monday or local.hour >= settings.REPORT_SEND_HOUR


def due_weekly_reports_build(*, now=None, deadline: float | None = None) -> list[WeeklyReport]:
    """The beat's catch-up (every few minutes, and Monday morning).

    For every plan still running (or ended less than a week ago): build each
    ended week that has no report yet (weeks the beat or a killed worker
    missed) and each report whose rebuild was asked for (a job that could not
    be queued); from Monday REPORT_SEND_HOUR, rebuild the week just ended and
    e-mail it, once. Then send what is left in the outbox and remove report
    files no row uses. Safe to run twice at once.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    monday, _ = week_bounds(today)
    last_week = (monday - timedelta(days=7)).isocalendar()
    last_week = (last_week.year, last_week.week)
    built = []
    for plan in WorkPlan.objects.filter(start_date__lte=today, end_date__gte=today - timedelta(days=7)):
        weeks = plan_weeks_missing_report(plan=plan, until=today)
        requested = WeeklyReport.objects.filter(plan=plan, rebuild_requested_at__isnull=False)
        weeks += [week for week in requested.values_list("iso_year", "iso_week") if week not in weeks]
        to_send = None
        sending = last_week in plan_all_weeks(plan=plan) and _send_opens(monday=monday, now=now)
        if sending:
            to_send = WeeklyReport.objects.filter(plan=plan, iso_year=last_week[0], iso_week=last_week[1]).first()
            if (to_send is None or to_send.emailed_at is None) and last_week not in weeks:
                weeks.append(last_week)
        for iso_year, iso_week in sorted(weeks):
            if deadline is not None and time.monotonic() > deadline:
                break  # the next run goes on from here
            report = weekly_report_build(plan=plan, iso_year=iso_year, iso_week=iso_week)
            built.append(report)
            if sending and (iso_year, iso_week) == last_week:
                to_send = report
        if to_send is not None and to_send.emailed_at is None:
            weekly_report_send(report=to_send, deadline=deadline)
    outbox_send(deadline=deadline)
    report_files_cleanup()
    return built


def report_files_cleanup(*, grace: timedelta | None = None) -> list[str]:
    """Remove files under media/reports/ that no report row (nor a pending
    e-mail) points at and that are older than the grace period: what a worker
    killed mid-build leaves. The grace period, longer than any build, keeps
    the files of a build still running."""
    grace = grace if grace is not None else timedelta(seconds=settings.REPORT_ORPHAN_GRACE_SECONDS)
    root = Path(default_storage.path("reports"))
    if not root.is_dir():
        return []
    cutoff = time.time() - grace.total_seconds()
    candidates = [p for p in root.rglob("*") if p.is_file() and p.stat().st_mtime < cutoff]
    if not candidates:
        return []
    used = set()
    for xlsx, pdf in WeeklyReport.objects.values_list("xlsx_file", "pdf_file"):
        used.update((xlsx, pdf))
    used.update(
        OutboxMessage.objects.exclude(state=OutboxMessage.State.SENT)
        .exclude(attachment_path="")
        .values_list("attachment_path", flat=True)
    )
    media = Path(default_storage.path(""))
    removed = []
    for path in candidates:
        name = path.relative_to(media).as_posix()
        if name not in used:
            path.unlink(missing_ok=True)
            removed.append(name)
    if removed:
        logger.info("Removed %d unused report file(s): %s", len(removed), ", ".join(sorted(removed)))
    return sorted(removed)


def update_reminders_send(*, today: date | None = None, deadline: float | None = None) -> int:
    """The Friday job: remind the members of each unit that has tasks in
    progress and posted no update this week. One message per member, unit
    and week at most (ReminderLog + the outbox), even when the job runs twice
    or is retried after an SMTP failure. Returns the units newly reminded;
    raises OutboxIncomplete while some message is still to send."""
    today = today or local_today()
    start, _ = week_bounds(today)
    iso = today.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    tasks_url = _absolute(reverse("tasks:my"))
    reminded = 0
    batches = []
    for plan in WorkPlan.objects.filter(start_date__lte=today, end_date__gte=today):
        for unit in plan_units_not_updated(plan=plan, start=start, end=today):
            batch = f"reminder:{unit.pk}:{week}"
            batches.append(batch)
            emails = _unique_addresses(unit_members_with_email(unit_ids=[unit.pk]).values_list("email", flat=True))
            with translation.override(settings.LANGUAGE_CODE):
                message = reminder_message(unit=unit, to=[], week=week, tasks_url=tasks_url)
            drafts = [
                draft_from_message(
                    message, key=f"{batch}:{email.lower()}", batch=batch, kind="reminder", recipient=email
                )
                for email in emails
            ]
            # The log and the messages are recorded together (no SMTP here).
            with transaction.atomic():
                log, created = ReminderLog.objects.get_or_create(
                    unit=unit,
                    iso_year=iso.year,
                    iso_week=iso.week,
                    defaults={"sent_at": timezone.now(), "recipients": len(emails)},
                )
                if created:
                    outbox_add(drafts=drafts)
            if created and emails:
                reminded += 1
    pending = sum(outbox_send(batch=batch, deadline=deadline).pending for batch in batches)
    if pending:
        raise OutboxIncomplete(f"reminders {week}: {pending} message(s) still to send")
    return reminded
