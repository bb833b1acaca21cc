"""The task list's filters (GET parameters, kept in the URL).

Parameter names are a contract: the Leadership dashboard links here for
drill-down (`plan`, `as_of`, `state`, `status`, `at_risk`, `stale`,
`extended`, `awaiting_confirmation`, `pending_request`, `unit`, `role`). Status-like filters are evaluated as of `as_of` (default today) on
the annotations of tasks.selectors.task_annotate_as_of, so a count on the
dashboard equals the number of rows the link shows.
"""

import re
from datetime import date
from typing import ClassVar

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BaseCSVWidget

from plan_portal.dates import parse_date
from plan_portal.text import normalize_search
from units.models import Unit

from .labels import COUNT_LABELS, STATE_LABELS
from .models import Field, Status, TaskCoordination, WorkPlan
from .selectors import (
    local_today,
    plan_get_current,
    task_annotate_as_of,
)

STATE_CHOICES = list(STATE_LABELS.items())
ROLE_CHOICES = [("lead", _("as lead unit")), ("coord", _("as coordinating unit"))]
YES_CHOICES = [("1", _("Yes"))]

# Visible name -> ORM expression. Each ends with the primary key so pages are stable.
ORDERING_FIELDS = (
    ("code", "code"),
    ("due_date", "due"),
    ("s_progress", "progress"),
    ("s_status", "status"),
    ("lead_unit__code", "unit"),
    ("last_update_at", "updated"),
)


DATE_INPUT_ATTRS = {
    "inputmode": "numeric",
    "pattern": r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}",
    "placeholder": "dd/mm/yyyy",
    "autocomplete": "off",
    "data-date-input": "",
    "maxlength": "10",
}


class BoundedDateField(forms.DateField):
    """A date the plan can mean: 0001-01-01 would overflow the day's time-zone
    arithmetic (a 500), so dates outside 2000-2100 get a message instead."""

    FIRST, LAST = date(2000, 1, 1), date(2100, 12, 31)
    default_error_messages = {"out_of_range": _("Use a date between 01/01/2000 and 31/12/2100.")}

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not self.FIRST <= day <= self.LAST:
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return day


class ISODateFilter(django_filters.DateFilter):
    """ISO dates (YYYY-MM-DD) as in links, plus the Vietnamese dd/mm/yyyy a person may type."""

    field_class = BoundedDateField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d/%m/%Y"])
        # A text field, not <input type=date>: the browser would show its own locale's order (mm/dd/yyyy).
        kwargs.setdefault("widget", forms.DateInput(attrs=DATE_INPUT_ATTRS, format="%d/%m/%Y"))
        super().__init__(*args, **kwargs)


class UnitCodeField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": _("Unknown unit code: %(value)s.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip().upper()
        if "\x00" in value:
            # PostgreSQL refuses a NUL byte in a query (a 500): no unit has one.
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value.replace("\x00", "")},
            )
        try:
            # Any unit, also a deactivated one (old links keep working); the
            # drop-down offers the active ones.
            return Unit.objects.get(code=value)
        except Unit.DoesNotExist:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None

    def label_from_instance(self, obj):
        return f"{obj.code} – {obj.short_name or obj.name}"


class UnitCodeFilter(django_filters.ModelChoiceFilter):
    field_class = UnitCodeField


def remembered_rendering(key: tuple, render) -> str:
    """A widget's HTML from MemoSelect's per-process store, rendered on the first miss."""
    html = MemoSelect.rendered.get(key)
    if html is None:
        if len(MemoSelect.rendered) >= MemoSelect.LIMIT:
            MemoSelect.rendered.clear()
        html = MemoSelect.rendered[key] = render()
    return html


class MemoSelect(forms.Select):
    """A drop-down rendered once per process for each name, value, attributes,
    options and language: Django renders every option through a template, which
    made the filter form's four selects (60 units) most of its time. The
    output depends on nothing else, so a remembered rendering is always right."""

    rendered: ClassVar[dict[tuple, str]] = {}
    LIMIT = 500  # forgotten all at once beyond this (values typed into URLs): at most ~3 MB

    def _read_choices(self) -> None:
        """Read the options once per form (the unit options are a query)."""
        if not isinstance(self.choices, list):
            self.choices = list(self.choices)

    def use_required_attribute(self, initial):
        self._read_choices()
        return super().use_required_attribute(initial)

    def render(self, name, value, attrs=None, renderer=None):
        self._read_choices()
        options = tuple((str(key), str(label)) for key, label in self.choices)
        settings_ = tuple(sorted({**self.attrs, **(attrs or {})}.items()))
        key = (type(self), name, repr(value), settings_, options, get_language(), self.allow_multiple_selected)
        return remembered_rendering(key, lambda: super(MemoSelect, self).render(name, value, attrs, renderer))


