"""The task spreadsheet as a django-import-export resource.

One resource for the template, the export and the import, so a plan round
trips: export -> import changes nothing. The widgets turn cells into values
with the admins' own wording for every problem; the resource adds the rules
that span a row or the file:

- a task is identified by (plan year, code); the plan must exist;
- a code appears once per plan in a file; parent codes form no loop;
- unchanged rows are skipped (`skip_unchanged`), and a task whose own cells
  are unchanged is not saved (no history row) even when its coordinating
  units or its status/progress change;
- status and progress are never written to the task: a difference becomes a
  journal entry through `tasks.services.task_record_progress`, written only
  for superusers or for users who may record progress on that task (staff
  and heads of its lead unit, under the process rules of issue 11: no hold
  or cancellation without an approved request, evidence for a completion),
  otherwise a row error.
"""

import re
from datetime import date, datetime

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.resources import Diff

from plan_portal.text import normalize_search
from units.models import Unit

from .labels import field_label, status_label
from .models import Field, Status, Task, WorkPlan
from .services import task_record_coordination_change, task_record_progress

# (key, header label). The order is the file's column order.
COLUMNS = [
    ("plan_year", gettext_lazy("Plan year")),
    ("code", gettext_lazy("Task code")),
    ("title", gettext_lazy("Title (Vietnamese)")),
    ("title_en", gettext_lazy("Title (English)")),
    ("field", gettext_lazy("Field")),
    ("lead_unit", gettext_lazy("Lead unit code")),
    ("coordinating_units", gettext_lazy("Coordinating unit codes (comma separated)")),
    ("parent", gettext_lazy("Parent task code")),
    ("start_date", gettext_lazy("Start date")),
    ("due_date", gettext_lazy("Due date")),
    ("legal_basis", gettext_lazy("Legal basis")),
    ("expected_output", gettext_lazy("Expected output")),
    ("status", gettext_lazy("Status")),
    ("progress", gettext_lazy("Progress (%)")),
]
COLUMN_KEYS = [key for key, _label in COLUMNS]
COLUMN_LABELS = dict(COLUMNS)
# Headers of files made before the field and status cells took their labels.
LEGACY_LABELS = {"field": gettext_lazy("Field key"), "status": gettext_lazy("Status key")}
# The dataset's extra column: the row number as Excel shows it.
ROW_NUMBER = "row"
JOURNAL_NOTE = gettext_lazy("Imported from spreadsheet")
# Written only by the journal's service, never by the import itself.
JOURNAL_FIELDS = ("status", "progress", "completed_at", "last_update_at", "version")
_CODE_SPLIT = re.compile(r"[,;\n]+")
# Messages a widget raised: shown as they are (model errors get the field's name).
CELL_ERROR = "cell"


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_whole_number(value) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    return int(cell_text(value).rstrip("%").strip())


# --- Widgets: a cell to a value, or the admins' own wording of the problem -----------


class TextWidget(widgets.CharWidget):
    def __init__(self, *, missing=None):
        super().__init__()
        self.missing = missing

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text and self.missing:
            raise ValueError(str(self.missing))
        return text


class KeyWidget(widgets.Widget):
    """A choice by its label (Vietnamese or English, any accents or case) or, for older
    files, its key; written as its label from `tasks.labels`, the one label table."""

    def __init__(self, choices, *, label, unknown, required=True):
        super().__init__(coerce_to_string=False)
        self.choices, self.label, self.unknown, self.required = choices, label, unknown, required
        self._lookup = None

    def lookup(self) -> dict[str, str]:
        if self._lookup is None:
            self._lookup = {}
            for key, label in self.choices:
                self._lookup[normalize_search(key)] = key
                for language in ("vi", "en"):
                    with translation.override(language):
                        self._lookup[normalize_search(str(label))] = key
        return self._lookup

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text and not self.required:
            return None
        key = self.lookup().get(normalize_search(text))
        if key is None:
            labels = ", ".join(self.label(key) for key, _label in self.choices)
            raise ValueError(str(self.unknown) % {"value": text, "keys": labels})
        return key

    def render(self, value, obj=None, **kwargs):
        return self.label(value) if value else value


