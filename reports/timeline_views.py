from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tasks.filters import TaskFilter
from tasks.selectors import local_today, task_list_base

from .timeline import timeline_build


@login_required
@require_GET
def timeline(request):
    """Everyone signed in reads the plan's timeline, as they read the task list."""
    filterset = TaskFilter(request.GET, queryset=task_list_base(user=request.user), request=request)
    tasks = list(filterset.qs.order_by("start_date", "due_date", "code"))
    group_by = "field" if request.GET.get("group") == "field" else "unit"
    context = {"filter": filterset, "group_by": group_by, "query": filterset.active_query_without_page()}
    if filterset.plan is not None:
        context |= timeline_build(plan=filterset.plan, tasks=tasks, group_by=group_by, today=local_today())
    return render(request, "reports/timeline.html", context)
