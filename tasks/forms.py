from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import COMMENT_MAX_LENGTH, RequestKind, RequestState, Status
from .services import NOTE_MAX_LENGTH, validate_update_fields


class ProgressUpdateForm(forms.Form):
    """The fields of a progress update. The rules (completed is 100%, on hold
    needs a reason...) live in tasks.services.task_record_progress, which
    reports its refusals keyed by these field names."""

    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        error_messages={
            "min_value": _("Progress must be a whole number between 0 and 100."),
            "max_value": _("Progress must be a whole number between 0 and 100."),
            "invalid": _("Progress must be a whole number between 0 and 100."),
        },
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}),
    )
    # Neither required nor length-checked here: the service's own rules answer, with their own
    # messages ("say why the task is on hold", "the note is too long (4001 characters...)"),
    # which a check here would hide.
    note = forms.CharField(
        label=_("Note"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
    )
    output_ref = forms.CharField(
        label=_("Output reference"),
        required=False,
        max_length=255,
        help_text=_("For a completion: the output's document, e.g. Quyết định số 1322/QĐ-TTg ngày 31/08/2020."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, task=None, **kwargs):
        if task is not None and not kwargs.get("data") and not args:
            kwargs.setdefault("initial", {"status": task.status, "progress": task.progress, "version": task.version})
        super().__init__(*args, **kwargs)
        self.task = task
        for name in ("status", "progress", "note", "output_ref"):
            self.fields[name].widget.attrs["class"] = "form-select" if name == "status" else "form-control"
        # On hold and cancelled come from an approved request; the current
        # status stays selectable so a task on hold can be kept there.
        current = task.status if task is not None else None
        self.fields["status"].choices = [
            (value, label)
            for value, label in Status.choices
            if value not in (Status.ON_HOLD, Status.CANCELLED) or value == current
        ]

    def clean(self):
        """The service's rules checked here too, so a refused update names every problem at once (a field
        error would otherwise stop the form before the service speaks). The service checks them again."""
        cleaned = super().clean()
        status, progress = cleaned.get("status"), cleaned.get("progress")
        try:
            validate_update_fields(
                status=status or Status.IN_PROGRESS, progress=progress or 0, note=cleaned.get("note")
            )
        except ValidationError as refusal:
            for name, messages in refusal.message_dict.items():
                if name in self.fields and name not in self.errors:
                    if name == "progress" and progress is None:
                        continue
                    for message in messages:
                        self.add_error(name, message)
        return cleaned

    def flag_errors(self) -> "ProgressUpdateForm":
        """Mark fields with errors (including those the service added) for Bootstrap."""
        for name in self.errors:
            if name in self.fields and name != "version":
                self.fields[name].widget.attrs["class"] += " is-invalid"
                self.fields[name].widget.attrs["aria-invalid"] = "true"
        return self


DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.HiddenInput):
            continue
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        if isinstance(field.widget, forms.RadioSelect):
            css = "form-check-input"
        field.widget.attrs.setdefault("class", css)


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def flag_errors(self):
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"
                self.fields[name].widget.attrs["aria-invalid"] = "true"
        return self


class ContributionForm(StyledForm):
    """A coordinating unit's contribution; files come as `file` (several allowed)."""

    note = forms.CharField(
        label=_("Contribution"),
        max_length=NOTE_MAX_LENGTH,
        error_messages={"required": _("Write what your unit contributed.")},
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
    )


class TaskRequestForm(StyledForm):
    kind = forms.ChoiceField(label=_("Request"), choices=RequestKind.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=NOTE_MAX_LENGTH,
        error_messages={"required": _("Give the reason for the request.")},
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
    )
    proposed_due_date = forms.DateField(
        label=_("Proposed due date"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD or dd/mm/yyyy.")},
    )


class RequestDecisionForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    due_date = forms.DateField(
        label=_("New due date"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD or dd/mm/yyyy.")},
        help_text=_("Leave empty to approve the proposed date."),
    )
    document_ref = forms.CharField(
        label=_("Approving document"),
        required=False,
        max_length=255,
        help_text=_("e.g. Công văn số 123/TĐC-VP ngày 15/06/2020"),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": NOTE_MAX_LENGTH}),
    )


class CompletionReviewForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("confirm", _("Confirm the completion")), ("return", _("Return it"))]
    )
    comment = forms.CharField(
        label=_("Comment (required to return)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": NOTE_MAX_LENGTH}),
    )


class RequestFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *RequestState.choices])
    kind = forms.ChoiceField(label=_("Request"), required=False, choices=[("", _("All kinds")), *RequestKind.choices])
    unit = forms.CharField(label=_("Unit"), required=False, max_length=32)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def clean_unit(self):
        from units.models import Unit

        code = (self.cleaned_data.get("unit") or "").strip().upper()
        if not code:
            return None
        unit = Unit.objects.filter(code=code).first() if code.isprintable() and "\x00" not in code else None
        if unit is None:
            raise forms.ValidationError(_("Unknown unit code: %(value)s."), params={"value": code})
        return unit


class NotificationPreferencesForm(StyledForm):
    """One e-mail choice per kind of event (tasks.models.NotificationKind)."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        from .models import EmailChoice, NotificationKind

        super().__init__(*args, **kwargs)
        for kind, label in NotificationKind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=EmailChoice.choices, initial=current[kind], widget=forms.RadioSelect
            )
        _style(self)


class CommentForm(StyledForm):
    """A comment. Neither required nor length-checked here: tasks.comments answers
    with its own messages (the length it got and the most it takes)."""

    body = forms.CharField(
        label=pgettext_lazy("task comment", "Comment"),
        required=False,
        strip=True,
        widget=forms.Textarea(
            attrs={"rows": 3, "maxlength": COMMENT_MAX_LENGTH, "data-mention-input": "", "autocomplete": "off"}
        ),
        help_text=_("Plain text; links become clickable. Type @ and a name to mention a colleague."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class UrgingForm(StyledForm):
    note = forms.CharField(
        label=_("Urging note"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": COMMENT_MAX_LENGTH}),
    )
