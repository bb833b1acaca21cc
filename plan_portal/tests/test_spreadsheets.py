"""The one rule for spreadsheet cells: nothing a user typed becomes a formula."""

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from plan_portal.spreadsheets import FORMULA_STARTS, csv_row, escape_cell, unescape_csv_cell, xlsx_append

HOSTILE = ["=1+1", "@SUM(A1)", "-2", "+3", "\t=1+1", "\r=1+1", "'=1+1", "''"]
# Text made mostly of the characters that matter, so hypothesis hits the edges.
texts = st.text(alphabet=st.sampled_from([*FORMULA_STARTS, "'", "a", "1", " ", "\n"]), max_size=6) | st.text(
    max_size=20
)


def test_csv_cells_that_start_like_a_formula_get_an_apostrophe():
    assert csv_row([*HOSTILE, "Đo lường", 5, None]) == [
        "'=1+1", "'@SUM(A1)", "'-2", "'+3", "'\t=1+1", "'\r=1+1", "''=1+1", "'''", "Đo lường", 5, None,
    ]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(texts)
def test_csv_escaping_is_exact_and_never_leaves_a_formula(text):
    escaped = escape_cell(text)
    assert unescape_csv_cell(escaped) == text
    assert not escaped.startswith(FORMULA_STARTS)
    buffer = io.StringIO()
    csv.writer(buffer).writerow([escaped])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [escaped]


def test_xlsx_cells_keep_the_text_and_are_never_formulas():
    workbook = Workbook()
    xlsx_append(workbook.active, [*HOSTILE, "Đo lường", 5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = list(load_workbook(io.BytesIO(buffer.getvalue())).active[1])
    # XML reads a carriage return back as a line feed; the text is otherwise exact.
    assert [cell.value for cell in cells] == [*HOSTILE[:5], "\n=1+1", *HOSTILE[6:], "Đo lường", 5]
    assert [cell.data_type for cell in cells] == ["s"] * 9 + ["n"]
    assert [cell.quotePrefix for cell in cells[:6]] == [True] * 6
