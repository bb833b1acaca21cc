"""Hostile text in the weekly report: direction controls and a note's cost to render."""

import time
from datetime import date
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from pypdf import PdfReader

from plan_portal.tests.factories import at, record_progress
from plan_portal.text import BIDI_CONTROLS
from reports.rendering.email import reminder_message, report_message
from reports.rendering.pdf import PDF_NOTE_MAX_CHARS
from reports.services import weekly_report_build
from tasks.models import Status, Task
from tasks.services import NOTE_MAX_LENGTH
from units.models import Unit

pytestmark = pytest.mark.django_db

RLO_NOTE = "Đã gửi \u202egnol fdp.exe\u202c văn bản \u2067lỗi\u2069 \u200fxong\u200e \u061c"


def _pdf(report) -> PdfReader:
    with report.pdf_file.open("rb") as handle:
        return PdfReader(BytesIO(handle.read()))


def _text(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _links(reader: PdfReader) -> list[str]:
    return [
        annot.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annot in page.get("/Annots", [])
        if "/A" in annot.get_object() and "/URI" in annot.get_object()["/A"]
    ]


def _cancel_nv03_with(note: str):
    task = Task.objects.get(code="NV-03")
    author = get_user_model().objects.get(username="staff-a")
    record_progress(task, at=at(date(2020, 6, 25)), status=Status.CANCELLED, progress=10, note=note, author=author)


@pytest.mark.parametrize(
    "note",
    [
        "😀" * NOTE_MAX_LENGTH,  # every character a font fallback
        "a" + "\u0301" * (NOTE_MAX_LENGTH - 1),  # one letter under 3,999 accents
        "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d" * (NOTE_MAX_LENGTH // 6),  # long joined sequences
    ],
    ids=["emoji", "stacked-accents", "zwj-families"],
)
def test_the_largest_allowed_note_keeps_the_weekly_pdf_small_and_fast(world, settings, note):
    # Given a status change this week whose note is the longest a person may write (was 45 s and many pages)
    settings.REPORT_BASE_URL = "https://kehoach.tcvn.gov.vn"
    assert len(note) <= NOTE_MAX_LENGTH
    _cancel_nv03_with(note)

    # When the weekly report is built
    started = time.monotonic()
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    elapsed = time.monotonic() - started

    # Then the PDF stays short (two pages at most, issue 14), takes seconds at most, and links to
    # the full note in the portal
    reader = _pdf(report)
    assert len(reader.pages) <= 2
    assert elapsed < 10, f"building the report took {elapsed:.1f} s"
    # In the notable notes (a link may span two lines: two areas); the other links are the
    # bounded lists' "see all" (the task list or the dashboard on the report's date).
    links = _links(reader)
    note_url = "https://kehoach.tcvn.gov.vn/tasks/?plan=2020&q=NV-03"
    assert 1 <= links.count(note_url) <= 2
    assert {link for link in links if link != note_url} <= {
        "https://kehoach.tcvn.gov.vn/dashboard/?plan=2020&as_of=2020-06-28"
    }
    # The snapshot keeps the whole note; only the PDF shortens it.
    assert report.snapshot["notes"][-1]["note"] == note


def test_a_short_note_is_printed_whole_without_a_link(world):
    _cancel_nv03_with("x" * PDF_NOTE_MAX_CHARS)

    reader = _pdf(weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26))

    assert "x" * PDF_NOTE_MAX_CHARS in _text(reader).replace(" ", "")
    assert "xem toàn văn trên Cổng" not in _text(reader)
    assert _links(reader) == []


def test_a_long_note_is_cut_in_the_pdf_with_a_vietnamese_pointer_to_the_portal(world):
    note = "Đã rà soát " + "x" * (NOTE_MAX_LENGTH - 11)
    _cancel_nv03_with(note)

    text = _text(_pdf(weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26))).replace(" ", "")

    kept = note[:PDF_NOTE_MAX_CHARS].replace(" ", "")
    assert kept + "…xemtoànvăntrênCổng" in text
    assert "x" * (PDF_NOTE_MAX_CHARS + 1) not in text


def test_direction_controls_are_dropped_from_the_pdf(world):
    _cancel_nv03_with(RLO_NOTE)
    Task.objects.filter(code="NV-03").update(title="Đề án \u202enăng suất")

    text = _text(_pdf(weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)))

    assert "Đã gửi gnol fdp.exe văn bản lỗi xong" in text
    assert not set(BIDI_CONTROLS) & set(text)


def test_direction_controls_are_dropped_from_the_weekly_email(world):
    _cancel_nv03_with(RLO_NOTE)
    Task.objects.filter(code="NV-03").update(title="Đề án \u202enăng suất")
    world["plan"].title = "Kế hoạch \u202e2020"
    world["plan"].save()
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)

    message = report_message(report=report, to=["lanhdao@example.vn"], pdf=b"%PDF", changes=None, unit_code="VU-A")

    html = message.alternatives[0][0]
    for part in (message.subject, message.body, html):
        assert not set(BIDI_CONTROLS) & set(part)
    assert "Kế hoạch 2020" in message.body
    assert "Kế hoạch 2020" in html


def test_direction_controls_are_dropped_from_the_reminder(world):
    unit = Unit.objects.get(code="VU-A")
    unit.name = "Vụ \u202eTiêu chuẩn\u202c"

    message = reminder_message(unit=unit, to=["staff-a@example.vn"], week="2020-W26")

    html = message.alternatives[0][0]
    for part in (message.subject, message.body, html):
        assert not set(BIDI_CONTROLS) & set(part)
    assert "Vụ Tiêu chuẩn" in message.body
