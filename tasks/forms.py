from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Status
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
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, task=None, **kwargs):
        if task is not None and not kwargs.get("data") and not args:
            kwargs.setdefault("initial", {"status": task.status, "progress": task.progress, "version": task.version})
        super().__init__(*args, **kwargs)
        self.task = task
        for name in ("status", "progress", "note"):
            self.fields[name].widget.attrs["class"] = "form-select" if name == "status" else "form-control"

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
