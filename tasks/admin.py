"""Admin for the work plan: plans, tasks, their coordinating units and the
progress journal, plus the XLSX import/export of tasks.

Status and progress are read-only here: they change only through the
journal (`tasks.services.task_record_progress`).
"""

import base64
import hashlib
import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from units.admin import folded_search
from units.forms import KnownObjectsInlineFormSet, KnownObjectsInlineMixin, SafeAutocompleteMixin
from units.models import Unit

from .imports import (
    MAX_FILE_BYTES,
    XLSX_CONTENT_TYPE,
    ImportFileError,
    tasks_export_workbook,
    tasks_import_apply,
    tasks_import_preview,
    tasks_template_workbook,
)
from .models import (
    OPEN_STATUSES,
    Attachment,
    Comment,
    CompletionReview,
    Contribution,
    DueDateChange,
    JournalAuditEntry,
    ProgressUpdate,
    Task,
    TaskCoordination,
    TaskRequest,
    Urging,
    WorkPlan,
)
from .selectors import local_today
from .services import (
    progress_update_correct_note,
    progress_update_undo,
    task_record_coordination_change,
    task_record_progress,
    tasks_reassign_lead_unit,
)

IMPORT_SESSION_KEY = "tasks_import_file"


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Work plans ------------------------------------------------------------------


@admin.register(WorkPlan)
class WorkPlanAdmin(SimpleHistoryAdmin):
    list_display = ["year", "title", "decision_ref", "start_date", "end_date", "task_count", "open_count"]
    list_display_links = ["year", "title"]
    search_fields = ["title", "title_en", "decision_ref"]
    actions = ["export_tasks_xlsx"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                task_count=Count("tasks"),
                open_count=Count("tasks", filter=Q(tasks__status__in=OPEN_STATUSES)),
            )
            .order_by(*WorkPlan._meta.ordering)
        )

    @admin.display(description=_("tasks"), ordering="task_count")
    def task_count(self, plan) -> int:
        return plan.task_count

    @admin.display(description=_("open tasks"), ordering="open_count")
    def open_count(self, plan) -> int:
        return plan.open_count

    @admin.action(description=_("Export the tasks of the selected plans to Excel"), permissions=["view"])
    def export_tasks_xlsx(self, request, queryset):
        data = tasks_export_workbook(tasks=Task.objects.filter(plan__in=queryset))
        return xlsx_response(data, "tasks.xlsx")


# --- Tasks -------------------------------------------------------------------------


class TaskCoordinationInline(KnownObjectsInlineMixin, admin.TabularInline):
    model = TaskCoordination
    extra = 0
    autocomplete_fields = ["unit"]
    verbose_name = _("coordinating unit")
    verbose_name_plural = _("coordinating units")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit", "task")


