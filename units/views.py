from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from reports.dashboard import dashboard_page, dashboard_parse_params
from tasks.comments import urgings_create_for_unit_overdue
from tasks.selectors import urging_counts_for_unit, user_can_decide


def _unit_page(request, params, *, urge_errors=(), status=200):
    """The unit page: the dashboard for the unit's tasks, plus the urgings it received
    (a total, the most-urged tasks; dashboard_page counts them on each overdue row) and
    the urging form."""
    context = dashboard_page(params=params)
    urgings = urging_counts_for_unit(unit=params.unit, plan=params.plan)
    context.update(urgings=urgings, can_decide=user_can_decide(request.user), urge_errors=urge_errors)
    return render(request, "units/unit_detail.html", context, status=status)


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
    return _unit_page(request, params)


@login_required
@require_POST
def unit_urge_overdue(request, code: str):
    """A decider urges, with one note, every task the unit leads (of the plan
    posted, else the current one) that is overdue today; 403 for anyone else."""
    params = dashboard_parse_params(request.POST, unit_code=code)
    if params.unit is None:
        raise Http404("unknown unit")
    if not user_can_decide(request.user):
        raise PermissionDenied(_("Only a person allowed to decide requests can send an urging note."))
    try:
        urgings = urgings_create_for_unit_overdue(
            unit=params.unit, author=request.user, note=request.POST.get("note", ""), plan=params.plan
        )
    except ValidationError as exc:
        return _unit_page(request, params, urge_errors=exc.messages, status=422)
    if urgings:
        sent = ngettext(
            "Urging note sent on %(n)d overdue task.", "Urging note sent on %(n)d overdue tasks.", len(urgings)
        )
        messages.success(request, sent % {"n": len(urgings)})
    else:
        messages.info(request, _("The unit has no overdue task: nothing was sent."))
    return redirect(reverse("units:detail", args=[params.unit.code]) + "#urge")
