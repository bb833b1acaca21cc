"""The report as PDF (WeasyPrint): one summary page for Leadership, then an annex.

Font: DejaVu Sans (Debian package fonts-dejavu-core, found through
fontconfig): one file with every Vietnamese glyph, embedded as a subset, so
the file reads the same everywhere. The vendored Be Vietnam Pro is split into
unicode-range subsets (latin / vietnamese) for browsers; WeasyPrint mixes
those subsets badly inside a word, so the PDF does not use it.
"""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from .context import report_context


def render_pdf(snapshot: dict, *, plan_title: str = "", changes: dict | None = None) -> bytes:
    ctx = report_context(snapshot, changes=changes)
    ctx["plan_title"] = plan_title
    html = render_to_string("reports/pdf/weekly.html", ctx)
    fonts = FontConfiguration()
    stylesheets = [CSS(filename=finders.find("css/report-pdf.css"), font_config=fonts)]
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=stylesheets, font_config=fonts)
