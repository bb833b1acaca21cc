from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect

from units.selectors import user_is_leadership


@login_required
def home(request):
    """Send each person to the page they open every week."""
    return redirect("reports:dashboard" if user_is_leadership(request.user) else "tasks:my")


@login_required
def bench_floor(request):
    """The benchmark's floor (routed only with settings.BENCH): signed in, one
    trivial query, a tiny answer. Every page is measured as a share of it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (value,) = cursor.fetchone()
    return HttpResponse(f"floor {value}", content_type="text/plain")
