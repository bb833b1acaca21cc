"""Who may open what: every URL the project routes × every role × GET and POST.

The test walks the URL resolver. A URL pattern without an entry below makes it
fail, so every new page or admin must state who may use it. The objects
belong to the lead unit VU-A (coordinated by VU-B); VU-C is unrelated.

Expected answers: a status code, LOGIN (302 to the portal's sign-in page),
ADMIN_LOGIN (302 to the admin's sign-in page) or REDIRECT (302 elsewhere).
POSTs carry no data (and no CSRF token: the test client skips the check), so a
form that accepts a POST answers with its errors and nothing changes.
"""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reports.models import ReminderLog
from reports.services import weekly_report_build
from tasks.comments import comment_create, urging_create
from tasks.models import (
    Attachment,
    CompletionReview,
    Contribution,
    DueDateChange,
    Field,
    JournalAuditEntry,
    Notification,
    ProgressUpdate,
    Status,
    Task,
    TaskCoordination,
    TaskRequest,
    WorkPlan,
)
from tasks.services import task_record_progress
from units.models import Membership, Unit

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LOGIN, ADMIN_LOGIN, REDIRECT = "login", "admin-login", "redirect"
ROLES = (
    "anonymous",
    "lead_staff",  # staff of VU-A, the lead unit
    "coord_staff",  # staff of VU-B, a coordinating unit
    "other_staff",  # staff of VU-C, an unrelated unit
    "head",  # head of VU-A
    "leadership",
    "staff_admin",  # is_staff, not superuser: views the plan, edits tasks
    "superuser",
)
UNIT_MEMBERS = ("lead_staff", "coord_staff", "other_staff", "head")
NOT_ADMIN = ("anonymous", *UNIT_MEMBERS, "leadership")
STAFF_ADMIN_PERMISSIONS = {
    "units": ["view_unit", "view_membership"],
    "tasks": ["view_workplan", "view_task", "change_task", "view_taskcoordination", "view_progressupdate"],
    "reports": ["view_weeklyreport"],
}


def signed_in(value, **by_role) -> dict:
    """Anonymous → sign-in page; every signed-in role → `value` unless named."""
    return {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], value), **by_role}


def everyone(value, **by_role) -> dict:
    return {**dict.fromkeys(ROLES, value), **by_role}


def members_only(allowed, refused, **by_role) -> dict:
    """Lead and coordinating units' members may; everyone else signed in is refused."""
    return signed_in(refused, lead_staff=allowed, coord_staff=allowed, head=allowed, **by_role)


