from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from reports.dashboard_views import dashboard_render


@login_required
@require_GET
def unit_detail(request, code: str):
    """The dashboard scoped to the tasks one unit leads (404 for an unknown code).
    Same reading rule as the dashboard: every signed-in user."""
    return dashboard_render(request, unit_code=code)
