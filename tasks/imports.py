"""Tasks to and from XLSX spreadsheets (the admins live in Excel).

One format for the template, the export and the import, so a plan
round-trips: export -> import changes nothing; export -> edit -> import
changes exactly the edited cells.

Rules:
- A task is identified by (plan year, code). The plan must exist.
- Columns not in the file (description, English expected output, source
  quote) are never touched by an import.
- An empty status/progress cell means "leave as is". When they differ from
  the task's current state they are recorded through
  `tasks.services.task_record_progress` as a journal entry by the importing
  admin: status and progress never change any other way.
- The preview writes nothing; the import re-checks the file and writes all
  rows in one transaction, or nothing when any row has an error.
"""

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from zipfile import BadZipFile

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from plan_portal.text import normalize_search
from units.models import Unit

from .models import Field, Status, Task, TaskCoordination, WorkPlan
from .services import task_record_coordination_change, task_record_progress

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 10_000
MAX_FILE_BYTES = 10 * 1024 * 1024

# (key, header label). The order is the file's column order.
COLUMNS = [
    ("plan_year", gettext_lazy("Plan year")),
    ("code", gettext_lazy("Task code")),
    ("title", gettext_lazy("Title (Vietnamese)")),
    ("title_en", gettext_lazy("Title (English)")),
    ("field", gettext_lazy("Field key")),
    ("lead_unit", gettext_lazy("Lead unit code")),
    ("coordinating_units", gettext_lazy("Coordinating unit codes (comma separated)")),
    ("parent", gettext_lazy("Parent task code")),
    ("start_date", gettext_lazy("Start date")),
    ("due_date", gettext_lazy("Due date")),
    ("legal_basis", gettext_lazy("Legal basis")),
    ("expected_output", gettext_lazy("Expected output")),
    ("status", gettext_lazy("Status key")),
    ("progress", gettext_lazy("Progress (%)")),
]
COLUMN_KEYS = [key for key, _label in COLUMNS]
COLUMN_LABELS = dict(COLUMNS)
# Plan fields compared and written by an import (status/progress go to the journal).
PLAN_FIELDS = [
    "title",
    "title_en",
    "field",
    "lead_unit",
    "coordinating_units",
    "parent",
    "start_date",
    "due_date",
    "legal_basis",
    "expected_output",
]
DATE_FORMAT = "DD/MM/YYYY"
_CODE_SPLIT = re.compile(r"[,;\n]+")


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (not XLSX, wrong header, too big)."""


@dataclass
class ImportRow:
    number: int  # row number as Excel shows it
    code: str = ""
    plan_year: int | None = None
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    action: str = ""  # "create" | "update" | "unchanged"
    changes: list[str] = field(default_factory=list)  # labels of the changed columns
    journal: tuple[str, int] | None = None  # (status, progress) to record
    task: Task | None = None

    @property
    def action_label(self) -> str:
        return {"create": _("New"), "update": _("Changed"), "unchanged": _("Unchanged")}.get(self.action, "")


@dataclass
class ImportPreview:
    rows: list[ImportRow]

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
    sheet.append([str(label) for _key, label in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F0")
    sheet.freeze_panes = "C2"
    widths = {"title": 60, "title_en": 50, "coordinating_units": 28, "legal_basis": 40, "expected_output": 40}
    for index, key in enumerate(COLUMN_KEYS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = widths.get(key, 16)
    return workbook, sheet


def _add_lists_sheet(workbook: Workbook) -> None:
    """A second sheet listing the allowed keys, so nobody needs a developer to fill the file."""
    sheet = workbook.create_sheet(_("Lists")[:31])
    sheet.append([_("Field key"), _("Field"), "", _("Status key"), _("Status"), "", _("Unit code"), _("Unit")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    fields, statuses = list(Field.choices), list(Status.choices)
    units = list(Unit.objects.active().order_by("sort_order", "code").values_list("code", "name"))
    for index in range(max(len(fields), len(statuses), len(units))):
        row = [*(fields[index] if index < len(fields) else ("", "")), ""]
        row += [*(statuses[index] if index < len(statuses) else ("", "")), ""]
        row += list(units[index]) if index < len(units) else ["", ""]
        sheet.append([str(value) for value in row])
    for letter, width in zip("ABCDEFGH", (16, 36, 2, 14, 22, 2, 14, 60), strict=True):
        sheet.column_dimensions[letter].width = width


def _write_row(sheet, values: list) -> None:
    sheet.append(values)
    for key in ("start_date", "due_date"):
        sheet.cell(row=sheet.max_row, column=COLUMN_KEYS.index(key) + 1).number_format = DATE_FORMAT


def _to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tasks_template_workbook() -> bytes:
    """The header row, one example row and the lists of allowed keys."""
    workbook, sheet = _workbook_with_header()
    plan = WorkPlan.objects.order_by("-year").first()
    year = plan.year if plan else date.today().year
    units = list(Unit.objects.internal().active().order_by("sort_order", "code").values_list("code", flat=True)[:3])
    units += ["VU-TC", "VU-DL", "VU-QLCL"][len(units) :]
    _write_row(
        sheet,
        [
            year,
            f"VD-{year}-01",
            "Xây dựng, trình ban hành Thông tư quy định về đo lường",
            "Draft and submit the circular on measurement",
            Field.METROLOGY.value,
            units[0],
            f"{units[1]}, {units[2]}",
            "",
            date(year, 1, 15),
            date(year, 11, 30),
            "Luật Đo lường 2011",
            "Thông tư được ban hành",
            Status.NOT_STARTED.value,
            0,
        ],
    )
    _add_lists_sheet(workbook)
    return _to_bytes(workbook)


def tasks_export_queryset(tasks: QuerySet[Task]) -> QuerySet[Task]:
    coordinations = TaskCoordination.objects.select_related("unit").order_by("unit__sort_order", "unit__code")
    return (
        tasks.select_related("plan", "lead_unit", "parent")
        .prefetch_related(Prefetch("coordinations", queryset=coordinations))
        .order_by("plan__year", "code")
    )


def tasks_export_workbook(*, tasks: QuerySet[Task]) -> bytes:
    """The tasks in the import format (three queries whatever their number)."""
    workbook, sheet = _workbook_with_header()
    for task in tasks_export_queryset(tasks):
        _write_row(
            sheet,
            [
                task.plan.year,
                task.code,
                task.title,
                task.title_en,
                task.field,
                task.lead_unit.code,
                ", ".join(coordination.unit.code for coordination in task.coordinations.all()),
                task.parent.code if task.parent_id else "",
                task.start_date,
                task.due_date,
                task.legal_basis,
                task.expected_output,
                task.status,
                task.progress,
            ],
        )
    _add_lists_sheet(workbook)
    return _to_bytes(workbook)


# --- Reading -------------------------------------------------------------------


def _accepted_headers(key: str) -> set[str]:
    names = {key}
    for language in ("vi", "en"):
        with translation.override(language):
            names.add(normalize_search(str(COLUMN_LABELS[key])))
    return names


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for parse in (date.fromisoformat, lambda s: datetime.strptime(s, "%d/%m/%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    raise ValueError(text)


def _parse_int(value) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    return int(_text(value).rstrip("%").strip())


def _choice_lookup(choices) -> dict[str, str]:
    """Keys and labels (Vietnamese and English), folded, to the key."""
    lookup = {}
    for key, label in choices:
        lookup[normalize_search(key)] = key
        for language in ("vi", "en"):
            with translation.override(language):
                lookup[normalize_search(str(label))] = key
    return lookup


def _read_rows(file) -> list[tuple[int, list]]:
    data = file.read()
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is too big (at most 10 MB)."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ImportFileError(_("This is not an Excel (.xlsx) file. Start from the template.")) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    header = [normalize_search(_text(cell)) for cell in header][: len(COLUMNS)]
    for index, key in enumerate(COLUMN_KEYS):
        if index >= len(header) or header[index] not in _accepted_headers(key):
            raise ImportFileError(
                _('Column %(number)d of the first row should be "%(label)s". Start from the template.')
                % {"number": index + 1, "label": COLUMN_LABELS[key]}
            )
    result = []
    for number, row in enumerate(rows, start=2):
        cells = list(row[: len(COLUMNS)]) + [None] * (len(COLUMNS) - len(row))
        if all(_text(cell) == "" for cell in cells):
            continue
        result.append((number, cells))
        if len(result) > MAX_ROWS:
            raise ImportFileError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
    workbook.close()
    return result


def _clean_row(number: int, cells: list, *, plans, units, fields, statuses) -> ImportRow:
    raw = dict(zip(COLUMN_KEYS, cells, strict=True))
    row = ImportRow(number=number, code=_text(raw["code"]))
    values = row.values
    errors = row.errors

    try:
        row.plan_year = _parse_int(raw["plan_year"])
        if row.plan_year not in plans:
            errors.append(
                _("There is no work plan for %(year)s; create it in the admin first.") % {"year": row.plan_year}
            )
    except ValueError:
        errors.append(_('Plan year "%(value)s" is not a year.') % {"value": _text(raw["plan_year"])})
    if not row.code:
        errors.append(_("The task code is missing."))
    for key in ("title", "title_en", "legal_basis", "expected_output"):
        values[key] = _text(raw[key])
    if not values["title"]:
        errors.append(_("The title is missing."))

    field_key = fields.get(normalize_search(_text(raw["field"])))
    if field_key is None:
        errors.append(
            _('Unknown field "%(value)s"; use one of: %(keys)s.')
            % {"value": _text(raw["field"]), "keys": ", ".join(Field.values)}
        )
    values["field"] = field_key

    lead_code = _text(raw["lead_unit"]).upper()
    values["lead_unit"] = units.get(lead_code)
    if values["lead_unit"] is None:
        errors.append(
            _('Unknown lead unit code "%(code)s".') % {"code": lead_code}
            if lead_code
            else _("The lead unit code is missing.")
        )
    coordinating = []
    for code in _CODE_SPLIT.split(_text(raw["coordinating_units"]).upper()):
        code = code.strip()
        if not code or code in coordinating:
            continue
        if code not in units:
            errors.append(_('Unknown coordinating unit code "%(code)s".') % {"code": code})
        coordinating.append(code)
    values["coordinating_units"] = sorted(coordinating)
    values["parent"] = _text(raw["parent"])
    if values["parent"] and values["parent"] == row.code:
        errors.append(_("A task cannot be its own parent."))

    for key in ("start_date", "due_date"):
        if _text(raw[key]) == "":
            errors.append(_("%(column)s is missing.") % {"column": COLUMN_LABELS[key]})
            values[key] = None
            continue
        try:
            values[key] = _parse_date(raw[key])
        except ValueError:
            values[key] = None
            errors.append(
                _('%(column)s "%(value)s" is not a date (use DD/MM/YYYY).')
                % {"column": COLUMN_LABELS[key], "value": _text(raw[key])}
            )
    if values["start_date"] and values["due_date"] and values["due_date"] < values["start_date"]:
        errors.append(_("The due date cannot be before the start date."))

    status_text = _text(raw["status"])
    values["status"] = None
    if status_text:
        values["status"] = statuses.get(normalize_search(status_text))
        if values["status"] is None:
            errors.append(
                _('Unknown status "%(value)s"; use one of: %(keys)s.')
                % {"value": status_text, "keys": ", ".join(Status.values)}
            )
    values["progress"] = None
    if _text(raw["progress"]):
        try:
            values["progress"] = _parse_int(raw["progress"])
        except ValueError:
            values["progress"] = -1
        if not 0 <= values["progress"] <= 100:
            errors.append(
                _('Progress "%(value)s" must be a whole number between 0 and 100.') % {"value": _text(raw["progress"])}
            )

    # Lengths and other per-field model rules, on an unsaved task.
    probe = Task(code=row.code, **{key: values[key] for key in ("title", "title_en", "legal_basis", "expected_output")})
    try:
        # Empty required cells already have their own message above.
        checked = {name for name in ("code", "title", "title_en") if getattr(probe, name)}
        probe.clean_fields(exclude=[f.name for f in Task._meta.fields if f.name not in checked])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.extend(f"{Task._meta.get_field(name).verbose_name}: {message}" for message in messages)
    return row


def _compare(row: ImportRow, task: Task | None, existing_coordinations: list[str]) -> None:
    values = row.values
    if task is None:
        row.action = "create"
        row.changes = [str(COLUMN_LABELS[key]) for key in PLAN_FIELDS if values.get(key)]
        current_status, current_progress = Status.NOT_STARTED, 0
    else:
        current = {
            "title": task.title,
            "title_en": task.title_en,
            "field": task.field,
            "lead_unit": task.lead_unit,
            "coordinating_units": existing_coordinations,
            "parent": task.parent.code if task.parent_id else "",
            "start_date": task.start_date,
            "due_date": task.due_date,
            "legal_basis": task.legal_basis,
            "expected_output": task.expected_output,
        }
        row.changes = [str(COLUMN_LABELS[key]) for key in PLAN_FIELDS if current[key] != values[key]]
        current_status, current_progress = task.status, task.progress
    status = values["status"] or current_status
    progress = values["progress"]
    if progress is None:
        progress = 100 if status == Status.COMPLETED and values["status"] else current_progress
    if status == Status.COMPLETED and progress != 100:
        row.errors.append(_("A completed task has progress 100%."))
    if (status, progress) != (current_status, current_progress):
        row.journal = (status, progress)
        row.changes += [str(COLUMN_LABELS["status"]), str(COLUMN_LABELS["progress"])]
    if task is not None:
        row.action = "update" if row.changes else "unchanged"


def tasks_import_preview(*, file) -> ImportPreview:
    """Read and check a file against the database. Writes nothing.

    Raises ImportFileError when the file as a whole is unusable; row-level
    problems are listed on the rows.
    """
    rows_in = _read_rows(file)
    plans = {plan.year: plan for plan in WorkPlan.objects.all()}
    units = {unit.code: unit for unit in Unit.objects.all()}
    fields, statuses = _choice_lookup(Field.choices), _choice_lookup(Status.choices)
    rows = [
        _clean_row(number, cells, plans=plans, units=units, fields=fields, statuses=statuses)
        for number, cells in rows_in
    ]

    years = {row.plan_year for row in rows if row.plan_year in plans}
    existing = {
        (task.plan.year, task.code): task for task in tasks_export_queryset(Task.objects.filter(plan__year__in=years))
    }
    seen: dict[tuple, int] = {}
    file_codes = {(row.plan_year, row.code) for row in rows}
    for row in rows:
        key = (row.plan_year, row.code)
        if row.code and key in seen:
            row.errors.append(
                _("Task code %(code)s appears twice (also row %(row)d).") % {"code": row.code, "row": seen[key]}
            )
        else:
            seen[key] = row.number
        parent = row.values["parent"]
        if parent and (row.plan_year, parent) not in file_codes and (row.plan_year, parent) not in existing:
            row.errors.append(_('Unknown parent task code "%(code)s" in this plan.') % {"code": parent})
        task = existing.get(key)
        row.task = task
        if row.plan_year in plans and not row.errors:
            coordinations = sorted(c.unit.code for c in task.coordinations.all()) if task else []
            _compare(row, task, coordinations)
    _check_cycles(rows)
    return ImportPreview(rows=rows)


def _check_cycles(rows: list[ImportRow]) -> None:
    parent_of = {(row.plan_year, row.code): row.values["parent"] for row in rows if row.values.get("parent")}
    for row in rows:
        node, steps = (row.plan_year, row.code), 0
        while node in parent_of and steps <= len(parent_of):
            node, steps = (row.plan_year, parent_of[node]), steps + 1
            if node == (row.plan_year, row.code):
                row.errors.append(_("The parent task codes form a loop."))
                break


def _apply_order(rows: list[ImportRow]) -> list[ImportRow]:
    """Parents before their sub-tasks (cycles were refused in the preview)."""
    in_file = {(row.plan_year, row.code): row for row in rows}
    ordered, done = [], set()

    def visit(row):
        key = (row.plan_year, row.code)
        if key in done:
            return
        parent = in_file.get((row.plan_year, row.values["parent"]))
        if parent is not None:
            visit(parent)
        done.add(key)
        ordered.append(row)

    for row in rows:
        visit(row)
    return ordered


@transaction.atomic
def tasks_import_apply(*, file, user) -> ImportPreview:
    """Check the file again and write every row, or nothing.

    Returns the preview that was applied. Raises ImportFileError or
    ValidationError (listing the rows with errors) when the file is not clean.
    """
    preview = tasks_import_preview(file=file)
    if not preview.is_clean:
        raise ValidationError(
            _("Rows with errors: %(rows)s. Nothing was imported.")
            % {"rows": ", ".join(str(row.number) for row in preview.error_rows)}
        )
    plans = {plan.year: plan for plan in WorkPlan.objects.all()}
    units = {unit.code: unit for unit in Unit.objects.all()}
    reason = _("Imported from spreadsheet")
    saved: dict[tuple, Task] = {}
    for row in _apply_order(preview.rows):
        if row.action == "unchanged":
            continue
        values, plan = row.values, plans[row.plan_year]
        task = row.task or Task(plan=plan, code=row.code)
        parent_code = values["parent"]
        parent = None
        if parent_code:
            parent = saved.get((row.plan_year, parent_code)) or Task.objects.get(plan=plan, code=parent_code)
        new_values = {key: values[key] for key in PLAN_FIELDS if key not in ("coordinating_units", "parent")}
        new_values["parent"] = parent
        fields_saved = task.pk is None or any(getattr(task, key) != value for key, value in new_values.items())
        if fields_saved:
            for key, value in new_values.items():
                setattr(task, key, value)
            task.full_clean()
            task._change_reason = reason
            task._history_user = user
            task.save()
        saved[(row.plan_year, row.code)] = task
        wanted = set(values["coordinating_units"])
        have = {c.unit.code: c for c in task.coordinations.select_related("unit")} if row.task else {}
        TaskCoordination.objects.filter(pk__in=[c.pk for code, c in have.items() if code not in wanted]).delete()
        TaskCoordination.objects.bulk_create(
            [TaskCoordination(task=task, unit=units[code]) for code in sorted(wanted - set(have))]
        )
        task_record_coordination_change(task=task, user=user, reason=reason, amend_latest=fields_saved)
        if row.journal:
            status, progress = row.journal
            task_record_progress(
                task=task, author=user, status=status, progress=progress, note=reason, check_permission=False
            )
    return preview
