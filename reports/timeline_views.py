from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tasks.filters import TaskFilter
from tasks.selectors import task_list_base
from tasks.views import filter_form_context

from .timeline import timeline_annotate, timeline_build


@login_required
@require_GET
def timeline(request):
    """Everyone signed in reads the plan's timeline, as they read the task list (one query for the bars)."""
    filterset = TaskFilter(request.GET, queryset=task_list_base(user=request.user), request=request)
    tasks = list(timeline_annotate(filterset.qs).order_by("start_date", "due_date", "code"))
    group_by = "field" if request.GET.get("group") == "field" else "unit"
    params = filterset.data.copy()
    params.pop("group", None)
    params.pop("page", None)
    context = {"filter": filterset, "group_by": group_by, "query": params.urlencode(), "task_count": len(tasks)}
    context |= filter_form_context(request, filterset)
    if filterset.plan is not None:
        context |= timeline_build(plan=filterset.plan, tasks=tasks, group_by=group_by, today=filterset.as_of)
    return render(request, "reports/timeline.html", context)