class PlanWidget(widgets.CachedForeignKeyWidget):
    def __init__(self):
        super().__init__(WorkPlan, field="year")

    def clean(self, value, row=None, **kwargs):
        try:
            year = parse_whole_number(value)
        except ValueError:
            raise ValueError(_('Plan year "%(value)s" is not a year.') % {"value": cell_text(value)}) from None
        try:
            return self.get_instance_by_lookup_fields(year, row)
        except ObjectDoesNotExist:
            raise ValueError(
                _("There is no work plan for %(year)s; create it in the admin first.") % {"year": year}
            ) from None


class UnitWidget(widgets.CachedForeignKeyWidget):
    def __init__(self):
        super().__init__(Unit, field="code")

    def clean(self, value, row=None, **kwargs):
        code = cell_text(value).upper()
        if not code:
            raise ValueError(_("The lead unit code is missing."))
        try:
            return self.get_instance_by_lookup_fields(code, row)
        except ObjectDoesNotExist:
            raise ValueError(_('Unknown lead unit code "%(code)s".') % {"code": code}) from None


class UnitsWidget(widgets.ManyToManyWidget):
    """Unit codes separated by commas, semicolons or line breaks."""

    def __init__(self):
        super().__init__(Unit, separator=", ", field="code")
        self._units = None

    def clean(self, value, row=None, **kwargs):
        if self._units is None:
            self._units = {unit.code: unit for unit in Unit.objects.all()}
        codes = []
        for code in _CODE_SPLIT.split(cell_text(value).upper()):
            if code.strip() and code.strip() not in codes:
                codes.append(code.strip())
        unknown = [code for code in codes if code not in self._units]
        if unknown:
            raise ValidationError(
                [_('Unknown coordinating unit code "%(code)s".') % {"code": code} for code in unknown]
            )
        return [self._units[code] for code in codes]


class ParentWidget(widgets.ForeignKeyWidget):
    """A task of the same plan, by its code."""

    def __init__(self):
        super().__init__(Task, field="code")
        self.codes_in_file: set[tuple[str, str]] = set()

    def clean(self, value, row=None, **kwargs):
        code = cell_text(value)
        if not code:
            return None
        if code == cell_text(row["code"]):
            raise ValueError(_("A task cannot be its own parent."))
        try:
            year = parse_whole_number(row["plan_year"])
        except ValueError:
            return None  # the plan year has its own message
        try:
            return Task.objects.get(plan__year=year, code=code)
        except Task.DoesNotExist:
            if (cell_text(row["plan_year"]), code) in self.codes_in_file:
                raise ValueError(_('The parent task "%(code)s" has errors in this file.') % {"code": code}) from None
            raise ValueError(_('Unknown parent task code "%(code)s" in this plan.') % {"code": code}) from None


class DayWidget(widgets.DateWidget):
    """Excel dates, YYYY-MM-DD or DD/MM/YYYY; written as real dates."""

    def __init__(self, label):
        super().__init__(coerce_to_string=False)
        self.label = label

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = cell_text(value)
        if not text:
            raise ValueError(_("%(column)s is missing.") % {"column": self.label})
        for parse in (date.fromisoformat, lambda s: datetime.strptime(s, "%d/%m/%Y").date()):
            try:
                return parse(text)
            except ValueError:
                continue
        raise ValueError(
            _('%(column)s "%(value)s" is not a date (use DD/MM/YYYY).') % {"column": self.label, "value": text}
        )


class ProgressWidget(widgets.IntegerWidget):
    def __init__(self):
        super().__init__(coerce_to_string=False)

    def clean(self, value, row=None, **kwargs):
        if not cell_text(value):
            return None
        try:
            progress = parse_whole_number(value)
        except ValueError:
            progress = -1
        if not 0 <= progress <= 100:
            raise ValueError(
                _('Progress "%(value)s" must be a whole number between 0 and 100.') % {"value": cell_text(value)}
            )
        return progress


