from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from units.selectors import user_is_leadership


def _first_reversible(*names: str) -> str | None:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


@login_required
@require_GET
def home(request):
    """Send each person to the page they open every week."""
    if user_is_leadership(request.user):
        target = _first_reversible("reports:dashboard", "tasks:list")
    else:
        target = _first_reversible("tasks:my", "tasks:list")
    if target:
        return redirect(target)
    return render(request, "home.html")
