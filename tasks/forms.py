from django import forms
from django.utils.translation import gettext_lazy as _

from .models import STATUSES_NEEDING_REASON, Status
from .services import NOTE_MAX_LENGTH


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
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        error_messages={"required": _("Write a note on what was done.")},
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
        """The rules that tie fields together, checked here too so that a refused update names every
        problem at once (the service checks them again: it is the authority)."""
        cleaned = super().clean()
        status, progress, note = cleaned.get("status"), cleaned.get("progress"), cleaned.get("note")
        if status == Status.COMPLETED and progress is not None and progress != 100:
            self.add_error("progress", _("A completed task has progress 100%."))
        if status in STATUSES_NEEDING_REASON and not note and "note" in self.errors:
            self.errors["note"] = self.error_class([_("Say why the task is on hold or cancelled.")])
        return cleaned

    def flag_errors(self) -> "ProgressUpdateForm":
        """Mark fields with errors (including those the service added) for Bootstrap."""
        for name in self.errors:
            if name in self.fields and name != "version":
                self.fields[name].widget.attrs["class"] += " is-invalid"
                self.fields[name].widget.attrs["aria-invalid"] = "true"
        return self
