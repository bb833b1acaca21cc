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
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from units.selectors import user_is_leadership, user_unit_ids

from . import comments, exports, selectors, services
from .filters import TaskFilter
from .forms import (
    CommentForm,
    CompletionReviewForm,
    ContributionForm,
    ProgressUpdateForm,
    RequestDecisionForm,
    RequestFilterForm,
    TaskRequestForm,
    UrgingForm,
)
from .models import Attachment, Task, TaskCoordination, TaskRequest
from .notifications import task_user_follows
from .selectors import (
    attachment_get_for_download,
    comment_user_can_change,
    local_today,
    request_list_visible_to,
    task_annotate_as_of,
    task_attachments,
    task_completion_awaiting,
    task_due_date_changes,
    task_field_history,
    task_get_detail,
    task_latest_update,
    task_list_base,
    task_pending_requests,
    task_subtask_rollup,
    task_user_can_read,
    task_user_can_read_attachments,
    task_user_can_record_progress,
    task_user_contributing_units,
    user_can_decide,
)
from .services import TaskVersionConflict, task_record_progress
from .timeline import task_timeline_page

PAGE_SIZE = 50


def _my_tasks(qs, *, user):
    unit_ids = user_unit_ids(user)
    return qs.filter(
        Q(lead_unit_id__in=unit_ids) | Q(pk__in=TaskCoordination.objects.filter(unit_id__in=unit_ids).values("task"))
    )


def _render_list(request, *, queryset, mine: bool):
    filterset = TaskFilter(request.GET, queryset=queryset, request=request)
    page_obj, rows = _page_rows(filterset.qs, request.GET.get("page"))
    query = filterset.active_query_without_page()
    context = {
        "filter": filterset,
        "page_obj": page_obj,
        "tasks": rows,
        "mine": mine,
        "query_without_page": query,
        "export_query": "&".join(part for part in (query, "mine=1" if mine else "") if part),
        "inline_updates": filterset.as_of_is_today,
        "can_decide": user_can_decide(request.user),
    } | filter_form_context(request, filterset)
    return render(request, "tasks/task_list.html", context)


def filter_form_context(request, filterset: TaskFilter) -> dict:
    """What templates/tasks/partials/filter_form.html needs besides the filter (the list, the timeline)."""
    return {
        "flag_filters": [(name, filterset.form.fields[name].label) for name in TaskFilter.FLAG_PARAMS],
        "flags_on": [name for name in TaskFilter.FLAG_PARAMS if request.GET.get(name) == "1"],
        "hidden_params": TaskFilter.HIDDEN_PARAMS,
    }


def _page_rows(qs, page: str | None):
    """One page of the list as a deferred join: the page's ids first (sorted and
    skipped on the indexes, without computing a row's annotations), then only
    those rows in full. Page 90 then costs about what page 1 does."""
    page_obj = Paginator(qs.values_list("pk", flat=True), PAGE_SIZE).get_page(page)
    ids = list(page_obj.object_list)
    by_id = {task.pk: task for task in qs.filter(pk__in=ids).order_by()}
    return page_obj, [by_id[pk] for pk in ids]


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


def _get_task_row(pk: int) -> Task:
    try:
        return Task.objects.select_related("lead_unit", "plan").get(pk=pk)
    except Task.DoesNotExist:
        raise Http404(_("No such task.")) from None


