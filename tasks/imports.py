"""Tasks to and from XLSX spreadsheets (the admins live in Excel).

The columns, the reading of each cell and the import's rules are the
django-import-export resource in `tasks.resources`; this module reads and
writes the workbook around it:

- the template and the export are the resource's export, written with a
  styled header, real dates shown DD/MM/YYYY, field and status by their
  Vietnamese labels, and a "Lists" sheet of the allowed values that the
  field, status and lead unit cells offer as drop-down lists (every text
  cell typed as text, `plan_portal.spreadsheets`);
- the template's example row has a code starting "VD-" (ví dụ): the import
  skips such rows and says so, so the template uploaded unchanged imports
  nothing;
- the preview is the resource's `import_data(dry_run=True)`: every row is
  checked and written inside a transaction that is rolled back;
- the import checks the file again and writes every row in one transaction,
  or nothing when any row has an error.
"""

import io
import logging
from dataclasses import dataclass, field
from datetime import date

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from plan_portal.spreadsheets import xlsx_append
from plan_portal.text import normalize_search
from units.models import Unit

from .labels import field_label, status_label
from .models import Field, Status, Task, WorkPlan
from .resources import (
    COLUMN_KEYS,
    COLUMN_LABELS,
    COLUMNS,
    LEGACY_LABELS,
    ROW_NUMBER,
    TaskResource,
    cell_text,
    row_messages,
)

__all__ = ["COLUMNS", "XLSX_CONTENT_TYPE", "ImportFileError", "ImportPreview", "ImportRow"]

