from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
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


@login_required
@require_GET
def bench_floor(request):
    """The benchmark's floor (routed only with settings.BENCH): signed in, one
    trivial query, a tiny answer. Every page is measured as a share of it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (value,) = cursor.fetchone()
    return HttpResponse(f"floor {value}", content_type="text/plain")