# --- The portal's own pages --------------------------------------------------------------
# key: URL name (or the route for unnamed patterns) -> (GET, POST)
PORTAL = {
    "home": (signed_in(REDIRECT), signed_in(405)),
    "healthz": (everyone(200), everyone(405)),  # no sign-in: for the load balancer and monitoring
    "tasks:my": (signed_in(200, leadership=REDIRECT, staff_admin=REDIRECT, superuser=REDIRECT), signed_in(405)),
    "tasks:list": (signed_in(200), signed_in(405)),
    "tasks:export-xlsx": (signed_in(200), signed_in(405)),
    "tasks:export-csv": (signed_in(200), signed_in(405)),
    "tasks:detail": (signed_in(200), signed_in(405)),
    # GET without htmx sends members to the detail page's form; an empty POST is a 422.
    # Issue 11: only the lead unit records progress; a coordinating unit posts contributions.
    "tasks:update-create": (
        signed_in(403, lead_staff=REDIRECT, head=REDIRECT),
        signed_in(403, lead_staff=422, head=422),
    ),
    # The accountable process (issue 11). Empty POSTs: the form with its errors, nothing written.
    # Contributions: coordinating units only; the lead unit records progress instead.
    "tasks:contribution-create": (signed_in(405), signed_in(403, coord_staff=422)),
    "tasks:attachment-create": (signed_in(405), members_only(422, 403)),
    # Attachments are the units' working documents: the task's units, Leadership, admins and deciders.
    "tasks:attachment-download": (signed_in(200, other_staff=403), signed_in(405)),
    # Deciders (tasks.decide_request: Leadership, superusers) confirm completions and decide requests.
    "tasks:completion-confirm": (signed_in(405), signed_in(403, leadership=422, superuser=422)),
    "tasks:request-create": (signed_in(405), signed_in(403, lead_staff=422, head=422)),
    "tasks:requests": (signed_in(200, staff_admin=403), signed_in(405)),
    "tasks:request-decide": (signed_in(405), signed_in(403, leadership=422, superuser=422)),
    # The requesting unit withdraws (no data needed): the lead unit's staff first, so its head
    # then finds the request already withdrawn.
    "tasks:request-withdraw": (signed_in(405), signed_in(403, lead_staff=REDIRECT, head=409)),
    # Notifications (issue 12): each person reads and changes only their own; anyone may follow a task.
    "notifications": (signed_in(200), signed_in(405)),
    "notifications-count": (signed_in(200), signed_in(405)),
    # Empty POST: nothing chosen, back to the page with an error message.
    "notifications-read": (signed_in(405), signed_in(REDIRECT)),
    # The matrix's notification is the lead unit staff's: everyone else is told it does not exist.
    "notification-open": (signed_in(404, lead_staff=REDIRECT), signed_in(405)),
    "notification-settings": (signed_in(200), signed_in(422)),
    "tasks:follow": (signed_in(405), signed_in(REDIRECT)),
    # Issue 12: whoever reads a task comments on it (an empty POST: the form's error).
    "tasks:comment-create": (signed_in(405), signed_in(422)),
    "tasks:mention-candidates": (signed_in(200), signed_in(405)),
    # The comment is coord_staff's, posted just now: its author (an empty edit is a 422) and
    # superusers may change it, nobody else. Its author then deletes it, so the superuser
    # finds it already deleted.
    "tasks:comment-edit": (signed_in(405), signed_in(403, coord_staff=422, superuser=422)),
    "tasks:comment-delete": (signed_in(405), signed_in(403, coord_staff=REDIRECT)),
    # Urging notes: deciders only (an empty note is a 422).
    "tasks:urge": (signed_in(405), signed_in(403, leadership=422, superuser=422)),
    "units:urge-overdue": (signed_in(405), signed_in(403, leadership=422, superuser=422)),
    "reports:dashboard": (signed_in(200), signed_in(405)),
    "reports:dashboard-data": (signed_in(200), signed_in(405)),
    "reports:timeline": (signed_in(200), signed_in(405)),
    "units:detail": (signed_in(200), signed_in(405)),
    "reports:list": (signed_in(200), signed_in(405)),
    "reports:detail": (signed_in(200), signed_in(405)),
    "reports:xlsx": (signed_in(200), signed_in(405)),
    "reports:pdf": (signed_in(200), signed_in(405)),
    # Django's sign-in pages.
    "login": (everyone(200), everyone(200)),  # POST without data: the form with its errors
    "logout": (everyone(405), everyone(LOGIN)),
    "password_change": (signed_in(200), signed_in(200)),
    "password_change_done": (signed_in(200), signed_in(405)),
    "password_reset": (everyone(200), everyone(200)),
    "password_reset_done": (everyone(200), everyone(405)),
    "password_reset_confirm": (everyone(200), everyone(200)),  # a wrong token: "invalid link"
    "password_reset_complete": (everyone(200), everyone(405)),
    "set_language": (everyone(REDIRECT), everyone(REDIRECT)),
}

# --- The admin ----------------------------------------------------------------------------
# Every admin page sends anyone who is not is_staff to the admin's sign-in page.
ADMIN_SITE = {
    "admin:index": (everyone(200, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN)),) * 2,
    "admin:login": (
        everyone(REDIRECT, **dict.fromkeys(NOT_ADMIN, 200)),
        everyone(200),  # POST without data: the form with its errors
    ),
    # Django's own: people without admin access are sent away before the method is looked at.
    "admin:logout": (
        everyone(405, **dict.fromkeys(NOT_ADMIN, REDIRECT)),
        everyone(LOGIN, **dict.fromkeys(NOT_ADMIN, REDIRECT)),
    ),
    "admin:password_change": (everyone(200, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN)),) * 2,
    "admin:password_change_done": (
        everyone(200, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN)),
        everyone(405, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN)),
    ),
    # Without its query parameters the autocomplete refuses everyone.
    "admin:autocomplete": (
        everyone(403, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN)),
        everyone(405, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN)),
    ),
    "admin:jsi18n": (
        everyone(200, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN)),
        everyone(405, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN)),
    ),
    "admin:view_on_site": (everyone(404, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN)),) * 2,
    "admin:app_list": (everyone(200, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN)),) * 2,
    "admin/(?P<url>.*)$": (everyone(404, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN)),) * 2,
    "admin:tasks_task_import": (
        everyone(200, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN), staff_admin=403),
        everyone(200, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN), staff_admin=403),
    ),
    "admin:tasks_task_import_template": (
        everyone(200, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN), staff_admin=403),
        everyone(200, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN), staff_admin=403),
    ),
    "admin:tasks_task_export": (
        everyone(200, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN)),
        everyone(200, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN)),
    ),
}

