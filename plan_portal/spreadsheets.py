"""Cells written to spreadsheets and CSV files, safe from formula injection.

A cell whose text starts with "=", "+", "-", "@", a tab or a carriage return
is read by Excel and LibreOffice as a formula (OWASP "CSV injection"): a note
such as `=HYPERLINK(...)` typed by anyone who may record progress would run
on the computer of whoever opens the report. Every XLSX and CSV writer of the
portal goes through `escape_cell`, the one rule for what is dangerous:

- XLSX keeps the exact text in a cell typed as text with Excel's "quote
  prefix" (the cell stays text even when someone edits it), so the file reads
  back unchanged and export -> import changes nothing;
- CSV has no cell types: such a cell gets a leading apostrophe, and a cell
  that already starts with an apostrophe before one of those characters gets
  one more, so `unescape_csv_cell` restores the original text exactly.
"""

from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_ESCAPE = "'"


def _needs_csv_escape(text: str) -> bool:
    if text.startswith(FORMULA_STARTS):
        return True
    # An apostrophe already in front of a formula start (or of another
    # apostrophe) is doubled, so unescaping is exact.
    return len(text) > 1 and text[0] == CSV_ESCAPE and text[1] in (*FORMULA_STARTS, CSV_ESCAPE)


def escape_cell(value, *, cell: Cell | None = None):
    """Return `value` safe for a spreadsheet cell.

    For CSV (no `cell`): text that would start a formula gets a leading
    apostrophe. For XLSX (the openpyxl `cell` the value was written to):
    text that would start a formula is kept as is and the cell is typed as
    text with a quote prefix. Anything but text is returned unchanged.
    """
    if not isinstance(value, str) or not value:
        return value
    if cell is not None:
        if value.startswith(FORMULA_STARTS):
            cell.data_type = "s"  # openpyxl types "=..." as a formula
            cell.quotePrefix = True
        return value
    return CSV_ESCAPE + value if _needs_csv_escape(value) else value


def unescape_csv_cell(value):
    """The text `escape_cell` was given (for CSV): drops the added apostrophe."""
    if isinstance(value, str) and value.startswith(CSV_ESCAPE) and _needs_csv_escape(value[1:] or "x"):
        return value[1:]
    return value


def xlsx_append(sheet, values) -> None:
    """Append a row to an openpyxl sheet; no cell of it is ever a formula."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        escape_cell(cell.value, cell=cell)


def csv_row(values) -> list:
    """A row for `csv.writer`; no cell of it is ever a formula."""
    return [escape_cell(value) for value in values]
