"""The report as PDF (WeasyPrint): a Vietnamese administrative report of two A4 pages at most.

Layout: Nghị định 30/2020/NĐ-CP, Phụ lục I (the agency and the national motto
in the heading, the number and the place-date line, the title, the body,
"Nơi nhận" and the signature block), A4 with the decree's margins, a
Times New Roman-like serif at 13 pt. Tagged (PDF/UA structure, language vi,
a title), so screen readers read it in order.

Bounded whatever the plan's size: each list shows its PDF_LIST_LIMIT most
important rows with the full count and where to see all of it (the portal,
the Excel file); titles and notes are cut to a fixed length.

Font: Liberation Serif 2 (Debian fonts-liberation2): Times New Roman's
metrics and every Vietnamese letter in one family, embedded as a subset.
"""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from plan_portal.text import strip_bidi_controls, strip_bidi_controls_deep
from tasks.labels import COUNT_LABELS

from .context import OTHER_COUNTS, report_context, units_most_behind

# A note may hold 4,000 characters; laid out in full, one note of emoji (each
# a font fallback for the layout engine) took 45 s and many pages. The PDF
# shows the first characters and points to the portal for the rest, which
# bounds the cost of every note whatever it holds.
PDF_NOTE_MAX_CHARS = 120
PDF_TITLE_MAX_CHARS = 60
# Rows per list and units in the PDF: with the cuts above, the longest
# report still fits two A4 pages (test_weekly_report_document.py).
PDF_LIST_LIMIT = 3
PDF_NOTES_LIMIT = 2
PDF_UNIT_LIMIT = 5
ATTENTION = (
    ("newly_overdue", gettext_lazy("Newly overdue")),
    ("at_risk", gettext_lazy("Behind schedule")),
    ("stale", gettext_lazy("No recent update")),
    ("awaiting_confirmation", gettext_lazy("Completions awaiting confirmation")),
)


def _portal_task_url(*, plan: int, code: str) -> str:
    base = getattr(settings, "REPORT_BASE_URL", "").rstrip("/")
    return f"{base}{reverse('tasks:list')}?{urlencode({'plan': plan, 'q': code})}"


def _cut(text: str, limit: int) -> tuple[str, bool]:
    # Code points, not Truncator's characters: those skip combining marks,
    # so one letter carrying 3,999 accents would pass whole.
    text = text or ""
    return (text[:limit] + "…", True) if len(text) > limit else (text, False)


def _bounded_notes(rows: list[dict], *, plan: int) -> list[dict]:
    bounded = []
    for row in rows:
        note, truncated = _cut(row.get("note") or "", PDF_NOTE_MAX_CHARS)
        extra = {"note": note, "note_truncated": truncated}
        if truncated:
            extra["note_url"] = _portal_task_url(plan=plan, code=row["code"])
        bounded.append({**row, **extra})
    return bounded


def _short_titles(rows: list[dict], *extra: str) -> list[dict]:
    """Titles (and the `extra` texts: a document, a comment) cut to a fixed length."""
    keys = ("title", *extra)
    return [{**row, **{key: _cut(row.get(key) or "", PDF_TITLE_MAX_CHARS)[0] for key in keys}} for row in rows]


def place_date(day: date) -> str:
    """ "Hà Nội, ngày 05 tháng 02 năm 2020": the decree writes a day below 10
    and the months 1 and 2 with a leading zero (so the date cannot be altered)."""
    return _("%(place)s, day %(day)s month %(month)s year %(year)s") % {
        "place": settings.REPORT_PLACE,
        "day": f"{day.day:02d}",
        "month": f"{day.month:02d}" if day.month < 3 else str(day.month),
        "year": day.year,
    }


def _signed(value) -> str:
    return "" if value is None else f"{value:+d}" if isinstance(value, int) else f"{value:+.1f}".replace(".", ",")


def _headline(ctx: dict) -> list[dict]:
    figures = [ctx["total"], *ctx["four_way"]]
    rows = [{**f, "display": number_format(f["value"]), "change_display": _signed(f["change"])} for f in figures]
    rows.append(
        {
            "label": _("Average progress"),
            "display": f"{number_format(ctx['average_progress'], 1)}%",
            "change_display": _signed(ctx["average_change"]),
        }
    )
    return rows


def _document() -> dict:
    return {
        "governing_body": settings.REPORT_GOVERNING_BODY,
        "agency_name": settings.REPORT_AGENCY_NAME,
        "agency_line": " ".join(settings.REPORT_AGENCY_NAME.split()),
        "agency_symbol": settings.REPORT_AGENCY_SYMBOL,
        "recipients": settings.REPORT_RECIPIENTS_BLOCK,
        "signer_authority": settings.REPORT_SIGNER_AUTHORITY,
        "signer_title": settings.REPORT_SIGNER_TITLE,
        "signer_name": settings.REPORT_SIGNER_NAME,
    }


def pdf_context(snapshot: dict, *, plan_title: str = "", changes: dict | None = None) -> dict:
    base_url = getattr(settings, "REPORT_BASE_URL", "").rstrip("/")
    ctx = report_context(snapshot, changes=changes, limit=PDF_LIST_LIMIT, base_url=base_url)
    end = ctx["period_end"]
    plan = snapshot.get("plan")
    counts = snapshot["counts"]
    other = [{"label": COUNT_LABELS[key], "value": counts.get(key, 0)} for key in OTHER_COUNTS]
    ctx.update(
        {
            "doc": _document(),
            "plan_title": _cut(strip_bidi_controls(plan_title), PDF_TITLE_MAX_CHARS)[0],
            "document_title": f"{_('Weekly report')} {snapshot['week']}",
            "subject": _("Progress of the priority tasks, week %(week)d/%(year)d")
            % {"week": snapshot["iso_week"], "year": snapshot["iso_year"]},
            "period": _("(from %(start)s to %(end)s)")
            % {"start": ctx["period_start"].strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")},
            # Dated the Monday after the week: the day it is sent.
            "place_date": place_date(end + timedelta(days=1)),
            "headline": _headline(ctx),
            "other_pairs": [other[i : i + 2] for i in range(0, len(other), 2)],
            "units_shown": strip_bidi_controls_deep(units_most_behind(ctx["by_unit"], limit=PDF_UNIT_LIMIT)),
            "units_total": len(ctx["by_unit"]),
            "activity_counts": snapshot["activity"],
            "see_all_link": bool(base_url),
            "attention": [
                {
                    "title": str(title),
                    "rows": _short_titles(ctx[key]),
                    "total": ctx["totals"][key],
                    "url": ctx["see_all"][key] if base_url else "",
                }
                for key, title in ATTENTION
            ],
            "pending_requests": _short_titles(ctx["pending_requests"]),
            "pending_url": ctx["see_all"]["pending_requests"] if base_url else "",
            "extensions": _short_titles(ctx["extensions"], "document_ref"),
            "returned": _short_titles(ctx["returned"][-PDF_NOTES_LIMIT:], "comment"),
            "notes": _bounded_notes(ctx["notes"][-PDF_NOTES_LIMIT:], plan=plan),
            "completed": ctx["completed"],
        }
    )
    return ctx


def render_pdf(snapshot: dict, *, plan_title: str = "", changes: dict | None = None) -> bytes:
    html = render_to_string("reports/pdf/weekly.html", pdf_context(snapshot, plan_title=plan_title, changes=changes))
    fonts = FontConfiguration()
    stylesheets = [CSS(filename=finders.find("css/report-pdf.css"), font_config=fonts)]
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=stylesheets, font_config=fonts, pdf_tags=True
    )