# Registered models: (staff admin, superuser) answers for each standard admin view, GET and POST.
# "view" = the staff admin holds the view permission only; "change" = view and change;
# "none" = no permission. Superusers may do everything the ModelAdmin allows.
ADMIN_MODELS = {
    "auth.group": "none",
    "auth.user": "none",
    "django_celery_beat.periodictask": "none",
    "django_celery_beat.clockedschedule": "none",
    "django_celery_beat.crontabschedule": "none",
    "django_celery_beat.solarschedule": "none",
    "django_celery_beat.intervalschedule": "none",
    "units.unit": "view",
    "units.membership": "view",
    "tasks.workplan": "view",
    "tasks.task": "change",
    "tasks.taskcoordination": "view",
    "tasks.progressupdate": "view",
    "tasks.journalauditentry": "none",
    # The accountable process (issue 11): read-only, written only through tasks.services.
    "tasks.taskrequest": "none",
    "tasks.duedatechange": "none",
    "tasks.completionreview": "none",
    "tasks.contribution": "none",
    "tasks.attachment": "none",
    # Issue 12: read-only; comments (with their earlier texts) for superusers only.
    "tasks.comment": "none",
    "tasks.urging": "none",
    "reports.weeklyreport": "view",
    "reports.reminderlog": "none",
    "reports.outboxmessage": "none",
    # django-axes: sign-in attempts, lock-outs and sign-ins (superusers only).
    "axes.accessattempt": "none",
    "axes.accesslog": "none",
    "axes.accessfailurelog": "none",
}
PROCESS_MODELS = (
    "tasks.taskrequest",
    "tasks.duedatechange",
    "tasks.completionreview",
    "tasks.contribution",
    "tasks.attachment",
    "tasks.comment",
    "tasks.urging",
)
# Views a ModelAdmin refuses even to a superuser (has_*_permission returns False); read-only
# models show their change page but refuse its POST.
NEVER = {
    ("tasks.journalauditentry", "add"),
    ("tasks.journalauditentry", "delete"),
    *((model, view) for model in PROCESS_MODELS for view in ("add", "delete")),
    ("reports.weeklyreport", "add"),
    ("reports.reminderlog", "add"),
    ("reports.outboxmessage", "add"),
    ("axes.accessattempt", "add"),
    ("axes.accesslog", "add"),
    ("axes.accessfailurelog", "add"),
}
READ_ONLY = {"tasks.journalauditentry", "reports.reminderlog", "reports.outboxmessage", *PROCESS_MODELS}
# A change page whose every field is read-only: its POST saves nothing and returns to the list.
NOTHING_TO_EDIT = {"reports.weeklyreport", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}
# A superuser's delete page for these is sent back: the object is in use (see units.admin).
DELETE_REFUSED_IN_USE = {"units.unit"}
# The user admin's own extra page.
ADMIN_EXTRA = {
    "admin:auth_user_password_change": (
        everyone(200, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN), staff_admin=403),
        everyone(200, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN), staff_admin=403),
    ),
}


def _admin_model_expected(model: str, view: str, method: str) -> dict:
    level = ADMIN_MODELS[model]
    # Superuser.
    if (model, view) in NEVER or view == "change" and method == "POST" and model in READ_ONLY:
        superuser = 403
    elif (
        view == "change"
        and method == "POST"
        and model in NOTHING_TO_EDIT
        or view == "delete"
        and model in DELETE_REFUSED_IN_USE
        or view == "redirect"
    ):
        superuser = REDIRECT
    else:
        superuser = 200  # POSTs without data show the form again (or the confirmation page)
    # Staff admin.
    if view == "redirect":
        staff = REDIRECT
    elif level == "none" or (model, view) in NEVER:
        staff = 403
    elif view in ("changelist", "history", "simple_history"):
        staff = 200  # a past version is shown read-only; its POST (revert) needs the change permission
    elif view == "change":
        staff = 200 if (method == "GET" or level == "change") else 403
    else:  # add, delete
        staff = 403
    return everyone(superuser, **dict.fromkeys(NOT_ADMIN, ADMIN_LOGIN), staff_admin=staff)