logger = logging.getLogger(__name__)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_000  # a year's plan has about 30 tasks; each row costs a few queries in the preview
MAX_SHEET_ROWS = 10 * MAX_ROWS  # empty rows included
MAX_FILE_BYTES = 10 * 1024 * 1024
DATE_FORMAT = "DD/MM/YYYY"
# The template's example row: its code starts so, and the import skips it.
SAMPLE_CODE_PREFIX = "VD-"
# The status and progress cells make one journal entry: a change of either names both.
_JOURNAL_COLUMNS = ("status", "progress")


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (not XLSX, wrong header, too big)."""


@dataclass
class ImportRow:
    number: int  # row number as Excel shows it
    code: str = ""
    plan_year: str = ""
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    action: str = ""  # "create" | "update" | "unchanged"
    changes: list[str] = field(default_factory=list)  # labels of the changed columns

    @property
    def action_label(self) -> str:
        return {"create": _("New"), "update": _("Changed"), "unchanged": _("Unchanged")}.get(self.action, "")


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    samples: list[int] = field(default_factory=list)  # Excel numbers of the skipped example rows

    @property
    def error_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def is_clean(self) -> bool:
        return not self.error_rows

    @property
    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "unchanged": 0, "errors": len(self.error_rows)}
        for row in self.rows:
            if not row.errors:
                counts[row.action] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return any(row.action in ("create", "update") for row in self.rows if not row.errors)


# --- Writing -------------------------------------------------------------------


def _workbook_with_header() -> tuple[Workbook, object]:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Tasks")[:31]
    xlsx_append(sheet, [str(label) for _key, label in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F0")
    sheet.freeze_panes = "C2"
    widths = {"title": 60, "title_en": 50, "coordinating_units": 28, "legal_basis": 40, "expected_output": 40}
    for index, key in enumerate(COLUMN_KEYS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = widths.get(key, 16)
    return workbook, sheet


def _add_lists_sheet(workbook: Workbook) -> dict[str, str]:
    """A second sheet of the allowed values, so nobody needs a developer to fill the file.

    Returns the range of each list (field, status, lead_unit) for the drop-down lists."""
    sheet = workbook.create_sheet(_("Lists")[:31])
    xlsx_append(sheet, [_("Field"), _("Field key"), "", _("Status"), _("Status key"), "", _("Unit code"), _("Unit")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    fields = [(field_label(key), key) for key, _label in Field.choices]
    statuses = [(status_label(key), key) for key, _label in Status.choices]
    units = list(Unit.objects.active().order_by("sort_order", "code").values_list("code", "name"))
    for index in range(max(len(fields), len(statuses), len(units))):
        row = [*(fields[index] if index < len(fields) else ("", "")), ""]
        row += [*(statuses[index] if index < len(statuses) else ("", "")), ""]
        row += list(units[index]) if index < len(units) else ["", ""]
        xlsx_append(sheet, [str(value) for value in row])
    for letter, width in zip("ABCDEFGH", (36, 16, 2, 22, 14, 2, 14, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    name = quote_sheetname(sheet.title)
    ranges = {"field": ("A", len(fields)), "status": ("D", len(statuses)), "lead_unit": ("G", len(units))}
    return {key: f"{name}!${col}$2:${col}${max(n, 1) + 1}" for key, (col, n) in ranges.items()}


def _add_validations(sheet, lists: dict[str, str]) -> None:
    """Drop-down lists for the field, status and lead unit cells; real dates in the date cells."""
    last = MAX_ROWS + 1
    for key, source in lists.items():
        rule = DataValidation(type="list", formula1=source, allow_blank=key == "status")
        rule.error = _("Choose a value from the list (sheet “%(sheet)s”).") % {"sheet": _("Lists")}
        rule.showErrorMessage = True
        letter = get_column_letter(COLUMN_KEYS.index(key) + 1)
        rule.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(rule)
    rule = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)")
    rule.error = _("Enter a date as DD/MM/YYYY.")
    rule.showErrorMessage = True
    for key in ("start_date", "due_date"):
        letter = get_column_letter(COLUMN_KEYS.index(key) + 1)
        rule.add(f"{letter}2:{letter}{last}")
        sheet.column_dimensions[letter].number_format = DATE_FORMAT
    sheet.add_data_validation(rule)


def _finish(workbook: Workbook, sheet) -> bytes:
    _add_validations(sheet, _add_lists_sheet(workbook))
    return _to_bytes(workbook)


def _write_row(sheet, values: list) -> None:
    xlsx_append(sheet, values)
    for key in ("start_date", "due_date"):
        sheet.cell(row=sheet.max_row, column=COLUMN_KEYS.index(key) + 1).number_format = DATE_FORMAT


def _to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tasks_template_workbook() -> bytes:
    """The header row, one example row (code "VD-…", skipped by the import) and the lists of allowed values."""
    workbook, sheet = _workbook_with_header()
    plan = WorkPlan.objects.order_by("-year").first()
    year = plan.year if plan else date.today().year
    units = list(Unit.objects.internal().active().order_by("sort_order", "code").values_list("code", flat=True)[:3])
    units += ["VU-TC", "VU-DL", "VU-QLCL"][len(units) :]
    example = {
        "plan_year": year,
        "code": f"{SAMPLE_CODE_PREFIX}{year}-01",
        "title": "Xây dựng, trình ban hành Thông tư quy định về đo lường",
        "title_en": "Draft and submit the circular on measurement",
        "field": field_label(Field.METROLOGY.value),
        "lead_unit": units[0],
        "coordinating_units": f"{units[1]}, {units[2]}",
        "parent": "",
        "start_date": date(year, 1, 15),
        "due_date": date(year, 11, 30),
        "legal_basis": "Luật Đo lường 2011",
        "expected_output": "Thông tư được ban hành",
        "status": status_label(Status.NOT_STARTED.value),
        "progress": 0,
    }
    _write_row(sheet, [example[key] for key in COLUMN_KEYS])
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="595959")
    sheet["B2"].comment = Comment(_("Sample row — skipped by the import. Replace it with your tasks."), "Plan Portal")
    return _finish(workbook, sheet)


def tasks_export_queryset(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return TaskResource().get_queryset().filter(pk__in=tasks.values("pk"))


def tasks_export_workbook(*, tasks: QuerySet[Task]) -> bytes:
    """The tasks in the import format (two queries whatever their number)."""
    resource = TaskResource()
    dataset = resource.export(queryset=tasks_export_queryset(tasks))
    workbook, sheet = _workbook_with_header()
    for row in dataset:
        _write_row(sheet, list(row))
    return _finish(workbook, sheet)


# --- Reading -------------------------------------------------------------------


def _accepted_headers(key: str) -> set[str]:
    names = {key}
    labels = [COLUMN_LABELS[key]] + ([LEGACY_LABELS[key]] if key in LEGACY_LABELS else [])
    for language in ("vi", "en"):
        with translation.override(language):
            names.update(normalize_search(str(label)) for label in labels)
    return names


def _check_header(header) -> None:
    header = [normalize_search(cell_text(cell)) for cell in header or ()][: len(COLUMNS)]
    for index, key in enumerate(COLUMN_KEYS):
        if index >= len(header) or header[index] not in _accepted_headers(key):
            raise ImportFileError(
                _('Column %(number)d of the first row should be "%(label)s". Start from the template.')
                % {"number": index + 1, "label": COLUMN_LABELS[key]}
            )


def _sheet_rows(data: bytes) -> list[tuple[int, list]]:
    """(Excel row number, cells) of the first sheet's non-empty rows, after a checked header."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(max_col=len(COLUMNS), values_only=True)
        _check_header(next(rows, None))
        result = []
        for number, row in enumerate(rows, start=2):
            cells = list(row[: len(COLUMNS)]) + [None] * (len(COLUMNS) - len(row))
            if all(cell_text(cell) == "" for cell in cells):
                if number > MAX_SHEET_ROWS:  # a sheet of empty rows costs time to read, too
                    raise ImportFileError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
                continue
            result.append((number, cells))
            if len(result) > MAX_ROWS:
                raise ImportFileError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
        return result
    finally:
        workbook.close()


