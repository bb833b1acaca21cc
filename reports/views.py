"""Weekly report pages and files. Rule: every signed-in member of a unit,
Leadership and admins read every report (see selectors.user_can_read_reports)."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.views.decorators.http import require_GET

from tasks.models import WorkPlan
from tasks.selectors import plan_get_current

from .rendering.context import report_context
from .selectors import (
    REPORT_PAGE_ROWS,
    report_dashboard_url,
    report_headline,
    snapshot_changes,
    task_urls_by_code,
    user_can_read_reports,
    weekly_report_get,
    weekly_report_list,
    weekly_report_neighbours,
)

# The rendered report body is kept this long (a deploy that changes its
# template shows within that time; REPORT_BODY_VERSION forces it at once).
REPORT_BODY_CACHE_SECONDS = 600
REPORT_BODY_VERSION = 1
# The lists whose rows link to their task's page.
LINKED_LISTS = (
    "completed",
    "newly_overdue",
    "at_risk",
    "stale",
    "awaiting_confirmation",
    "status_changes",
    "notes",
    "extensions",
    "pending_requests",
    "returned",
)


def _readable_report(request, year: int, week: int):
    if not user_can_read_reports(request.user):
        raise PermissionDenied
    report = weekly_report_get(iso_year=year, iso_week=week)
    if report is None:
        raise Http404
    return report


@login_required
@require_GET
def report_list(request):
    if not user_can_read_reports(request.user):
        raise PermissionDenied
    plans = list(WorkPlan.objects.order_by("-year"))
    year = request.GET.get("plan", "")
    plan = next((p for p in plans if str(p.year) == year), None) or plan_get_current()
    reports = list(weekly_report_list(plan=plan).order_by("-iso_year", "-iso_week")) if plan else []
    return render(request, "reports/weekly_list.html", {"plan": plan, "plans": plans, "reports": reports})


def _report_body(report, previous) -> str:
    """The report's figures and lists as HTML: the same for every reader, and
    unchanged until this report or the previous week's is rebuilt (both
    snapshot hashes are in the key), so it is rendered once and cached."""
    key = (
        f"weekly-report-body:{REPORT_BODY_VERSION}:{report.pk}:{report.snapshot_hash}:"
        f"{previous.snapshot_hash if previous else '-'}:{translation.get_language()}"
    )
    body = cache.get(key)
    if body is None:
        changes = snapshot_changes(current=report.snapshot, previous=report_headline(previous))
        ctx = report_context(report.snapshot, changes=changes, limit=REPORT_PAGE_ROWS)
        rows = [row for key in LINKED_LISTS for row in ctx[key]]
        urls = task_urls_by_code(plan_id=report.plan_id, codes=[row["code"] for row in rows])
        for row in rows:
            row["url"] = urls.get(row["code"])
        body = render_to_string(
            "reports/partials/weekly_body.html", {**ctx, "dashboard_url": ctx["see_all"]["dashboard"]}
        )
        cache.set(key, body, REPORT_BODY_CACHE_SECONDS)
    return body


@login_required
@require_GET
def report_detail(request, year: int, week: int):
    report = _readable_report(request, year, week)
    previous, following = weekly_report_neighbours(report=report)
    ctx = {
        "report": report,
        "previous": previous,
        "next": following,
        "week": report.week_display,
        "dashboard_url": report_dashboard_url(report=report),
        "body": _report_body(report, previous),
    }
    return render(request, "reports/weekly_detail.html", ctx)


def _file_response(report, field: str, suffix: str, content_type: str):
    file = getattr(report, field)
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=f"bao-cao-tuan-{report.week_label}.{suffix}", content_type=content_type
    )


@login_required
@require_GET
def report_xlsx(request, year: int, week: int):
    report = _readable_report(request, year, week)
    return _file_response(
        report, "xlsx_file", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


@login_required
@require_GET
def report_pdf(request, year: int, week: int):
    report = _readable_report(request, year, week)
    return _file_response(report, "pdf_file", "pdf", "application/pdf")