ADMIN_MODEL_URL = re.compile(
    r"^admin:(?P<app>\w+?)_(?P<model>[a-z0-9]+)_(?P<view>changelist|add|change|delete|history|simple_history)$"
)
ADMIN_MODEL_REDIRECT = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/<path:object_id>/$")


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace and (f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace)
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield prefix + str(pattern.pattern), name


def routed_urls() -> list[tuple[str, str | None]]:
    """(route, name) of every URL pattern the project routes."""
    return list(_walk(get_resolver().url_patterns))


def expected_for(route: str, name: str | None) -> tuple[dict, dict] | None:
    key = name or route
    for table in (PORTAL, ADMIN_SITE, ADMIN_EXTRA):
        if key in table:
            return table[key]
    match = ADMIN_MODEL_URL.match(name or "") or ADMIN_MODEL_REDIRECT.match(route)
    if match:
        view = match.groupdict().get("view", "redirect")
        model = f"{match['app']}.{match['model']}"
        if model in ADMIN_MODELS:
            return _admin_model_expected(model, view, "GET"), _admin_model_expected(model, view, "POST")
    return None


# --- The world ----------------------------------------------------------------------------


def _at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=TZ)


@pytest.fixture
def world(settings, tmp_path):
    from django_celery_beat.models import ClockedSchedule, IntervalSchedule, SolarSchedule

    settings.MEDIA_ROOT = str(tmp_path)
    User = get_user_model()
    units = {code: Unit.objects.create(code=code, name=f"Vụ {code}") for code in ("VU-A", "VU-B", "VU-C")}
    plan = WorkPlan.objects.create(
        year=2020, title="Kế hoạch 2020", start_date=date(2020, 6, 1), end_date=date(2020, 7, 31)
    )
    task = Task.objects.create(
        plan=plan,
        code="NV-01",
        title="Nhiệm vụ của VU-A",
        field=Field.STANDARDS,
        lead_unit=units["VU-A"],
        start_date=date(2020, 6, 1),
        due_date=date(2020, 7, 31),
    )
    coordination = TaskCoordination.objects.create(task=task, unit=units["VU-B"])
    users = {"anonymous": None}
    for role, unit, membership_role in (
        ("lead_staff", "VU-A", Membership.Role.STAFF),
        ("coord_staff", "VU-B", Membership.Role.STAFF),
        ("other_staff", "VU-C", Membership.Role.STAFF),
        ("head", "VU-A", Membership.Role.HEAD),
    ):
        users[role] = User.objects.create_user(role.replace("_", "-"), password="x")
        Membership.objects.create(user=users[role], unit=units[unit], role=membership_role)
    users["leadership"] = User.objects.create_user("lanhdao", password="x")
    users["leadership"].groups.add(Group.objects.get_or_create(name="Leadership")[0])
    users["staff_admin"] = User.objects.create_user("staff-admin", password="x", is_staff=True)
    users["staff_admin"].user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=STAFF_ADMIN_PERMISSIONS,
            codename__in=[codename for codes in STAFF_ADMIN_PERMISSIONS.values() for codename in codes],
        )
    )
    users["superuser"] = User.objects.create_superuser("root", "root@example.vn", "x")
    update = task_record_progress(
        task=task,
        author=users["lead_staff"],
        status=Status.IN_PROGRESS,
        progress=30,
        note="Đã họp",
        recorded_at=_at(date(2020, 6, 23)),
        check_permission=False,
    )
    report = weekly_report_build(plan=plan, iso_year=2020, iso_week=26)
    process = _process_objects(task=task, update=update, units=units, users=users)
    objects = {
        "auth.group": Group.objects.get(name="Leadership"),
        "auth.user": users["lead_staff"],
        "django_celery_beat.clockedschedule": ClockedSchedule.objects.create(clocked_time=_at(date(2030, 1, 1))),
        "django_celery_beat.solarschedule": SolarSchedule.objects.create(event="sunrise", latitude=21, longitude=105),
        "django_celery_beat.intervalschedule": IntervalSchedule.objects.create(every=5, period="minutes"),
        "units.unit": units["VU-A"],
        "units.membership": Membership.objects.get(user=users["lead_staff"]),
        "tasks.workplan": plan,
        "tasks.task": task,
        "tasks.taskcoordination": coordination,
        "tasks.progressupdate": update,
        "tasks.journalauditentry": JournalAuditEntry.objects.create(
            action="deleted", task=task, task_code=task.code, update_id=999, actor_username="root"
        ),
        **process,
        "reports.weeklyreport": report,
        "reports.reminderlog": ReminderLog.objects.create(
            unit=units["VU-A"], iso_year=2020, iso_week=26, sent_at=_at(date(2020, 6, 26))
        ),
    }
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from reports.models import OutboxMessage

    objects["reports.outboxmessage"] = OutboxMessage.objects.create(
        key="access-matrix",
        batch="access-matrix",
        kind="weekly",
        recipient="lanhdao@example.vn",
        from_email="no-reply@example.vn",
        subject="Báo cáo tuần",
        body_text="…",
    )
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    attempt = {"user_agent": "test", "ip_address": "10.0.0.9", "username": "x", "http_accept": "*/*", "path_info": "/"}
    objects["axes.accessattempt"] = AccessAttempt.objects.create(
        **attempt, get_data="", post_data="", failures_since_start=1
    )
    objects["axes.accesslog"] = AccessLog.objects.create(**attempt)
    objects["axes.accessfailurelog"] = AccessFailureLog.objects.create(**attempt)

    objects["django_celery_beat.crontabschedule"] = CrontabSchedule.objects.create(minute="0", hour="7")
    objects["django_celery_beat.periodictask"] = PeriodicTask.objects.create(
        name="access-matrix", task="reports.tasks.noop", crontab=objects["django_celery_beat.crontabschedule"]
    )
    notification = Notification.objects.create(
        recipient=users["lead_staff"],
        kind="comment",
        key="access-matrix",
        task=task,
        url=f"/tasks/{task.pk}/",
        email="off",
    )
    return {
        "users": users,
        "task": task,
        "report": report,
        "unit": units["VU-A"],
        "objects": objects,
        "notification": notification,
    }


