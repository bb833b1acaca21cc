"""The leadership dashboard (/dashboard/) and its JSON (/dashboard/data.json).
The same page for one unit (/units/<code>/) is units.views.unit_detail; both
pages get their context from reports.dashboard.dashboard_page.

Who may see it: every signed-in user. The dashboard is an internal
transparency tool: staff see how their unit compares, leadership sees all.
Nothing on it is editable; anonymous visitors are sent to the login page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tasks.selectors import user_can_decide

from .dashboard import dashboard_body_for, dashboard_json_body, dashboard_page, dashboard_parse_params


@login_required
@require_GET
def dashboard(request):
    """Bad parameters fall back to defaults with a message."""
    params = dashboard_parse_params(request.GET)
    for error in params.errors:
        messages.warning(request, error.message)
    # Issue 12: deciders urge a unit's overdue tasks from the overdue list. Asked on
    # every page, so the page's cost does not depend on whether anything is overdue.
    context = {**dashboard_page(params=params, cached_body=True), "can_decide": user_can_decide(request.user)}
    if "body_html" in context:
        context["body_html"] = dashboard_body_for(request, context)
    return render(request, "reports/dashboard.html", context)


@login_required
@require_GET
def dashboard_json(request):
    params = dashboard_parse_params(request.GET)
    if params.errors:
        return JsonResponse({"errors": {e.param: e.message for e in params.errors}}, status=400)
    if params.plan is None:
        return JsonResponse({"errors": {"plan": _("There is no work plan yet.")}}, status=404)
    body = dashboard_json_body(plan=params.plan, as_of=params.as_of, unit=params.unit)
    return HttpResponse(body, content_type="application/json")
