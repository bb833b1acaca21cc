"""The report as PDF (WeasyPrint): one summary page for Leadership, then an annex.

Font: DejaVu Sans (Debian package fonts-dejavu-core, found through
fontconfig): one file with every Vietnamese glyph, embedded as a subset, so
the file reads the same everywhere. The vendored Be Vietnam Pro is split into
unicode-range subsets (latin / vietnamese) for browsers; WeasyPrint mixes
those subsets badly inside a word, so the PDF does not use it.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from plan_portal.text import strip_bidi_controls

from .context import report_context

# A note may hold 4,000 characters; laid out in full, one note of emoji (each
# a font fallback for the layout engine) took 45 s and many pages. The PDF
# shows the first characters and points to the portal for the rest, which
# bounds the cost of every note whatever it holds.
PDF_NOTE_MAX_CHARS = 300


def _portal_task_url(*, plan: int, code: str) -> str:
    base = getattr(settings, "REPORT_BASE_URL", "").rstrip("/")
    return f"{base}{reverse('tasks:list')}?{urlencode({'plan': plan, 'q': code})}"


def _bounded_notes(rows: list[dict], *, plan: int) -> list[dict]:
    bounded = []
    for row in rows:
        note = row.get("note") or ""
        # Code points, not Truncator's characters: those skip combining marks,
        # so one letter carrying 3,999 accents would pass whole.
        truncated = len(note) > PDF_NOTE_MAX_CHARS
        extra = {"note": note[:PDF_NOTE_MAX_CHARS] + "…" if truncated else note, "note_truncated": truncated}
        if extra["note_truncated"]:
            extra["note_url"] = _portal_task_url(plan=plan, code=row["code"])
        bounded.append({**row, **extra})
    return bounded


def render_pdf(snapshot: dict, *, plan_title: str = "", changes: dict | None = None) -> bytes:
    ctx = report_context(snapshot, changes=changes)
    ctx["plan_title"] = strip_bidi_controls(plan_title)
    ctx["status_changes"] = _bounded_notes(ctx["status_changes"], plan=snapshot.get("plan"))
    ctx["notes"] = _bounded_notes(ctx["notes"], plan=snapshot.get("plan"))
    html = render_to_string("reports/pdf/weekly.html", ctx)
    fonts = FontConfiguration()
    stylesheets = [CSS(filename=finders.find("css/report-pdf.css"), font_config=fonts)]
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=stylesheets, font_config=fonts)