def _process_objects(*, task, update, units, users) -> dict:
    """One row of each model of the accountable process (issue 11), on VU-A's task."""
    from django.core.files.base import ContentFile

    attachment = Attachment(
        task=task,
        original_name="bien-ban.pdf",
        content_type="application/pdf",
        size=15,
        uploaded_by=users["lead_staff"],
    )
    attachment.file.save("bien-ban.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    return {
        "tasks.taskrequest": TaskRequest.objects.create(
            task=task,
            kind="extension",
            unit=units["VU-A"],
            reason="Chờ ý kiến góp ý",
            proposed_due_date=date(2020, 8, 31),
            requested_by=users["lead_staff"],
            requested_at=_at(date(2020, 6, 24)),
        ),
        "tasks.duedatechange": DueDateChange.objects.create(
            task=task,
            old_due_date=date(2020, 7, 15),
            new_due_date=date(2020, 7, 31),
            effective_at=_at(date(2020, 6, 10)),
            decided_by=users["leadership"],
            document_ref="CV 12/TĐC-VP",
        ),
        "tasks.completionreview": CompletionReview.objects.create(
            task=task, update=update, decision="return", reviewer=users["leadership"], comment="Thiếu biên bản"
        ),
        "tasks.contribution": Contribution.objects.create(
            task=task, author=users["coord_staff"], unit=units["VU-B"], note="Góp ý dự thảo"
        ),
        "tasks.attachment": attachment,
        "tasks.comment": comment_create(task=task, author=users["coord_staff"], body="Nhờ @lead-staff xem"),
        "tasks.urging": urging_create(task=task, author=users["leadership"], note="Đề nghị khẩn trương")[0],
    }