class ChangedColumns(Diff):
    """The preview's diff: the keys of the columns whose value changes."""

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.keys = resource.get_diff_headers()

    def as_html(self):
        return [key for key, old, new in zip(self.keys, self.left, self.right, strict=True) if old != new]


def _column(key, widget, **kwargs) -> fields.Field:
    attribute = {"plan_year": "plan"}.get(key, key)
    return fields.Field(attribute=attribute, column_name=key, widget=widget, **kwargs)


def _message_list(error: ValidationError) -> list[str]:
    """Messages of a row's errors: model rules are prefixed with the field's name."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    messages = []
    for name, errors in error.error_dict.items():
        for item in errors:
            for message in item.messages:
                if name == NON_FIELD_ERRORS or item.code == CELL_ERROR:
                    messages.append(message)
                else:
                    messages.append(f"{Task._meta.get_field(name).verbose_name}: {message}")
    return messages


def row_messages(row_result) -> list[str]:
    """A row result's errors as the admins read them."""
    if row_result.validation_error is not None:
        return _message_list(row_result.validation_error)
    if row_result.errors:
        return [_("This row could not be checked; check its cells against the template.")]
    return []


class TaskResource(resources.ModelResource):
    plan_year = _column("plan_year", PlanWidget())
    code = _column("code", TextWidget(missing=gettext_lazy("The task code is missing.")))
    title = _column("title", TextWidget(missing=gettext_lazy("The title is missing.")))
    title_en = _column("title_en", TextWidget())
    field = _column(
        "field",
        KeyWidget(
            Field.choices, label=field_label, unknown=gettext_lazy('Unknown field "%(value)s"; use one of: %(keys)s.')
        ),
    )
    lead_unit = _column("lead_unit", UnitWidget())
    coordinating_units = _column("coordinating_units", UnitsWidget())
    parent = _column("parent", ParentWidget())
    start_date = _column("start_date", DayWidget(COLUMN_LABELS["start_date"]))
    due_date = _column("due_date", DayWidget(COLUMN_LABELS["due_date"]))
    legal_basis = _column("legal_basis", TextWidget())
    expected_output = _column("expected_output", TextWidget())
    status = _column(
        "status",
        KeyWidget(
            Status.choices,
            label=status_label,
            unknown=gettext_lazy('Unknown status "%(value)s"; use one of: %(keys)s.'),
            required=False,
        ),
        readonly=True,
    )
    progress = _column("progress", ProgressWidget(), readonly=True)

    class Meta:
        model = Task
        fields = COLUMN_KEYS
        import_order = COLUMN_KEYS
        export_order = COLUMN_KEYS
        import_id_fields = ["plan_year", "code"]
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True

    def __init__(self, *, user=None):
        super().__init__()
        self.user = user
        self.row_problems: dict[int, list[str]] = {}

    # --- Export ---------------------------------------------------------------------

    def get_queryset(self):
        units = Prefetch("coordinating_units", queryset=Unit.objects.order_by("sort_order", "code"))
        return (
            Task.objects.select_related("plan", "lead_unit", "parent")
            .prefetch_related(units)
            .order_by("plan__year", "code")
        )

    def iter_queryset(self, queryset):
        # One query and its prefetch: a plan holds hundreds of tasks, not millions.
        yield from queryset

    # --- Import: the file, then each row ----------------------------------------------

    def get_diff_class(self):
        return ChangedColumns

    def before_import(self, dataset, **kwargs):
        """Rules across rows: a code once per plan, parent codes without a loop."""
        keys = [(cell_text(row["plan_year"]), cell_text(row["code"])) for row in dataset.dict]
        parents = {key: cell_text(row["parent"]) for key, row in zip(keys, dataset.dict, strict=True)}
        self.fields["parent"].widget.codes_in_file = set(keys)
        first_row: dict[tuple, int] = {}
        for key, row in zip(keys, dataset.dict, strict=True):
            problems = self.row_problems.setdefault(row[ROW_NUMBER], [])
            if key[1] and key in first_row:
                problems.append(
                    _("Task code %(code)s appears twice (also row %(row)d).") % {"code": key[1], "row": first_row[key]}
                )
            first_row.setdefault(key, row[ROW_NUMBER])
            node, steps = key, 0
            while parents.get(node) and steps <= len(parents):
                node, steps = (key[0], parents[node]), steps + 1
                if node == key:
                    problems.append(_("The parent task codes form a loop."))
                    break

    def _cell_errors(self, row, *, skip=()) -> list[str]:
        messages = []
        for field in self.get_import_fields():
            if field.column_name in skip:
                continue
            try:
                field.clean(row)
            except (ValueError, ValidationError) as error:
                messages += error.messages if isinstance(error, ValidationError) else [str(error)]
        return messages

    def before_import_row(self, row, **kwargs):
        """Without a plan and a code the task cannot be found: list every problem of the row now."""
        errors = list(self.row_problems.get(row[ROW_NUMBER], []))
        for key in ("plan_year", "code"):
            try:
                self.fields[key].clean(row)
            except ValueError as error:
                errors.append(str(error))
        if errors:
            raise ValidationError(errors + self._cell_errors(row, skip=("plan_year", "code")))

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        for field in self.get_import_fields():
            try:
                if field.readonly or isinstance(field.widget, widgets.ManyToManyWidget):
                    field.clean(row)  # checked now, written later (or never)
                else:
                    self.import_field(field, instance, row, **kwargs)
            except (ValueError, ValidationError) as error:
                messages = error.messages if isinstance(error, ValidationError) else [str(error)]
                errors[field.attribute] = [ValidationError(message, code=CELL_ERROR) for message in messages]
        if errors:
            raise ValidationError(errors)
        instance._import_journal = self._journal_entry(instance, row)

    def _journal_entry(self, instance, row) -> tuple[str, int] | None:
        """The (status, progress) to record, or None. Empty cells leave the task as it is."""
        status_cell = self.fields["status"].clean(row)
        progress = self.fields["progress"].clean(row)
        status = status_cell or instance.status
        if progress is None:
            progress = 100 if status == Status.COMPLETED and status_cell else instance.progress
        return None if (status, progress) == (instance.status, instance.progress) else (status, progress)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        own = [
            f for f in self.get_import_fields() if not f.readonly and not isinstance(f.widget, widgets.ManyToManyWidget)
        ]
        instance._import_fields_changed = original.pk is None or any(
            field.get_value(instance) != field.get_value(original) for field in own
        )
        if instance._import_journal:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's rules, except those of the journal's fields: the import never writes
        them (the journal's service checks its entry), and skipping them saves queries."""
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=[*errors, *JOURNAL_FIELDS], validate_unique=validate_unique)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = str(JOURNAL_NOTE)
        instance._history_user = self.user

    def do_instance_save(self, instance, is_create):
        # A task whose own cells are unchanged is not saved: no history row
        # for a change of status/progress alone (the journal records it).
        instance._import_saved = is_create or instance._import_fields_changed
        if instance._import_saved:
            super().do_instance_save(instance, is_create)

    def save_m2m(self, instance, row, **kwargs):
        """Coordinating units (into the task's audit history), then the journal
        entry (its permission depends on them)."""
        super().save_m2m(instance, row, **kwargs)
        task_record_coordination_change(
            task=instance,
            user=self.user,
            reason=str(JOURNAL_NOTE),
            amend_latest=getattr(instance, "_import_saved", False),
        )
        if instance._import_journal:
            self._record_journal(instance, *instance._import_journal)

    def _record_journal(self, task: Task, status: str, progress: int) -> None:
        try:
            task_record_progress(
                task=task,
                author=self.user,
                status=status,
                progress=progress,
                note=str(JOURNAL_NOTE),
                check_permission=not self.user.is_superuser,
            )
        except PermissionDenied:
            raise ValidationError(
                _(
                    "You may not record the status or progress of task %(code)s: only superusers and staff of its"
                    " lead unit may. Leave its status and progress cells as they are."
                )
                % {"code": task.code}
            ) from None
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def after_import(self, dataset, result, **kwargs):
        # The file names no ids, so the id sequence needs no reset.
        pass