def _render_detail(request, task: Task, *, form=None, conflict=None, status=200, **forms):
    """The detail page, with the action each person may take: the lead unit
    records progress and sends requests; coordinating units contribute;
    deciders confirm completions and decide requests."""
    user = request.user
    can_update = task_user_can_record_progress(user=user, task=task)
    contributing_units = task_user_contributing_units(user=user, task=task)
    can_decide = user_can_decide(user)
    timeline = task_timeline_page(task=task, before=request.GET.get("before"), user=user)
    pending = task_pending_requests(task=task)
    can_read_files = task_user_can_read_attachments(user=user, task=task)
    context = {
        "task": task,
        "coordinations": task.coordinations.all(),
        "subtasks": task.subtasks.all(),
        "rollup": task_subtask_rollup(task=task),
        "events": timeline.events,
        "next_before": timeline.next_cursor,
        "timeline_is_first_page": timeline.first,
        "field_history": task_field_history(task=task),
        "due_date_changes": task_due_date_changes(task=task),
        "pending_requests": pending,
        "awaiting": task_completion_awaiting(task=task),
        "attachments": task_attachments(task=task) if can_read_files else None,
        "can_read_files": can_read_files,
        "can_update": can_update,
        "can_decide": can_decide,
        "contributing_units": contributing_units,
        "user_unit_ids": user_unit_ids(user),
        "form": (form or ProgressUpdateForm(task=task)) if can_update else None,
        "request_form": forms.get("request_form") or (TaskRequestForm() if can_update else None),
        "contribution_form": forms.get("contribution_form") or (ContributionForm() if contributing_units else None),
        "review_form": forms.get("review_form") or (CompletionReviewForm() if can_decide else None),
        "decision_form": forms.get("decision_form") or (RequestDecisionForm() if can_decide else None),
        "decision_request_id": forms.get("decision_request_id"),
        "attachment_errors": forms.get("attachment_errors"),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "comment_edit_form": forms.get("comment_edit_form"),
        "comment_edit_id": forms.get("comment_edit_id"),
        "urging_form": forms.get("urging_form") or (UrgingForm() if can_decide else None),
        "conflict": conflict,
        "follows": task_user_follows(user=user, task=task),
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
    context["can_decide"] = user_can_decide(request.user)
    return render(request, "tasks/partials/task_row.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def task_update_create(request, pk: int):
    """POST records an update. With htmx (the list's inline form) it answers
    the row partial; without, it redirects to the detail page (PRG) or
    re-renders it with the errors (422) or the conflict (409).
    GET (htmx only) gives the row with the inline form opened or closed.
    The task is read plainly (its row is enough to check and record); the
    detail page's reads happen only when it is rendered again."""
    task = _get_task_row(pk)
    if not task_user_can_record_progress(user=request.user, task=task):
        raise PermissionDenied(_("Only staff of the lead unit can update this task."))
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
                output_ref=data["output_ref"],
                files=request.FILES.getlist("file"),
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
    return _render_detail(request, _get_task(pk), form=form, conflict=conflict, status=status)


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


# --- the accountable process ---------------------------------------------------


def _apply_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _back_to(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return fallback


def _detail_url(task: Task, anchor: str = "") -> str:
    return reverse("tasks:detail", args=[task.pk]) + (f"#{anchor}" if anchor else "")


@login_required
@require_POST
def contribution_create(request, pk: int):
    task = _get_task(pk)
    if not task_user_contributing_units(user=request.user, task=task):
        raise PermissionDenied(_("Only staff of a coordinating unit can post a contribution to this task."))
    form = ContributionForm(request.POST)
    if form.is_valid():
        try:
            services.contribution_create(
                task=task, author=request.user, note=form.cleaned_data["note"], files=request.FILES.getlist("file")
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Contribution posted."))
            return redirect(_detail_url(task, "timeline"))
    return _render_detail(request, task, contribution_form=form.flag_errors(), status=422)


@login_required
@require_POST
def attachment_create(request, pk: int):
    task = _get_task(pk)
    if not (
        task_user_can_record_progress(user=request.user, task=task)
        or task_user_contributing_units(user=request.user, task=task)
    ):
        raise PermissionDenied(_("Only staff of the lead or a coordinating unit can attach files to this task."))
    files = request.FILES.getlist("file")
    errors = []
    if not files:
        errors.append(_("Choose a file."))
    try:
        with transaction.atomic():
            for file in files:
                services.attachment_create(task=task, uploaded_by=request.user, file=file)
    except ValidationError as exc:
        errors += [message for messages_ in exc.message_dict.values() for message in messages_]
    if errors:
        return _render_detail(request, task, attachment_errors=errors, status=422)
    messages.success(request, _("File attached."))
    return redirect(_detail_url(task, "attachments"))


@login_required
@require_GET
def attachment_download(request, pk: int):
    """Files are never served from MEDIA_URL: every download checks who may read the task."""
    try:
        attachment = attachment_get_for_download(pk=pk, user=request.user)
    except Attachment.DoesNotExist:
        raise Http404(_("No such file.")) from None
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def completion_confirm(request, pk: int):
    task = _get_task(pk)
    if not user_can_decide(request.user):
        raise PermissionDenied(_("Only a person allowed to decide requests can confirm or return a completion."))
    form = CompletionReviewForm(request.POST)
    if form.is_valid():
        try:
            review = services.completion_review(
                task=task,
                reviewer=request.user,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
            )
        except services.DecisionConflict:
            messages.warning(request, _("Someone else already decided on this completion; here is the task as it is."))
            return _render_detail(request, _get_task(pk), status=409)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            done = _("Completion confirmed.") if review.decision == "confirm" else _("Completion returned.")
            messages.success(request, done)
            return redirect(_back_to(request, _detail_url(task)))
    return _render_detail(request, task, review_form=form.flag_errors(), status=422)


@login_required
@require_POST
def request_create(request, pk: int):
    task = _get_task(pk)
    if not task_user_can_record_progress(user=request.user, task=task):
        raise PermissionDenied(_("Only staff of the lead unit can send a request for this task."))
    form = TaskRequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_create(
                task=task,
                requester=request.user,
                kind=data["kind"],
                reason=data["reason"],
                proposed_due_date=data["proposed_due_date"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Request sent to Leadership."))
            return redirect(_detail_url(task, "requests"))
    return _render_detail(request, task, request_form=form.flag_errors(), status=422)


def _get_request(pk: int) -> TaskRequest:
    try:
        return TaskRequest.objects.select_related("task").get(pk=pk)
    except TaskRequest.DoesNotExist:
        raise Http404(_("No such request.")) from None


@login_required
@require_POST
def request_decide(request, pk: int):
    task_request = _get_request(pk)
    if not user_can_decide(request.user):
        raise PermissionDenied(_("Only a person allowed to decide requests can decide this request."))
    form = RequestDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_decide(
                task_request=task_request,
                decider=request.user,
                decision=data["decision"],
                due_date=data["due_date"],
                document_ref=data["document_ref"],
                comment=data["comment"],
            )
        except services.DecisionConflict:
            messages.warning(request, _("Someone else already decided on this request; here is the task as it is."))
            return _render_detail(request, _get_task(task_request.task_id), status=409)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            label = _("Request approved.") if data["decision"] == "approve" else _("Request rejected.")
            messages.success(request, label)
            return redirect(_back_to(request, reverse("tasks:requests")))
    return _render_detail(
        request,
        _get_task(task_request.task_id),
        decision_form=form.flag_errors(),
        decision_request_id=task_request.pk,
        status=422,
    )


@login_required
@require_POST
def request_withdraw(request, pk: int):
    task_request = _get_request(pk)
    try:
        services.request_withdraw(task_request=task_request, user=request.user)
    except services.DecisionConflict:
        messages.warning(request, _("The request was already decided or withdrawn."))
        return _render_detail(request, _get_task(task_request.task_id), status=409)
    messages.success(request, _("Request withdrawn."))
    return redirect(_detail_url(task_request.task, "requests"))


@login_required
@require_GET
def request_list(request):
    """The request queue: deciders see every request, pending first; unit
    members see their units' requests; anyone else is refused."""
    filters = RequestFilterForm(request.GET)
    data = filters.cleaned_data if filters.is_valid() else {}
    rows = request_list_visible_to(
        user=request.user, state=data.get("state", ""), kind=data.get("kind", ""), unit=data.get("unit")
    )
    if rows is None:
        raise PermissionDenied(_("Only unit members and deciders see requests."))
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page_obj": page_obj,
        "rows": page_obj.object_list,
        "can_decide": user_can_decide(request.user),
        "decision_form": RequestDecisionForm(),
        "today": local_today(),
        "user_unit_ids": user_unit_ids(request.user),
        "query_without_page": _query_without_page(request),
    }
    return render(request, "tasks/request_list.html", context)


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- talking about tasks (issue 12): comments, mentions, urging -------------------


def _get_comment(pk: int):
    from .models import Comment

    try:
        return Comment.objects.select_related("task").get(pk=pk)
    except Comment.DoesNotExist:
        raise Http404(_("No such comment.")) from None


@login_required
@require_POST
def comment_create(request, pk: int):
    """Anyone who may read the task comments on it (PRG; 422 with the errors)."""
    task = _get_task(pk)
    if not task_user_can_read(user=request.user, task=task):
        raise PermissionDenied(_("You may not comment on this task."))
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = comments.comment_create(task=task, author=request.user, body=form.cleaned_data["body"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Comment posted."))
            return redirect(_detail_url(task, f"comment-{comment.pk}"))
    messages.error(request, _("The comment was not posted: see the error under the form."))
    return _render_detail(request, task, comment_form=form.flag_errors(), status=422)


@login_required
@require_POST
def comment_edit(request, pk: int):
    """The author within 15 minutes, later a superuser, changes the text (403 for anyone else)."""
    comment = _get_comment(pk)
    if not comment_user_can_change(user=request.user, comment=comment):
        raise PermissionDenied(_("You may not change this comment."))
    form = CommentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            comments.comment_edit(
                comment=comment, user=request.user, body=data["body"], expected_version=data["version"]
            )
        except comments.CommentVersionConflict:
            messages.warning(request, _("Someone changed this comment meanwhile; here it is as it is now."))
            return _render_detail(request, _get_task(comment.task_id), status=409)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Comment saved."))
            return redirect(_detail_url(comment.task, f"comment-{comment.pk}"))
    task = _get_task(comment.task_id)
    messages.error(request, _("The comment was not saved: see the error under the form."))
    return _render_detail(request, task, comment_edit_form=form.flag_errors(), comment_edit_id=comment.pk, status=422)


@login_required
@require_POST
def comment_delete(request, pk: int):
    """Same rule as editing; the timeline then shows "comment deleted"."""
    comment = _get_comment(pk)
    if not comment_user_can_change(user=request.user, comment=comment):
        raise PermissionDenied(_("You may not delete this comment."))
    version = request.POST.get("version", "")
    try:
        comments.comment_delete(
            comment=comment, user=request.user, expected_version=int(version) if version.isdigit() else None
        )
    except comments.CommentVersionConflict:
        messages.warning(request, _("Someone changed this comment meanwhile; here it is as it is now."))
        return _render_detail(request, _get_task(comment.task_id), status=409)
    messages.success(request, _("Comment deleted."))
    return redirect(_detail_url(comment.task, f"comment-{comment.pk}"))


@login_required
@require_GET
def mention_candidates(request, pk: int):
    """The autocomplete of people to mention: readers of the task whose name or
    user name contains `q`, accents ignored, as JSON."""
    task = _get_task(pk)
    if not task_user_can_read(user=request.user, task=task):
        raise PermissionDenied
    query = request.GET.get("q", "")[:64]
    return JsonResponse({"people": selectors.mention_candidates(task=task, query=query)})


@login_required
@require_POST
def task_urge(request, pk: int):
    """A decider's urging note on one task (403 for anyone else)."""
    task = _get_task(pk)
    if not user_can_decide(request.user):
        raise PermissionDenied(_("Only a person allowed to decide requests can send an urging note."))
    form = UrgingForm(request.POST)
    if form.is_valid():
        try:
            urgings = comments.urging_create(task=task, author=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Urging note sent to %(unit)s.") % {"unit": task.lead_unit.code})
            return redirect(_detail_url(task, f"urging-{urgings[0].pk}"))
    messages.error(request, _("The urging note was not sent: see the error under the form."))
    return _render_detail(request, task, urging_form=form.flag_errors(), status=422)