class SubtaskFormSet(KnownObjectsInlineFormSet):
    """Sub-tasks belong to their parent's plan; codes stay unique in that plan."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.plan_id = self.instance.plan_id
        return form

    def clean(self):
        super().clean()
        if self.instance.plan_id is None:
            return
        codes = {}
        for form in self.forms:
            if not form.has_changed() or not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            code = form.cleaned_data.get("code")
            if code:
                codes[code] = form
        clashes = Task.objects.filter(plan_id=self.instance.plan_id, code__in=codes)
        for task in clashes:
            form = codes[task.code]
            if task.pk != form.instance.pk:
                form.add_error("code", _("A task with this code already exists in this plan."))


class SubtaskInline(KnownObjectsInlineMixin, admin.TabularInline):
    model = Task
    fk_name = "parent"
    formset = SubtaskFormSet
    extra = 0
    fields = ["code", "title", "field", "lead_unit", "start_date", "due_date"]
    autocomplete_fields = ["lead_unit"]
    show_change_link = True
    verbose_name = _("sub-task")
    verbose_name_plural = _("sub-tasks")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lead_unit", "plan", "parent")


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        overdue = Task.objects.overdue(on=local_today()).values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset


class ReassignLeadUnitForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("New lead unit"),
        queryset=Unit.objects.active().order_by("sort_order", "code"),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=100,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the task's history with your name."),
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        help_text=_("Use the template: one task per row; the first row holds the column names."),
    )


@admin.register(Task)
class TaskAdmin(SafeAutocompleteMixin, SimpleHistoryAdmin):
    list_display = [
        "code",
        "title_short",
        "plan",
        "field",
        "lead_unit_code",
        "status",
        "progress",
        "due_date",
        "overdue",
    ]
    list_display_links = ["code", "title_short"]
    list_select_related = ["plan", "lead_unit"]
    list_filter = [
        "plan",
        "field",
        ("lead_unit", admin.RelatedOnlyFieldListFilter),
        "status",
        OverdueFilter,
    ]
    search_fields = ["search_text"]
    search_help_text = _("Code or title, with or without Vietnamese accents.")
    autocomplete_fields = ["lead_unit", "parent"]
    readonly_fields = ["status", "progress", "completed_at", "last_update_at", "version", "created_at", "updated_at"]
    inlines = [TaskCoordinationInline, SubtaskInline]
    actions = ["reassign_lead_unit", "export_xlsx"]
    list_per_page = 100
    fieldsets = [
        (None, {"fields": ["plan", "code", "title", "title_en", "description", "field"]}),
        (_("Units"), {"fields": ["lead_unit", "parent"]}),
        (
            _("Content"),
            {"fields": ["legal_basis", "expected_output", "expected_output_en", "source_quote"]},
        ),
        (_("Deadline"), {"fields": ["start_date", "due_date"]}),
        (
            _("Progress"),
            {
                "fields": ["status", "progress", "completed_at", "last_update_at", "version"],
                "description": _(
                    "Status and progress change only through progress updates (the journal), posted by the"
                    " lead or coordinating units; they cannot be edited here."
                ),
            },
        ),
    ]

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return folded_search(queryset, search_term), False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("plan", "lead_unit", "parent")

    @admin.display(description=_("title"), ordering="title")
    def title_short(self, task) -> str:
        return Truncator(task.title).chars(90)

    @admin.display(description=_("lead unit"), ordering="lead_unit__code")
    def lead_unit_code(self, task) -> str:
        return task.lead_unit.code

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, task) -> bool:
        return task.status in OPEN_STATUSES and task.due_date < local_today()

    def save_model(self, request, obj, form, change):
        # Only the plan fields are saved: the admin form never carries status
        # or progress, and the journal may have moved them meanwhile.
        if change:
            obj._change_reason = _("Edited in the admin")
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # The coordinating units (an inline) are saved after the task: their
        # change joins the history entry save_model just wrote.
        super().save_related(request, form, formsets, change)
        task_record_coordination_change(task=form.instance, user=request.user, amend_latest=True)

    # --- Actions -------------------------------------------------------------

    @admin.action(description=_("Reassign lead unit"), permissions=["change"])
    def reassign_lead_unit(self, request, queryset):
        if "apply" in request.POST:
            form = ReassignLeadUnitForm(request.POST)
            if form.is_valid():
                try:
                    count = tasks_reassign_lead_unit(
                        tasks=queryset,
                        unit=form.cleaned_data["unit"],
                        reason=form.cleaned_data["reason"],
                        user=request.user,
                    )
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
                    return None
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d task now led by %(unit)s.",
                        "%(count)d tasks now led by %(unit)s.",
                        count,
                    )
                    % {"count": count, "unit": form.cleaned_data["unit"].code},
                    messages.SUCCESS,
                )
                return None
        else:
            form = ReassignLeadUnitForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Reassign lead unit"),
            "form": form,
            "tasks": queryset.select_related("lead_unit")[:200],
            "task_count": queryset.count(),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action": "reassign_lead_unit",
        }
        return TemplateResponse(request, "admin/tasks/task/reassign_lead_unit.html", context)

    @admin.action(description=_("Export selected tasks to Excel"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        return xlsx_response(tasks_export_workbook(tasks=queryset), "tasks.xlsx")

    # --- Import / export views ------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="{}_{}_import".format(*info)),
            path("import/template/", view(self.import_template_view), name="{}_{}_import_template".format(*info)),
            path("export/", view(self.export_view), name="{}_{}_export".format(*info)),
            *super().get_urls(),
        ]

    def _check_import_permission(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied

    def import_template_view(self, request):
        self._check_import_permission(request)
        return xlsx_response(tasks_template_workbook(), "tasks-template.xlsx")

    def export_view(self, request):
        """The task list as filtered on the change list, in the import format."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        return xlsx_response(tasks_export_workbook(tasks=changelist.get_queryset(request)), "tasks.xlsx")

    def import_view(self, request):
        self._check_import_permission(request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import tasks from Excel"),
            "has_view_permission": True,
        }
        if request.method == "POST" and "confirm" in request.POST:
            return self._import_confirm(request)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            # One byte over the limit is enough for the import to refuse the file.
            data = form.cleaned_data["file"].read(MAX_FILE_BYTES + 1)
            try:
                preview = tasks_import_preview(file=io.BytesIO(data), user=request.user)
            except ImportFileError as error:
                form.add_error("file", error)
            else:
                context["preview"] = preview
                if preview.is_clean and preview.has_changes:
                    # Kept server-side until confirmed; the confirmation checks
                    # it is still the file that was previewed.
                    token = hashlib.sha256(data).hexdigest()
                    request.session[IMPORT_SESSION_KEY] = {
                        "token": token,
                        "data": base64.b64encode(data).decode("ascii"),
                    }
                    context["token"] = token
        context["form"] = form
        return TemplateResponse(request, "admin/tasks/task/import.html", context)

    def _import_confirm(self, request):
        stored = request.session.get(IMPORT_SESSION_KEY)
        if not stored or stored["token"] != request.POST.get("token"):
            self.message_user(request, _("The preview has expired; upload the file again."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:tasks_task_import"))
        try:
            preview = tasks_import_apply(file=io.BytesIO(base64.b64decode(stored["data"])), user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:tasks_task_import"))
        del request.session[IMPORT_SESSION_KEY]
        counts = preview.counts
        self.message_user(
            request,
            _("Import done: %(create)d new, %(update)d changed, %(unchanged)d unchanged tasks.") % counts,
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:tasks_task_changelist"))


@admin.register(TaskCoordination)
class TaskCoordinationAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ["task", "unit"]
    list_select_related = ["task", "unit"]
    list_filter = [("unit", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["task__code", "unit__code"]
    autocomplete_fields = ["task", "unit"]

    # Every change lands in the task's audit history (who, when, the units before and after).
    def save_model(self, request, obj, form, change):
        previous_task = TaskCoordination.objects.get(pk=obj.pk).task if change else None
        super().save_model(request, obj, form, change)
        for task in {obj.task, previous_task} - {None}:
            task_record_coordination_change(task=task, user=request.user, reason=_("Edited in the admin"))

    def delete_model(self, request, obj):
        task = obj.task
        super().delete_model(request, obj)
        task_record_coordination_change(task=task, user=request.user, reason=_("Edited in the admin"))

    def delete_queryset(self, request, queryset):
        tasks = list(Task.objects.filter(pk__in=queryset.values("task")))
        super().delete_queryset(request, queryset)
        for task in tasks:
            task_record_coordination_change(task=task, user=request.user, reason=_("Edited in the admin"))


# --- Progress journal ----------------------------------------------------------------


class ProgressUpdateAddForm(forms.ModelForm):
    """A superuser's entry goes through the journal service like anyone's,
    so the task moves with it and every rule applies."""

    class Meta:
        model = ProgressUpdate
        fields = ["task", "status", "progress", "note", "recorded_at"]

    recorded_at = forms.SplitDateTimeField(
        label=_("recorded at"),
        required=False,
        widget=admin.widgets.AdminSplitDateTime,
        help_text=_("Leave empty for now."),
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.request is None:
            return cleaned
        try:
            # The admin's add view runs in a transaction: if anything later
            # fails, this entry is rolled back with it.
            self.instance = task_record_progress(
                task=cleaned["task"],
                author=self.request.user,
                status=cleaned["status"],
                progress=cleaned["progress"],
                note=cleaned["note"],
                recorded_at=cleaned.get("recorded_at") or None,
                check_permission=False,
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned

    def _post_clean(self):
        # The service validated and saved the entry; nothing to construct.
        pass


class _DeleteRefused(Exception):
    """A journal entry could not be deleted; the message is already shown."""


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    """The journal: readable by admins, written only through the service."""

    list_display = ["task_code", "recorded_at", "author", "status", "progress", "previous_state", "note_short"]
    list_display_links = ["task_code", "recorded_at"]
    list_select_related = ["task", "author"]
    list_filter = ["status", "task__plan"]
    search_fields = ["task__code", "author__username", "note"]
    autocomplete_fields = ["task"]
    show_full_result_count = False  # no second COUNT(*) over a quarter of a million rows

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("task", "author")

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Even a superuser only corrects the wording of a note: the task's
        # state equals its latest entry and must stay so.
        return [
            "task",
            "author",
            "recorded_at",
            "created_at",
            "status",
            "progress",
            "previous_status",
            "previous_progress",
        ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["task", "status", "progress", "note", "recorded_at"]
        return self.get_readonly_fields(request, obj) + ["note"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ProgressUpdateAddForm
            form_class = super().get_form(request, obj, change, **kwargs)

            class RequestForm(form_class):
                def __init__(self, *args, **inner):
                    super().__init__(*args, request=request, **inner)

            return RequestForm
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            return  # already recorded by tasks.services.task_record_progress in the form
        # Only the note is editable; the service keeps the old and the new text.
        progress_update_correct_note(update=obj, note=form.cleaned_data["note"], user=request.user)

    def delete_model(self, request, obj):
        # Through the service, so the task steps back to the state the entry replaced
        # and the journal audit keeps what the entry held.
        try:
            progress_update_undo(update=obj, user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            raise _DeleteRefused from error

    def delete_queryset(self, request, queryset):
        # Newest first: each deletion makes the next one the latest of its task.
        # All or nothing: a refusal leaves every selected entry in place.
        with transaction.atomic():
            for update in queryset.order_by("-recorded_at", "-id"):
                self.delete_model(request, update)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except _DeleteRefused:
            return HttpResponseRedirect(reverse("admin:tasks_progressupdate_change", args=[object_id]))

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except _DeleteRefused:
            return HttpResponseRedirect(request.get_full_path())

    @admin.display(description=_("task"), ordering="task__code")
    def task_code(self, update) -> str:
        return update.task.code

    @admin.display(description=_("before"))
    def previous_state(self, update) -> str:
        return format_html("{} · {}%", update.get_previous_status_display(), update.previous_progress)

    @admin.display(description=_("note"))
    def note_short(self, update) -> str:
        return Truncator(update.note).chars(80)


@admin.register(JournalAuditEntry)
class JournalAuditEntryAdmin(admin.ModelAdmin):
    """Read-only: corrections and deletions of journal entries, as they happened."""

    list_display = ["at", "task_code", "update_id", "action", "actor_username", "old_note_short", "new_note_short"]
    list_filter = ["action"]
    search_fields = ["task_code", "actor_username", "old_note", "new_note"]
    readonly_fields = [
        "action",
        "task",
        "task_code",
        "update_id",
        "actor",
        "actor_username",
        "at",
        "old_note",
        "new_note",
        "entry",
    ]
    list_select_related = ["task", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("old note"))
    def old_note_short(self, entry) -> str:
        return Truncator(entry.old_note).chars(80)

    @admin.display(description=_("new note"))
    def new_note_short(self, entry) -> str:
        return Truncator(entry.new_note).chars(80)


# --- the accountable process (issue 11): read-only in the admin ---------------
# Requests, decisions, reviews, contributions and attachments change only
# through tasks.services (the portal's pages), never by editing rows here.


class ReadOnlyProcessAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TaskRequest)
class TaskRequestAdmin(ReadOnlyProcessAdmin):
    list_display = ["task", "kind", "state", "unit", "requested_by", "requested_at", "decided_by", "decided_at"]
    list_filter = ["state", "kind", "is_late"]
    list_select_related = ["task", "unit", "requested_by", "decided_by"]
    search_fields = ["task__code", "reason", "document_ref"]
    date_hierarchy = "requested_at"


@admin.register(DueDateChange)
class DueDateChangeAdmin(ReadOnlyProcessAdmin):
    list_display = ["task", "old_due_date", "new_due_date", "effective_at", "decided_by", "document_ref", "is_late"]
    list_filter = ["is_late"]
    list_select_related = ["task", "decided_by"]
    search_fields = ["task__code", "document_ref"]


@admin.register(CompletionReview)
class CompletionReviewAdmin(ReadOnlyProcessAdmin):
    list_display = ["task", "decision", "reviewer", "decided_at"]
    list_filter = ["decision"]
    list_select_related = ["task", "reviewer"]
    search_fields = ["task__code", "comment"]


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyProcessAdmin):
    list_display = ["task", "unit", "author", "created_at"]
    list_select_related = ["task", "unit", "author"]
    search_fields = ["task__code", "note"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyProcessAdmin):
    # No file link here: downloads go through tasks:attachment-download, which checks who may read.
    list_display = ["original_name", "task", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["task", "uploaded_by"]
    search_fields = ["task__code", "original_name"]
    exclude = ["file"]


# --- talk about tasks (issue 12): read-only; written through tasks.comments ------


@admin.register(Comment)
class CommentAdmin(ReadOnlyProcessAdmin):
    """Superusers read a comment with every earlier text (its audit history);
    edits and deletions happen on the task page, within the rules."""

    list_display = ["task", "author", "created_at", "edited_at", "deleted_at"]
    list_select_related = ["task", "author"]
    search_fields = ["task__code", "body", "author__username"]
    readonly_fields = ["versions"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("Earlier texts"))
    def versions(self, obj):
        rows = obj.history.select_related("history_user").order_by("history_date", "history_id")
        return format_html_join(
            "",
            "<div><strong>{}</strong> · {} · {}<br>{}</div>",
            (
                (
                    formats.date_format(timezone.localtime(row.history_date), "SHORT_DATETIME_FORMAT"),
                    row.history_user or "—",
                    row.history_change_reason or row.get_history_type_display(),
                    row.body or "—",
                )
                for row in rows
            ),
        )


@admin.register(Urging)
class UrgingAdmin(ReadOnlyProcessAdmin):
    list_display = ["task", "unit", "author", "created_at", "batch"]
    list_filter = ["unit"]
    list_select_related = ["task", "unit", "author"]
    search_fields = ["task__code", "note"]
    date_hierarchy = "created_at"
