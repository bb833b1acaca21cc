from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from units.selectors import user_is_leadership


@login_required
def home(request):
    """Send each person to the page they open every week."""
    return redirect("reports:dashboard" if user_is_leadership(request.user) else "tasks:my")