def _url(route: str, name: str | None, world) -> str:
    """A concrete URL for the pattern, pointing at VU-A's objects."""
    task, objects = world["task"], world["objects"]
    if name in ADMIN_EXTRA:
        return reverse(name, args=[world["users"]["lead_staff"].pk])
    match = ADMIN_MODEL_URL.match(name or "")
    if match and match["view"] in ("change", "delete", "history"):
        return reverse(name, args=[objects[f"{match['app']}.{match['model']}"].pk])
    if match and match["view"] == "simple_history":  # one past version of the object
        instance = objects[f"{match['app']}.{match['model']}"]
        return reverse(name, args=[instance.pk, instance.history.earliest("history_date").history_id])
    if match:
        return reverse(name)
    match = ADMIN_MODEL_REDIRECT.match(route)
    if match:
        return f"/admin/{match['app']}/{match['model']}/{objects[match['app'] + '.' + match['model']].pk}/"
    kwargs = {
        "tasks:detail": {"pk": task.pk},
        "tasks:update-create": {"pk": task.pk},
        "tasks:contribution-create": {"pk": task.pk},
        "tasks:attachment-create": {"pk": task.pk},
        "tasks:completion-confirm": {"pk": task.pk},
        "tasks:request-create": {"pk": task.pk},
        "tasks:comment-create": {"pk": task.pk},
        "tasks:mention-candidates": {"pk": task.pk},
        "tasks:comment-edit": {"pk": objects["tasks.comment"].pk},
        "tasks:comment-delete": {"pk": objects["tasks.comment"].pk},
        "tasks:urge": {"pk": task.pk},
        "units:urge-overdue": {"code": world["unit"].code},
        "tasks:attachment-download": {"pk": objects["tasks.attachment"].pk},
        "tasks:request-decide": {"pk": objects["tasks.taskrequest"].pk},
        "tasks:request-withdraw": {"pk": objects["tasks.taskrequest"].pk},
        "tasks:follow": {"pk": task.pk},
        "notification-open": {"pk": world["notification"].pk},
        "reports:detail": {"year": 2020, "week": 26},
        "reports:xlsx": {"year": 2020, "week": 26},
        "reports:pdf": {"year": 2020, "week": 26},
        "units:detail": {"code": world["unit"].code},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        "admin:view_on_site": {"content_type_id": ContentType.objects.get_for_model(Task).pk, "object_id": task.pk},
        "admin:app_list": {"app_label": "tasks"},
    }
    if name is None:
        return "/admin/no-such-page/"
    return reverse(name, kwargs=kwargs.get(name, {}))


def _close(response):
    """Close a download's file without the request_finished signal, which would
    close the test's database connection (the test client keeps it open the same way)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def _answer(response) -> str | int:
    if response.status_code != 302:
        return response.status_code
    location = response["Location"]
    if location.startswith(reverse("admin:login")):
        return ADMIN_LOGIN
    if location.startswith(reverse("login")):
        return LOGIN
    return REDIRECT


def test_every_routed_url_answers_each_role_as_the_matrix_says(world):
    # Given every URL pattern of the project
    urls = routed_urls()
    missing = [name or route for route, name in urls if expected_for(route, name) is None]
    assert not missing, f"URL patterns without an entry in the access matrix: {missing}"
    assert len(urls) >= 130

    # When each role opens each of them with GET and POST
    clients = {}
    for role, user in world["users"].items():
        clients[role] = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
        if user is not None:
            clients[role].force_login(user)
    seen, wrong = {}, []
    for route, name in urls:
        url = _url(route, name, world)
        get_expected, post_expected = expected_for(route, name)
        for role in ROLES:
            for method, expected in (("GET", get_expected), ("POST", post_expected)):
                client = clients[role]
                response = client.get(url) if method == "GET" else client.post(url)
                _close(response)
                answer = _answer(response)
                seen[(name or route, role, method)] = answer
                if answer != expected[role]:
                    wrong.append(f"{method} {url} ({name or route}) as {role}: {answer}, expected {expected[role]}")
                if role != "anonymous" and method == "POST" and name in ("logout", "admin:logout"):
                    client.force_login(world["users"][role])  # signed out by the POST: sign in again

    # Then every answer is the expected one; other units' staff never write to VU-A's task
    assert not wrong, f"{len(wrong)} unexpected answers:\n" + "\n".join(wrong)
    assert seen[("tasks:update-create", "other_staff", "POST")] == 403
    assert seen[("tasks:update-create", "coord_staff", "POST")] == 403
    assert seen[("tasks:contribution-create", "other_staff", "POST")] == 403
    assert seen[("tasks:attachment-download", "other_staff", "GET")] == 403
    assert ProgressUpdate.objects.count() == 1
    assert Task.objects.get().version == 2


def test_a_new_url_or_admin_without_an_entry_has_no_expected_answers():
    # What the matrix test reports as missing: a page or a ModelAdmin nobody classified.
    assert expected_for("tasks/<int:pk>/archive/", "tasks:archive") is None
    assert expected_for("admin/tasks/archive/", "admin:tasks_archive_changelist") is None
    assert expected_for("admin/tasks/archive/<path:object_id>/", None) is None
    assert expected_for("tasks/", "tasks:list") is not None