def _parents_first(rows: list[tuple[int, list]]) -> list[tuple[int, list]]:
    """A sub-task's row after its parent's, so the parent exists when the sub-task is imported."""
    year, code, parent = (COLUMN_KEYS.index(key) for key in ("plan_year", "code", "parent"))
    index_of = {(cell_text(cells[year]), cell_text(cells[code])): index for index, (_n, cells) in enumerate(rows)}

    def parent_index(index: int) -> int | None:
        cells = rows[index][1]
        return index_of.get((cell_text(cells[year]), cell_text(cells[parent]))) if cell_text(cells[parent]) else None

    ordered, placed = [], set()
    for start in range(len(rows)):
        chain, index = [], start
        while index is not None and index not in placed and index not in chain:  # a loop stops the walk
            chain.append(index)
            index = parent_index(index)
        for index in reversed(chain):
            placed.add(index)
            ordered.append(rows[index])
    return ordered


def _is_sample(cells: list) -> bool:
    code = cell_text(cells[COLUMN_KEYS.index("code")])
    return code.upper().startswith(SAMPLE_CODE_PREFIX)


def tasks_import_dataset(*, file) -> tuple[tablib.Dataset, list[int]]:
    """The file's rows as a dataset for `TaskResource`, parents first, and the
    numbers of the example rows left out (their code starts "VD-").

    Raises ImportFileError when the file as a whole is unusable.
    """
    data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is too big (at most 10 MB)."))
    try:
        rows = _sheet_rows(data)
    except ImportFileError:
        raise
    except Exception:  # a damaged or hostile file can fail anywhere in the zip and XML readers
        logger.info("Unreadable task spreadsheet", exc_info=True)
        raise ImportFileError(_("This is not an Excel (.xlsx) file. Start from the template.")) from None
    samples = [number for number, cells in rows if _is_sample(cells)]
    dataset = tablib.Dataset(headers=[*COLUMN_KEYS, ROW_NUMBER])
    for number, cells in _parents_first([row for row in rows if row[0] not in samples]):
        dataset.append([*cells, number])
    return dataset, samples


def _preview(dataset: tablib.Dataset, result, samples: list[int]) -> ImportPreview:
    if result.base_errors:
        logger.error("Task import failed", exc_info=result.base_errors[0].error)
        raise ImportFileError(_("The file could not be checked. Start from the template."))
    rows = []
    for values, row_result in zip(dataset.dict, result.rows, strict=True):
        row = ImportRow(
            number=values[ROW_NUMBER],
            code=cell_text(values["code"]),
            plan_year=cell_text(values["plan_year"]),
            values={"title": cell_text(values["title"])},
            errors=row_messages(row_result),
        )
        for error in row_result.errors:  # unexpected: the admin sees a row error, the log the cause
            logger.error("Task import: row %s failed", row.number, exc_info=error.error)
        if not row.errors:
            changed = [key for key in row_result.diff or () if key not in ("plan_year", "code")]
            if any(key in changed for key in _JOURNAL_COLUMNS):
                changed = [key for key in changed if key not in _JOURNAL_COLUMNS] + list(_JOURNAL_COLUMNS)
            row.changes = [str(COLUMN_LABELS[key]) for key in changed]
            row.action = {"new": "create", "update": "update"}.get(row_result.import_type, "unchanged")
        rows.append(row)
    return ImportPreview(rows=sorted(rows, key=lambda row: row.number), samples=samples)


def tasks_import_preview(*, file, user) -> ImportPreview:
    """Read and check a file against the database as `user` would import it. Writes nothing.

    Raises ImportFileError when the file as a whole is unusable; row-level
    problems are listed on the rows.
    """
    dataset, samples = tasks_import_dataset(file=file)
    result = TaskResource(user=user).import_data(dataset, dry_run=True, use_transactions=True)
    return _preview(dataset, result, samples)


@transaction.atomic
def tasks_import_apply(*, file, user) -> ImportPreview:
    """Check the file again and write every row, or nothing.

    Returns the preview that was applied. Raises ImportFileError or
    ValidationError (listing the rows with errors) when the file is not clean.
    """
    dataset, samples = tasks_import_dataset(file=file)
    result = TaskResource(user=user).import_data(
        dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )
    preview = _preview(dataset, result, samples)
    if not preview.is_clean:
        raise ValidationError(
            _("Rows with errors: %(rows)s. Nothing was imported.")
            % {"rows": ", ".join(str(row.number) for row in preview.error_rows)}
        )
    return preview
