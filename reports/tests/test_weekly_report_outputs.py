from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.services import weekly_report_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def w26(world):
    return weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)


def test_xlsx_has_the_five_sheets_with_real_numbers_and_dates(w26):
    wb = load_workbook(w26.xlsx_file.path)

    assert wb.sheetnames == ["Tổng hợp", "Theo đơn vị", "Nhiệm vụ", "Thay đổi", "Đề nghị và xác nhận", "Đôn đốc"]
    summary = {row[0]: row[1] for row in wb["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["Tuần"] == "2020-W26"
    assert summary["Từ ngày"] == datetime(2020, 6, 22)
    assert summary["Tổng số nhiệm vụ"] == 5
    assert summary["Hoàn thành đúng hạn"] == 1
    assert summary["Chưa hoàn thành, quá hạn"] == 2
    assert summary["Tiến độ trung bình (%)"] == 40.0
    tasks = wb["Nhiệm vụ"]
    assert tasks.freeze_panes == "A2"
    assert tasks.column_dimensions["B"].width == 60
    first = next(tasks.iter_rows(min_row=2, values_only=True))
    assert first[:3] == ("NV-01", "Xây dựng TCVN", "VU-A")
    assert first[5] == datetime(2020, 6, 30)  # a real date, not text
    assert first[7] == 100
    assert first[9] == "Hoàn thành đúng hạn"
    units = list(wb["Theo đơn vị"].iter_rows(min_row=2, values_only=True))
    assert [(u[0], u[2], u[6]) for u in units] == [("VU-A", 3, 1), ("VU-B", 2, 1)]
    headings = next(wb["Thay đổi"].iter_rows(max_row=1, values_only=True))
    assert headings[4:6] == ("Trạng thái trước", "Trạng thái sau")
    changes = list(wb["Thay đổi"].iter_rows(min_row=2, values_only=True))
    assert [(c[1], c[5]) for c in changes] == [("NV-03", "Tạm dừng"), ("NV-01", "Đã hoàn thành")]
    assert changes[0][0] == datetime(2020, 6, 23, 10, 0)


def test_pdf_first_page_has_the_figures_in_vietnamese_with_an_embedded_font(w26):
    reader = PdfReader(w26.pdf_file.path)
    # Table cells wrap: compare with whitespace collapsed.
    first = " ".join(reader.pages[0].extract_text().split())
    whole = " ".join(" ".join(page.extract_text() for page in reader.pages).split())

    assert len(reader.pages) <= 2
    assert "BÁO CÁO Tình hình thực hiện nhiệm vụ trọng tâm tuần 26/2020" in first
    assert "(từ ngày 22/06/2020 đến ngày 28/06/2020)" in first
    assert "Hoàn thành đúng hạn" in first
    assert "Chưa hoàn thành, quá hạn" in first
    assert "Tổng số nhiệm vụ" in first
    assert "40,0%" in first
    assert "Vụ Đo lường" in first
    assert "Chờ bố trí kinh phí" in whole
    descriptors = [
        font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    ]
    assert descriptors
    # Every font is Liberation Serif (Times New Roman's metrics, every Vietnamese letter: no
    # fallback font) and embedded (FontFile2 = TrueType program in the file).
    assert all("Liberation-Serif" in str(d["/FontName"]) and "/FontFile2" in d for d in descriptors)


def test_pdf_shows_the_change_against_the_previous_week(world):
    weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=25)
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)

    with report.pdf_file.open("rb") as handle:
        text = PdfReader(BytesIO(handle.read())).pages[0].extract_text()
    assert "+1" in text  # one more completed on time than in W25
    assert report.snapshot["period_end"] == date(2020, 6, 28).isoformat()
