"""The task list as a spreadsheet: XLSX (real dates and numbers) and CSV
(UTF-8 with a byte-order mark, so Excel opens Vietnamese text correctly).
No cell is ever a formula (`plan_portal.spreadsheets`).

Both take the list's filtered queryset, so they hold exactly the rows the
list shows, on every page.
"""

import csv
import io
from datetime import date

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from plan_portal.spreadsheets import csv_row, xlsx_append

from .models import Field, Status

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _columns():
    """(header, width, value getter) per column. Getters return Python values; the writers format them."""
    statuses = dict(Status.choices)
    fields = dict(Field.choices)
    english = (get_language() or "").startswith("en")

    def title(task):
        return (task.title_en or task.title) if english else task.title

    def local(moment):
        return timezone.localtime(moment).replace(tzinfo=None) if moment else None

    return [
        (_("Code"), 14, lambda t: t.code),
        (_("Title"), 60, title),
        (_("Lead unit"), 14, lambda t: t.lead_unit.code),
        (_("Coordinating units"), 24, lambda t: ", ".join(c.unit.code for c in t.coordinations.all())),
        (_("Field"), 24, lambda t: str(fields.get(t.field, t.field))),
        (_("Status"), 18, lambda t: str(statuses.get(t.s_status, t.s_status))),
        (_("Progress (%)"), 12, lambda t: int(t.s_progress)),
        (_("Start date"), 12, lambda t: t.start_date),
        (_("Due date"), 12, lambda t: t.due_date),
        (_("Overdue"), 10, lambda t: _("Yes") if t.s_overdue else ""),
        (_("Behind schedule"), 12, lambda t: _("Yes") if t.s_at_risk else ""),
        (_("Last update"), 18, lambda t: local(t.s_last_update)),
    ]


def _filename(filterset, extension: str) -> str:
    year = filterset.plan.year if filterset.plan else "none"
    as_of = filterset.as_of or timezone.localdate()
    return f"nhiem-vu-{year}-{as_of:%Y%m%d}.{extension}"


def xlsx_response(rows, *, filterset) -> HttpResponse:
    columns = _columns()
    book = Workbook()
    sheet = book.active
    sheet.title = _("Tasks")[:31]
    xlsx_append(sheet, [str(header) for header, _width, _get in columns])
    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="0B3A6F")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for task in rows:
        xlsx_append(sheet, [get(task) for _header, _width, get in columns])
    for index, (_header, width, _get) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, date):
                # Dates and times are real Excel values, shown the Vietnamese way.
                cell.number_format = "dd/mm/yyyy hh:mm" if hasattr(cell.value, "hour") else "dd/mm/yyyy"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(filterset, "xlsx")}"'
    return response


def csv_response(rows, *, filterset) -> HttpResponse:
    columns = _columns()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(filterset, "csv")}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(csv_row([str(header) for header, _width, _get in columns]))
    for task in rows:
        values = []
        for _header, _width, get in columns:
            value = get(task)
            if hasattr(value, "hour"):
                value = value.strftime("%Y-%m-%d %H:%M")
            elif isinstance(value, date):
                value = value.isoformat()
            values.append("" if value is None else value)
        writer.writerow(csv_row(values))
    return response
