from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reports.dashboard import dashboard_page, dashboard_parse_params


@login_required
@require_GET
def unit_detail(request, code: str):
    """The dashboard scoped to the tasks one unit leads (404 for an unknown code).
    Same reading rule as the dashboard: every signed-in user; bad parameters
    fall back to defaults with a message."""
    params = dashboard_parse_params(request.GET, unit_code=code)
    if params.unit is None:
        raise Http404("unknown unit")
    for error in params.errors:
        messages.warning(request, error.message)
    return render(request, "units/unit_detail.html", dashboard_page(params=params))
