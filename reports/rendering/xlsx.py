"""The report as an Excel workbook: summary, by unit, every task, changes, the process.

The report's page and PDF are bounded (the most important rows of each
list); the workbook is for those who want all of it: every task of the plan
and every change of the week, read from the journal as of the report's
cutoff (not from the snapshot), streamed row by row (openpyxl write-only
mode) so memory stays flat whatever the plan's size.

Real dates and numbers (not text), right-aligned with a number format, so
people can sort and sum; frozen header rows and set widths so it opens
readable. No cell is ever a formula: notes and titles are typed by users
(`plan_portal.spreadsheets`).
"""

from datetime import date, datetime
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.utils import get_column_letter

from plan_portal.spreadsheets import FORMULA_STARTS, escape_cell
from reports.selectors import iso_week_bounds, plan_tasks_as_of, week_status_changes, weekly_process_sections
from tasks.labels import ACTIVITY_LABELS, COUNT_LABELS, field_label, request_kind_label, state_label, status_label
from tasks.selectors import plan_urgings_between

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
# Column kinds -> named styles (one style record in the file, not one per cell).
INT, DEC, DAY, STAMP = "report-int", "report-dec", "report-date", "report-datetime"


def _styles(wb: Workbook) -> None:
    right = Alignment(horizontal="right")
    for name, number_format in ((INT, "#,##0"), (DEC, "#,##0.0"), (DAY, DATE_FORMAT), (STAMP, DATETIME_FORMAT)):
        wb.add_named_style(NamedStyle(name=name, number_format=number_format, alignment=right))


def _date(value: str | None):
    return date.fromisoformat(value) if value else None


def _datetime(value: str | None):
    # Excel has no time zones: write the agency's local wall-clock time.
    return datetime.fromisoformat(value).replace(tzinfo=None) if value else None


class _Sheet:
    """A write-only sheet: a styled header row, then rows whose cells get the
    column's style (numbers and dates) and text that never turns into a formula."""

    def __init__(self, wb: Workbook, title: str, headers: list[str], widths: list[int], kinds: dict | None = None):
        self.ws = wb.create_sheet(title=title[:31])
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.ws.freeze_panes = "A2"
        self.kinds = dict(kinds or {})
        self.width, self.rows = len(headers), 1
        header = []
        for text in headers:
            cell = WriteOnlyCell(self.ws, value=str(text))
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            header.append(cell)
        self.ws.append(header)

    def append(self, values: list) -> None:
        cells = []
        for index, value in enumerate(values):
            if isinstance(value, str):
                if value.startswith(FORMULA_STARTS):
                    cell = WriteOnlyCell(self.ws, value=value)
                    escape_cell(value, cell=cell)
                    value = cell
            elif value is not None and (kind := self.kinds.get(index)) is not None:
                value = WriteOnlyCell(self.ws, value=value)
                value.style = kind
            cells.append(value)
        self.ws.append(cells)
        self.rows += 1

    def close(self) -> None:
        self.ws.auto_filter.ref = f"A1:{get_column_letter(self.width)}{self.rows}"


def _summary_sheet(wb: Workbook, snapshot: dict, totals: dict) -> None:
    counts = snapshot["counts"]
    sheet = _Sheet(wb, _("Summary"), [_("Figure"), _("Value")], [42, 16])
    rows = [
        [_("Week"), snapshot["week"], None],
        [_("From"), _date(snapshot["period_start"]), DAY],
        [_("To"), _date(snapshot["period_end"]), DAY],
        *[[str(label), counts.get(key, 0), INT] for key, label in COUNT_LABELS.items()],
        [_("Average progress (%)"), snapshot["average_progress"], DEC],
        *[[str(label), snapshot["activity"].get(key, 0), INT] for key, label in ACTIVITY_LABELS.items()],
        [_("Units with no update"), totals.get("units_not_updated", len(snapshot["units_not_updated"])), INT],
    ]
    for label, value, kind in rows:
        sheet.kinds[1] = kind  # one column, a kind per row
        sheet.append([label, value])
    sheet.close()


def _units_sheet(wb: Workbook, snapshot: dict) -> None:
    unit_keys = ["total", "completed_on_time", "completed_late", "open_within_deadline", "open_overdue", "at_risk"]
    sheet = _Sheet(
        wb,
        _("By unit"),
        [_("Unit"), _("Name"), *[str(COUNT_LABELS[k]) for k in unit_keys], _("Average progress (%)")],
        [14, 48, 10, 14, 14, 14, 14, 14, 14],
        {**dict.fromkeys(range(2, 8), INT), 8: DEC},
    )
    for u in snapshot["by_unit"]:
        sheet.append([u["unit"], u["name"], *[u[k] for k in unit_keys], u["average_progress"]])
    sheet.close()


def _task_row(t: dict) -> list:
    return [
        t["code"],
        t["title"],
        t["unit"],
        field_label(t["field"]),
        _date(t["start_date"]),
        _date(t["due_date"]),
        status_label(t["status"]),
        t["progress"],
        t["expected"],
        state_label(t["state"]),
        _("Yes") if t["at_risk"] else "",
        _datetime(t["last_update"]),
    ]


