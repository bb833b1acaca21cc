from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_safe

from units.selectors import user_is_leadership

from .health import health


@login_required
@require_GET
def home(request):
    """Send each person to the page they open every week."""
    return redirect("reports:dashboard" if user_is_leadership(request.user) else "tasks:my")


@require_safe
def healthz(request):
    """Monitoring probe (README "Security and operations"): no sign-in, no session, no cookie."""
    body, status = health()
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response