class MemoDateInput(forms.DateInput):
    """The filter form's date fields, remembered like MemoSelect (in its store): the output depends
    only on the name, the value, the attributes and the fixed format."""

    def render(self, name, value, attrs=None, renderer=None):
        settings_ = tuple(sorted({**self.attrs, **(attrs or {})}.items()))
        key = (type(self), name, repr(value), settings_, self.format, get_language())
        return remembered_rendering(key, lambda: super(MemoDateInput, self).render(name, value, attrs, renderer))


class MemoCSVSelect(MemoSelect, BaseCSVWidget, forms.Select):
    """The sort order's drop-down (what django-filter builds as `CSVSelect(BaseCSVWidget, Select)`),
    remembered the same way."""


def unit_choices(empty_label) -> list[tuple[str, str]]:
    """The unit drop-down's options (UnitCodeField.label_from_instance), read as plain values: one
    small query, without a server-side cursor or model instances."""
    units = Unit.objects.filter(is_active=True).order_by("sort_order", "code")
    return [("", empty_label)] + [
        (code, f"{code} – {short_name or name}")
        for code, short_name, name in units.values_list("code", "short_name", "name")
    ]


class TaskOrderingFilter(django_filters.OrderingFilter):
    # django-filter ships no Vietnamese catalogue: translate the suffix here.
    descending_fmt = _("%s (descending)")


class TaskFilterForm(forms.Form):
    def clean_plan(self):
        year = self.cleaned_data.get("plan")
        self.plan_obj = None
        if year is not None:
            self.plan_obj = WorkPlan.objects.filter(year=year).first()
            if self.plan_obj is None:
                raise forms.ValidationError(_("There is no work plan for %(year)s."), params={"year": int(year)})
        return year

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("due_from"), cleaned.get("due_to")
        if start and end and start > end:
            self.add_error("due_to", _("The end of the due-date range is before its start."))
        return cleaned


class TaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    plan = django_filters.NumberFilter(label=_("Plan (year)"), method="filter_nothing")
    as_of = ISODateFilter(label=_("As of"), method="filter_nothing")
    unit = UnitCodeFilter(
        label=_("Unit"),
        queryset=Unit.objects.filter(is_active=True).order_by("sort_order", "code"),
        to_field_name="code",
        empty_label=_("All units"),
        method="filter_unit",
    )
    role = django_filters.ChoiceFilter(
        label=_("Unit's role"), choices=ROLE_CHOICES, empty_label=_("lead or coordinating"), method="filter_nothing"
    )
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Status.choices, field_name="s_status")
    state = django_filters.MultipleChoiceFilter(label=_("Deadline state"), choices=STATE_CHOICES, field_name="s_state")
    field = django_filters.ChoiceFilter(label=_("Field"), choices=Field.choices, empty_label=_("All fields"))
    overdue = django_filters.ChoiceFilter(
        label=_("Overdue"), choices=YES_CHOICES, empty_label="—", method="filter_flag"
    )
    at_risk = django_filters.ChoiceFilter(
        label=COUNT_LABELS["at_risk"], choices=YES_CHOICES, empty_label="—", method="filter_flag"
    )
    stale = django_filters.ChoiceFilter(
        label=COUNT_LABELS["stale"], choices=YES_CHOICES, empty_label="—", method="filter_flag"
    )
    extended = django_filters.ChoiceFilter(
        label=_("Due date extended"), choices=YES_CHOICES, empty_label="—", method="filter_flag"
    )
    awaiting_confirmation = django_filters.ChoiceFilter(
        label=_("Awaiting confirmation"), choices=YES_CHOICES, empty_label="—", method="filter_flag"
    )
    pending_request = django_filters.ChoiceFilter(
        label=_("Request pending"), choices=YES_CHOICES, empty_label="—", method="filter_flag"
    )
    due_from = ISODateFilter(label=_("Due from"), field_name="due_date", lookup_expr="gte")
    due_to = ISODateFilter(label=_("Due until"), field_name="due_date", lookup_expr="lte")
    ordering = TaskOrderingFilter(
        label=_("Sort by"),
        fields=ORDERING_FIELDS,
        field_labels={
            "code": _("Code"),
            "due_date": _("Due date"),
            "s_progress": _("Progress"),
            "s_status": _("Status"),
            "lead_unit__code": _("Lead unit"),
            "last_update_at": _("Last update"),
        },
        empty_label=_("Code (default)"),
    )

    class Meta:
        form = TaskFilterForm
        fields: list[str] = []

    # Kept in the URL but not shown as fields of the filter form (dashboard drill-down).
    HIDDEN_PARAMS = ("as_of", "state")
    FLAG_PARAMS = ("overdue", "at_risk", "stale", "extended", "awaiting_confirmation", "pending_request")

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            # A date from a link (2020-06-30) shows in the field the way people write it (30/06/2020).
            data = data.copy()
            for name in ("due_from", "due_to"):
                parsed = parse_date(data.get(name, "")) if len(data.get(name, "")) <= 10 else None
                if parsed and BoundedDateField.FIRST <= parsed <= BoundedDateField.LAST:
                    data[name] = parsed.strftime("%d/%m/%Y")
        super().__init__(data, *args, **kwargs)
        self.plan = None
        self.as_of = None
        unit_field = self.form.fields["unit"]
        unit_field.choices = lambda: unit_choices(unit_field.empty_label)  # read when rendered (not by exports)
        for field in self.form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs["class"] = "form-check-input"
            elif type(widget) is forms.Select or type(widget).__bases__ == (BaseCSVWidget, forms.Select):
                memo = MemoSelect if type(widget) is forms.Select else MemoCSVSelect
                field.widget = memo(attrs={**widget.attrs, "class": "form-select"}, choices=widget.choices)
                field.widget.is_required = widget.is_required
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            elif type(widget) is forms.DateInput:
                field.widget = MemoDateInput(attrs={**widget.attrs, "class": "form-control"}, format=widget.format)
                field.widget.is_required = widget.is_required
            else:
                widget.attrs["class"] = "form-control"
        self.form.fields["status"].widget = forms.CheckboxSelectMultiple(
            attrs={"class": "form-check-input"}, choices=self.form.fields["status"].choices
        )

    # --- resolution of the implicit parameters --------------------------------

    def filter_queryset(self, queryset):
        cleaned = self.form.cleaned_data
        self.plan = getattr(self.form, "plan_obj", None) or plan_get_current()
        self.as_of = cleaned.get("as_of") or local_today()
        if self.plan is None:
            return queryset.none()
        queryset = task_annotate_as_of(queryset.filter(plan=self.plan), as_of=self.as_of)
        queryset = super().filter_queryset(queryset)
        if not cleaned.get("ordering"):
            queryset = queryset.order_by("code", "pk")
        else:
            queryset = queryset.order_by(*queryset.query.order_by, "code", "pk")
        return queryset

    # --- filter methods ----------------------------------------------------------

    def filter_nothing(self, queryset, name, value):
        """Handled in filter_queryset (plan, as_of) or by another filter (role)."""
        return queryset

    def filter_q(self, queryset, name, value):
        # Both sides folded by the same function: "Đo lường", "do luong" and
        # "DO LUONG" all become "do luong". The column is already lower-case,
        # so a plain LIKE suffices (and PostgreSQL's trigram index serves it).
        # A word may also name the lead or a coordinating unit by code or name ("MSMV" finds the
        # tasks TT-MSMV leads or coordinates), as a whole word: "do" must not find every "Đơn vị".
        for word in normalize_search(value).split():
            whole_word = rf"(^|[^a-z0-9]){re.escape(word)}([^a-z0-9]|$)"
            coordinates = TaskCoordination.objects.filter(task=OuterRef("pk"), unit__search_text__regex=whole_word)
            queryset = queryset.filter(
                Q(search_text__contains=word) | Q(lead_unit__search_text__regex=whole_word) | Exists(coordinates)
            )
        return queryset

    def filter_unit(self, queryset, name, unit):
        role = self.form.cleaned_data.get("role")
        if role == "lead":
            return queryset.filter(lead_unit=unit)
        coordinated = Q(pk__in=TaskCoordination.objects.filter(unit=unit).values("task"))
        if role == "coord":
            return queryset.filter(coordinated)
        return queryset.filter(Q(lead_unit=unit) | coordinated)

    def filter_flag(self, queryset, name, value):
        if value == "1":
            return queryset.filter(**{f"s_{name}": True})
        return queryset

    @property
    def as_of_is_today(self) -> bool:
        return self.as_of is None or self.as_of >= local_today()

    def active_query_without_page(self) -> str:
        params = self.data.copy() if self.data is not None else {}
        params.pop("page", None)
        return params.urlencode()
