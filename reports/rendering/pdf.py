"""The report as PDF (WeasyPrint): one summary page for Leadership, then an annex.

Fonts: Be Vietnam Pro from static/vendor/fonts when present, else DejaVu Sans
(Debian package fonts-dejavu-core); both carry every Vietnamese glyph and
WeasyPrint embeds the subset it uses, so the file reads the same everywhere.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from .context import report_context

FONT_WEIGHTS = {"Regular": 400, "Medium": 500, "SemiBold": 600, "Bold": 700}


def _font_faces() -> str:
    folder = Path(settings.BASE_DIR) / "static" / "vendor" / "fonts"
    faces = []
    for style, weight in FONT_WEIGHTS.items():
        for suffix in ("ttf", "woff2", "woff"):
            matches = sorted(folder.glob(f"BeVietnamPro*-{style}.{suffix}")) if folder.is_dir() else []
            if matches:
                url = matches[0].as_uri()
                faces.append(
                    f"@font-face {{ font-family: 'Be Vietnam Pro'; font-weight: {weight}; src: url('{url}'); }}"
                )
                break
    return "\n".join(faces)


def render_pdf(snapshot: dict, *, plan_title: str = "", changes: dict | None = None) -> bytes:
    ctx = report_context(snapshot, changes=changes)
    ctx["plan_title"] = plan_title
    html = render_to_string("reports/pdf/weekly.html", ctx)
    fonts = FontConfiguration()
    stylesheets = [CSS(filename=finders.find("css/report-pdf.css"), font_config=fonts)]
    faces = _font_faces()
    if faces:
        stylesheets.insert(0, CSS(string=faces, font_config=fonts))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=stylesheets, font_config=fonts)