def _tasks_sheet(wb: Workbook, tasks) -> list[dict]:
    """Every task, streamed; returns those awaiting confirmation (the process sheet lists them)."""
    headers = [
        _("Code"),
        _("Task"),
        _("Lead unit"),
        _("Field"),
        _("Start date"),
        _("Due date"),
        _("Status"),
        _("Progress (%)"),
        _("Expected progress (%)"),
        _("Deadline"),
        _("Behind schedule"),
        _("Last update"),
    ]
    widths = [14, 60, 14, 24, 12, 12, 18, 12, 12, 22, 12, 18]
    sheet = _Sheet(wb, _("Tasks"), headers, widths, {4: DAY, 5: DAY, 7: INT, 8: DEC, 11: STAMP})
    awaiting = []
    for task in tasks:
        sheet.append(_task_row(task))
        if task["awaiting_confirmation"]:
            awaiting.append(task)
    sheet.close()
    return awaiting


def _changes_sheet(wb: Workbook, changes: list[dict]) -> None:
    sheet = _Sheet(
        wb,
        _("Changes"),
        [
            _("Recorded at"),
            _("Code"),
            _("Task"),
            _("Lead unit"),
            _("Status before"),
            _("Status after"),
            _("Progress (%)"),
            _("Note"),
        ],
        [18, 14, 50, 14, 18, 18, 12, 60],
        {0: STAMP, 6: INT},
    )
    for c in changes:
        sheet.append(
            [
                _datetime(c["recorded_at"]),
                c["code"],
                c["title"],
                c["unit"],
                status_label(c["from_status"]),
                status_label(c["to_status"]),
                c["to_progress"],
                c["note"],
            ]
        )
    sheet.close()


def _process_rows(sections: dict) -> list[list]:
    """One row per item of the four process sections (issue 11)."""
    rows = []
    for e in sections.get("extensions", []):
        detail = f"{_date(e['old_due_date']):%d/%m/%Y} → {_date(e['new_due_date']):%d/%m/%Y}"
        if e.get("late_request"):
            detail += f" ({_('late request')})"
        rows.append([_("Extensions granted this week"), e["code"], e["title"], e["unit"], detail, e["document_ref"]])
    for r in sections.get("pending_requests", []):
        detail = f"{request_kind_label(r['kind'])}, {r['age_days']} {_('days waiting')}"
        rows.append([_("Requests pending"), r["code"], r["title"], r["unit"], detail, r["reason"]])
    for t in sections.get("awaiting_confirmation", []):
        rows.append([_("Completions awaiting confirmation"), t["code"], t["title"], t["unit"], "", ""])
    for r in sections.get("returned", []):
        when = f"{_datetime(r['decided_at']):%d/%m/%Y}"
        rows.append([_("Completions returned"), r["code"], r["title"], r["unit"], when, r.get("comment", "")])
    return rows


def _process_sheet(wb: Workbook, sections: dict) -> None:
    headers = [_("Section"), _("Code"), _("Task"), _("Lead unit"), _("Detail"), _("Document or reason")]
    sheet = _Sheet(wb, _("Requests and confirmations"), headers, [30, 14, 50, 14, 30, 50])
    for row in _process_rows(sections):
        sheet.append(row)
    sheet.close()


def _urgings_sheet(wb: Workbook, urgings: dict) -> None:
    """Issue 12: the week's urging notes per unit, then every task urged (most urged first)."""
    sheet = _Sheet(
        wb,
        _("Urgings"),
        [_("Section"), _("Code"), _("Name"), _("Urging notes"), _("Tasks urged")],
        [14, 14, 60, 14, 14],
        {3: INT, 4: INT},
    )
    for row in urgings["by_unit"]:
        sheet.append([_("Unit"), row["unit"], row["name"], row["urgings"], row["tasks"]])
    for row in urgings["top_tasks"]:
        sheet.append([_("Task"), row["code"], row["title"], row["urgings"], None])
    sheet.append([_("Total"), None, None, urgings["total"], urgings["tasks"]])
    sheet.close()


def render_xlsx(snapshot: dict, *, plan, tasks=None) -> bytes:
    """The workbook of one week: figures from the snapshot, every task and
    every change of the week from the journal as of the end of the week.

    `tasks`: the plan's tasks as of the week's end when the caller already
    read them (weekly_report_data); streamed from the database otherwise."""
    start, end = iso_week_bounds(iso_year=snapshot["iso_year"], iso_week=snapshot["iso_week"])
    wb = Workbook(write_only=True)
    _styles(wb)
    _summary_sheet(wb, snapshot, snapshot.get("totals", {}))
    _units_sheet(wb, snapshot)
    awaiting = _tasks_sheet(wb, tasks if tasks is not None else plan_tasks_as_of(plan=plan, as_of=end))
    _changes_sheet(wb, week_status_changes(plan=plan, start=start, end=end)[0])
    sections = {key: rows for key, (rows, _total) in weekly_process_sections(plan=plan, start=start, end=end).items()}
    _process_sheet(wb, {**sections, "awaiting_confirmation": awaiting})
    _urgings_sheet(wb, plan_urgings_between(plan=plan, start=start, end=end, limit=None))
    # Fixed document times: the workbook depends on the journal up to the week's end only.
    stamp = datetime.fromisoformat(snapshot["period_end"])
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.title = f"{_('Weekly report')} {snapshot['week']}"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
