"""E-mails: the weekly report (HTML + plain text, PDF attached) and the Friday reminder."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .context import report_context


def from_email() -> str:
    return getattr(settings, "REPORT_FROM_EMAIL", "") or settings.DEFAULT_FROM_EMAIL


def report_message(
    *,
    report,
    to: list[str],
    pdf: bytes | None = None,
    changes: dict | None,
    unit_code: str | None = None,
    report_url: str = "",
) -> EmailMultiAlternatives:
    ctx = report_context(report.snapshot, changes=changes, unit_code=unit_code)
    ctx.update({"plan_title": report.plan.title, "report_url": report_url})
    subject = _("Weekly report %(week)s (%(start)s – %(end)s)") % {
        "week": report.week_label,
        "start": report.period_start.strftime("%d/%m/%Y"),
        "end": report.period_end.strftime("%d/%m/%Y"),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/weekly_report.txt", ctx),
        from_email=from_email(),
        to=to,
    )
    message.attach_alternative(render_to_string("emails/weekly_report.html", ctx), "text/html")
    if pdf is not None:
        message.attach(report_pdf_filename(report), pdf, "application/pdf")
    return message


def report_pdf_filename(report) -> str:
    return f"bao-cao-tuan-{report.week_label}.pdf"


def reminder_message(*, unit, to: list[str], week: str, tasks_url: str = "") -> EmailMultiAlternatives:
    ctx = {"unit": unit, "week": week, "tasks_url": tasks_url}
    message = EmailMultiAlternatives(
        subject=_("Reminder: please post this week's progress (%(unit)s, %(week)s)")
        % {"unit": unit.code, "week": week},
        body=render_to_string("emails/update_reminder.txt", ctx),
        from_email=from_email(),
        to=to,
    )
    message.attach_alternative(render_to_string("emails/update_reminder.html", ctx), "text/html")
    return message
