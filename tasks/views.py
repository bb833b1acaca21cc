"""Staff pages: the task list, my tasks, the task detail and progress updates.

Reads go through tasks.selectors and tasks.filters, the one write through
tasks.services.task_record_progress. Every view checks permission on the
object: everyone signed in reads; only members of the lead or a coordinating
unit see and post the update form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from units.selectors import user_is_leadership, user_unit_ids

from . import exports
from .filters import TaskFilter
from .forms import ProgressUpdateForm
from .models import Task, TaskCoordination
from .selectors import (
    task_annotate_as_of,
    task_field_history,
    task_get_detail,
    task_latest_update,
    task_list_base,
    task_subtask_rollup,
    task_timeline_page,
    task_user_can_record_progress,
)
from .services import TaskVersionConflict, task_record_progress

PAGE_SIZE = 50


def _my_tasks(qs, *, user):
    unit_ids = user_unit_ids(user)
    return qs.filter(
        Q(lead_unit_id__in=unit_ids) | Q(pk__in=TaskCoordination.objects.filter(unit_id__in=unit_ids).values("task"))
    )


def _render_list(request, *, queryset, mine: bool):
    filterset = TaskFilter(request.GET, queryset=queryset, request=request)
    page_obj = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = filterset.active_query_without_page()
    context = {
        "filter": filterset,
        "page_obj": page_obj,
        "tasks": page_obj.object_list,
        "mine": mine,
        "query_without_page": query,
        "export_query": "&".join(part for part in (query, "mine=1" if mine else "") if part),
        "inline_updates": filterset.as_of_is_today,
        "flag_filters": [(name, filterset.form.fields[name].label) for name in TaskFilter.FLAG_PARAMS],
        "flags_on": [name for name in TaskFilter.FLAG_PARAMS if request.GET.get(name) == "1"],
        "hidden_params": TaskFilter.HIDDEN_PARAMS,
    }
    return render(request, "tasks/task_list.html", context)


@login_required
@require_GET
def task_list(request):
    return _render_list(request, queryset=task_list_base(user=request.user), mine=False)


@login_required
@require_GET
def my_tasks(request):
    if not user_unit_ids(request.user):
        if user_is_leadership(request.user):
            return redirect("reports:dashboard")
        messages.info(request, _("You are not a member of any unit yet: here are all the tasks."))
        return redirect("tasks:list")
    return _render_list(request, queryset=_my_tasks(task_list_base(user=request.user), user=request.user), mine=True)


def _get_task(pk: int) -> Task:
    try:
        return task_get_detail(pk=pk)
    except Task.DoesNotExist:
        raise Http404(_("No such task.")) from None


def _before_param(request) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


def _render_detail(request, task: Task, *, form=None, conflict=None, status=200):
    can_update = task_user_can_record_progress(user=request.user, task=task)
    updates, next_before = task_timeline_page(task=task, before=_before_param(request))
    context = {
        "task": task,
        "coordinations": task.coordinations.all(),
        "subtasks": task.subtasks.all(),
        "rollup": task_subtask_rollup(task=task),
        "updates": updates,
        "next_before": next_before,
        "timeline_is_first_page": _before_param(request) is None,
        "field_history": task_field_history(task=task),
        "can_update": can_update,
        "form": (form or ProgressUpdateForm(task=task)) if can_update else None,
        "conflict": conflict,
    }
    return render(request, "tasks/task_detail.html", context, status=status)


@login_required
@require_GET
def task_detail(request, pk: int):
    return _render_detail(request, _get_task(pk))


def _row_task(request, pk: int) -> Task:
    """The task as a list row shows it (current state, can_update)."""
    return task_annotate_as_of(task_list_base(user=request.user).filter(pk=pk)).get()


def _render_row(request, pk: int, *, form=None, conflict=None, saved=False, status=200):
    context = {"task": _row_task(request, pk), "form": form, "conflict": conflict, "saved": saved}
    context["inline_updates"] = True
    return render(request, "tasks/partials/task_row.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def task_update_create(request, pk: int):
    """POST records an update. With htmx (the list's inline form) it answers
    the row partial; without, it redirects to the detail page (PRG) or
    re-renders it with the errors (422) or the conflict (409).
    GET (htmx only) gives the row with the inline form opened or closed."""
    task = _get_task(pk)
    if not task_user_can_record_progress(user=request.user, task=task):
        raise PermissionDenied(_("Only staff of the lead or a coordinating unit can update this task."))
    if request.method == "GET":
        if not request.htmx:
            return redirect(reverse("tasks:detail", args=[task.pk]) + "#update")
        opened = request.GET.get("close") is None
        return _render_row(request, task.pk, form=ProgressUpdateForm(task=task) if opened else None)

    form = ProgressUpdateForm(request.POST, task=task)
    conflict = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            task_record_progress(
                task=task,
                author=request.user,
                status=data["status"],
                progress=data["progress"],
                note=data["note"],
                expected_version=data["version"],
            )
        except TaskVersionConflict as exc:
            conflict = {"task": exc.task, "update": task_latest_update(task=exc.task)}
            # Keep what the person typed; only the version moves, so that a
            # second submit, after reading the other update, goes through.
            fresh = request.POST.copy()
            fresh["version"] = str(exc.task.version)
            form = ProgressUpdateForm(fresh, task=exc.task)
            form.is_valid()
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(None if field not in form.fields else field, errors)
        else:
            if request.htmx:
                return _render_row(request, task.pk, saved=True)
            messages.success(request, _("Progress update saved."))
            return redirect("tasks:detail", pk=task.pk)
    status = 409 if conflict else 422
    form.flag_errors()
    if request.htmx:
        return _render_row(request, task.pk, form=form, conflict=conflict, status=status)
    if conflict:
        task = _get_task(pk)
    return _render_detail(request, task, form=form, conflict=conflict, status=status)


def _export_rows(request, *, queryset):
    if request.GET.get("mine") == "1":
        queryset = _my_tasks(queryset, user=request.user)
    filterset = TaskFilter(request.GET, queryset=queryset.prefetch_related("coordinations__unit"), request=request)
    return filterset, filterset.qs


@login_required
@require_GET
def task_export_xlsx(request):
    filterset, rows = _export_rows(request, queryset=task_list_base(user=request.user))
    return exports.xlsx_response(rows, filterset=filterset)


@login_required
@require_GET
def task_export_csv(request):
    filterset, rows = _export_rows(request, queryset=task_list_base(user=request.user))
    return exports.csv_response(rows, filterset=filterset)
