"""The report as an Excel workbook: summary, by unit, tasks, changes.

Real dates and numbers (not text) so people can sort and sum; frozen header
rows and set widths so it opens readable. No cell is ever a formula: notes
and titles are typed by users (`plan_portal.spreadsheets`).
"""

from datetime import date, datetime
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from plan_portal.spreadsheets import xlsx_append
from tasks.labels import ACTIVITY_LABELS, COUNT_LABELS, field_label, request_kind_label, state_label, status_label

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


def _date(value: str | None):
    return date.fromisoformat(value) if value else None


def _datetime(value: str | None):
    # Excel has no time zones: write the agency's local wall-clock time.
    return datetime.fromisoformat(value).replace(tzinfo=None) if value else None


def _sheet(wb: Workbook, title: str, headers: list[str], widths: list[int], rows, formats: dict | None = None):
    ws = wb.create_sheet(title=title[:31])
    xlsx_append(ws, headers)
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows:
        xlsx_append(ws, row)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for column, number_format in (formats or {}).items():
        for cell in ws[column][1:]:
            cell.number_format = number_format
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    return ws


def _summary_sheet(wb: Workbook, snapshot: dict) -> None:
    counts = snapshot["counts"]
    summary = [
        [_("Week"), snapshot["week"]],
        [_("From"), _date(snapshot["period_start"])],
        [_("To"), _date(snapshot["period_end"])],
        *[[str(label), counts.get(key, 0)] for key, label in COUNT_LABELS.items()],
        [_("Average progress (%)"), snapshot["average_progress"]],
        *[[str(label), snapshot["activity"].get(key, 0)] for key, label in ACTIVITY_LABELS.items()],
        [_("Units with no update"), len(snapshot["units_not_updated"])],
    ]
    ws = _sheet(wb, _("Summary"), [_("Figure"), _("Value")], [42, 16], summary)
    ws["B3"].number_format = ws["B4"].number_format = DATE_FORMAT


def _units_sheet(wb: Workbook, snapshot: dict) -> None:
    unit_keys = ["total", "completed_on_time", "completed_late", "open_within_deadline", "open_overdue", "at_risk"]
    _sheet(
        wb,
        _("By unit"),
        [_("Unit"), _("Name"), *[str(COUNT_LABELS[k]) for k in unit_keys], _("Average progress (%)")],
        [14, 48, 10, 14, 14, 14, 14, 14, 14],
        [[u["unit"], u["name"], *[u[k] for k in unit_keys], u["average_progress"]] for u in snapshot["by_unit"]],
    )


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


def _tasks_sheet(wb: Workbook, snapshot: dict) -> None:
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
    rows = [_task_row(t) for t in snapshot["tasks"]]
    _sheet(wb, _("Tasks"), headers, widths, rows, {"E": DATE_FORMAT, "F": DATE_FORMAT, "L": DATETIME_FORMAT})


def _changes_sheet(wb: Workbook, snapshot: dict) -> None:
    _sheet(
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
        [
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
            for c in snapshot["status_changes"]
        ],
        {"A": DATETIME_FORMAT},
    )


def _process_rows(snapshot: dict) -> list[list]:
    """One row per item of the four process sections (issue 11), oldest snapshots have none."""
    rows = []
    for e in snapshot.get("extensions", []):
        detail = f"{_date(e['old_due_date']):%d/%m/%Y} → {_date(e['new_due_date']):%d/%m/%Y}"
        if e.get("late_request"):
            detail += f" ({_('late request')})"
        rows.append([_("Extensions granted this week"), e["code"], e["title"], e["unit"], detail, e["document_ref"]])
    for r in snapshot.get("pending_requests", []):
        detail = f"{request_kind_label(r['kind'])}, {r['age_days']} {_('days waiting')}"
        rows.append([_("Requests pending"), r["code"], r["title"], r["unit"], detail, r["reason"]])
    for t in snapshot.get("awaiting_confirmation", []):
        rows.append([_("Completions awaiting confirmation"), t["code"], t["title"], t["unit"], "", ""])
    for r in snapshot.get("returned", []):
        when = f"{_datetime(r['decided_at']):%d/%m/%Y}"
        rows.append([_("Completions returned"), r["code"], r["title"], r["unit"], when, r.get("comment", "")])
    return rows


def _process_sheet(wb: Workbook, snapshot: dict) -> None:
    headers = [_("Section"), _("Code"), _("Task"), _("Lead unit"), _("Detail"), _("Document or reason")]
    _sheet(wb, _("Requests and confirmations"), headers, [30, 14, 50, 14, 30, 50], _process_rows(snapshot))


def _urgings_sheet(wb: Workbook, snapshot: dict) -> None:
    """Issue 12: the week's urging notes per unit, then the most-urged tasks (none in older snapshots)."""
    urgings = snapshot.get("urgings")
    if not urgings:
        return
    rows = [[_("Unit"), row["unit"], row["name"], row["urgings"], row["tasks"]] for row in urgings["by_unit"]]
    rows += [[_("Task"), row["code"], row["title"], row["urgings"], None] for row in urgings["top_tasks"]]
    rows.append([_("Total"), "", "", urgings["total"], urgings["tasks"]])
    headers = [_("Section"), _("Code"), _("Name"), _("Urging notes"), _("Tasks urged")]
    _sheet(wb, _("Urgings"), headers, [14, 14, 60, 14, 14], rows)


def render_xlsx(snapshot: dict) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for add_sheet in (_summary_sheet, _units_sheet, _tasks_sheet, _changes_sheet, _process_sheet, _urgings_sheet):
        add_sheet(wb, snapshot)
    # Fixed document times: the workbook depends on the snapshot only.
    stamp = datetime.fromisoformat(snapshot["period_end"])
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.title = f"{_('Weekly report')} {snapshot['week']}"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
