from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, WorkPlanFactory, record_progress
from tasks.models import ProgressUpdate, Status, Task

# english, root and superuser_client come from the root conftest.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def queries_for(client, url) -> int:
    client.get(url)  # warm the per-process caches
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def make_plan_rows(count, author):
    plan = WorkPlanFactory(year=2021)
    for _index in range(count):
        task = TaskFactory(plan=plan, coordinators=[UnitFactory()])
        TaskFactory(plan=plan, parent=task, lead_unit=task.lead_unit)
        record_progress(task, at=timezone.now(), status="in_progress", progress=10, note="Bắt đầu", author=author)
    schedule = CrontabSchedule.objects.create(minute="0", hour=str(count % 24))
    PeriodicTask.objects.create(name=f"weekly-{count}", task="reports.tasks.report_build_task", crontab=schedule)
    return plan


PLAN_URLS = [
    "admin:tasks_workplan_changelist",
    "admin:tasks_task_changelist",
    "admin:tasks_task_add",
    "admin:tasks_progressupdate_changelist",
    "admin:tasks_progressupdate_add",
    "admin:tasks_taskcoordination_changelist",
    "admin:django_celery_beat_periodictask_changelist",
    "admin:django_celery_beat_crontabschedule_changelist",
]


@pytest.mark.parametrize("url_name", PLAN_URLS)
def test_plan_pages_use_the_same_number_of_queries_for_3_and_50_rows(superuser_client, root, url_name):
    make_plan_rows(3, root)
    small = queries_for(superuser_client, reverse(url_name))
    make_plan_rows(47, root)
    assert queries_for(superuser_client, reverse(url_name)) == small


def test_task_change_form_query_count_does_not_grow_with_subtasks_and_coordinators(superuser_client, root):
    plan = make_plan_rows(1, root)
    task = Task.objects.filter(plan=plan, parent=None).get()
    url = reverse("admin:tasks_task_change", args=[task.pk])
    small = queries_for(superuser_client, url)
    for _index in range(20):
        task.coordinations.create(unit=UnitFactory())
        TaskFactory(plan=plan, parent=task)
    assert queries_for(superuser_client, url) == small


def test_every_registered_admin_opens_its_list_add_and_change_pages(superuser_client, root):
    # Given one row of every kind
    make_plan_rows(1, root)
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        # Then the list opens, the add form opens (where adding is allowed), the change form opens
        assert superuser_client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200, info
        if model_admin.has_add_permission(type("R", (), {"user": root})()):
            assert superuser_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200, info
        obj = model._default_manager.first()
        if obj is not None:
            url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            assert superuser_client.get(url).status_code == 200, info


def test_celery_beat_schedule_is_editable_in_the_admin(superuser_client):
    assert PeriodicTask in admin.site._registry
    assert CrontabSchedule in admin.site._registry
    response = superuser_client.get(reverse("admin:index"))
    assert reverse("admin:django_celery_beat_periodictask_changelist") in response.content.decode()


def test_task_list_filters_overdue_open_tasks(superuser_client, root):
    plan = WorkPlanFactory(year=2020)
    late = TaskFactory(plan=plan, code="NV-LATE", start_date=date(2020, 1, 1), due_date=date(2020, 3, 1))
    done = TaskFactory(plan=plan, code="NV-DONE", start_date=date(2020, 1, 1), due_date=date(2020, 3, 1))
    TaskFactory(plan=plan, code="NV-FUTURE", start_date=date(2020, 1, 1), due_date=date(2999, 1, 1))
    record_progress(done, at=timezone.now(), status="completed", progress=100, note="Xong", author=root)
    response = superuser_client.get(reverse("admin:tasks_task_changelist"), {"overdue": "yes"})
    assert [task.code for task in response.context["cl"].result_list] == [late.code]
    response = superuser_client.get(reverse("admin:tasks_task_changelist"), {"overdue": "no"})
    assert sorted(task.code for task in response.context["cl"].result_list) == ["NV-DONE", "NV-FUTURE"]


def test_task_search_ignores_accents(superuser_client):
    TaskFactory(code="NV-01", title="Xây dựng tiêu chuẩn đo lường")
    TaskFactory(code="NV-02", title="Hợp tác quốc tế")
    response = superuser_client.get(reverse("admin:tasks_task_changelist"), {"q": "do luong"})
    assert [task.code for task in response.context["cl"].result_list] == ["NV-01"]


def test_status_and_progress_are_read_only_in_the_task_form(superuser_client):
    task = TaskFactory()
    response = superuser_client.get(reverse("admin:tasks_task_change", args=[task.pk]))
    form = response.context["adminform"].form
    assert "status" not in form.fields
    assert "progress" not in form.fields
    assert "change only through progress updates" in response.content.decode()


def test_reassign_action_records_who_and_why_in_the_history(superuser_client, root):
    # Given two tasks led by VU-A
    old, new = UnitFactory(code="VU-A"), UnitFactory(code="VU-B")
    tasks = [TaskFactory(code="NV-01", lead_unit=old), TaskFactory(code="NV-02", lead_unit=old)]
    url = reverse("admin:tasks_task_changelist")
    selected = [task.pk for task in tasks]
    # When the action is chosen, the form is shown first
    response = superuser_client.post(url, {"action": "reassign_lead_unit", "_selected_action": selected})
    assert response.status_code == 200
    assert "NV-02" in response.content.decode()
    assert Task.objects.filter(lead_unit=old).count() == 2
    # And a missing reason is refused
    response = superuser_client.post(
        url, {"action": "reassign_lead_unit", "_selected_action": selected, "apply": "1", "unit": new.pk}
    )
    assert response.status_code == 200
    assert Task.objects.filter(lead_unit=old).count() == 2
    # When confirmed with a reason
    response = superuser_client.post(
        url,
        {
            "action": "reassign_lead_unit",
            "_selected_action": selected,
            "apply": "1",
            "unit": new.pk,
            "reason": "Theo Quyết định 12/QĐ-TĐC",
        },
    )
    # Then the tasks move and the history says who and why
    assert response.status_code == 302
    assert list(Task.objects.order_by("code").values_list("lead_unit__code", flat=True)) == ["VU-B", "VU-B"]
    latest = tasks[0].history.latest()
    assert (latest.history_user, latest.history_change_reason, latest.lead_unit_id) == (
        root,
        "Theo Quyết định 12/QĐ-TĐC",
        new.pk,
    )
    history_page = superuser_client.get(reverse("admin:tasks_task_history", args=[tasks[0].pk]))
    assert "Theo Quyết định 12/QĐ-TĐC" in history_page.content.decode()


@pytest.fixture
def staff_admin_client(client):
    staff = UserFactory(username="staffadmin", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="tasks",
            codename__in=[
                "view_progressupdate",
                "change_progressupdate",
                "delete_progressupdate",
                "add_progressupdate",
            ],
        )
    )
    client.force_login(staff)
    return client


def test_progress_updates_are_readable_but_not_editable_by_a_staff_admin(staff_admin_client, root):
    task = TaskFactory()
    update = record_progress(task, at=timezone.now(), status="in_progress", progress=20, note="Đã họp", author=root)
    # Readable
    assert staff_admin_client.get(reverse("admin:tasks_progressupdate_changelist")).status_code == 200
    page = staff_admin_client.get(reverse("admin:tasks_progressupdate_change", args=[update.pk]))
    assert page.status_code == 200
    assert "note" not in page.context["adminform"].form.fields
    # Not editable, not deletable, nothing added
    staff_admin_client.post(reverse("admin:tasks_progressupdate_change", args=[update.pk]), {"note": "Sửa"})
    assert (
        staff_admin_client.post(
            reverse("admin:tasks_progressupdate_delete", args=[update.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert staff_admin_client.get(reverse("admin:tasks_progressupdate_add")).status_code == 403
    update.refresh_from_db()
    assert (ProgressUpdate.objects.count(), update.note) == (1, "Đã họp")


def test_a_superuser_adds_a_progress_update_through_the_journal_service(superuser_client, root):
    task = TaskFactory()
    now = timezone.localtime()
    response = superuser_client.post(
        reverse("admin:tasks_progressupdate_add"),
        {
            "task": task.pk,
            "status": "in_progress",
            "progress": 40,
            "note": "Đã hoàn thành dự thảo",
            "recorded_at_0": now.strftime("%Y-%m-%d"),
            "recorded_at_1": now.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.progress, task.version) == ("in_progress", 40, 2)
    assert list(ProgressUpdate.objects.values_list("author__username", "previous_progress", "progress")) == [
        ("root", 0, 40)
    ]


def test_a_superuser_progress_update_breaking_a_rule_is_refused_and_nothing_written(superuser_client):
    task = TaskFactory()
    response = superuser_client.post(
        reverse("admin:tasks_progressupdate_add"),
        {"task": task.pk, "status": Status.COMPLETED, "progress": 60, "note": "Xong"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["progress"] == ["A completed task has progress 100%."]
    task.refresh_from_db()
    assert (task.status, task.progress, ProgressUpdate.objects.count()) == ("not_started", 0, 0)


def test_work_plan_list_counts_tasks(superuser_client):
    plan = WorkPlanFactory(year=2021)
    TaskFactory.create_batch(3, plan=plan)
    response = superuser_client.get(reverse("admin:tasks_workplan_changelist"))
    row = response.context["cl"].result_list[0]
    assert (row.task_count, row.open_count) == (3, 3)


def test_a_superuser_deletes_only_the_latest_update_and_the_task_steps_back(superuser_client, root):
    task = TaskFactory()
    first = record_progress(task, at=timezone.now(), status="in_progress", progress=20, note="a", author=root)
    second = record_progress(task, at=timezone.now(), status="in_progress", progress=45, note="b", author=root)
    delete_url = "admin:tasks_progressupdate_delete"

    # The older entry is refused with a message, and nothing changes
    response = superuser_client.post(reverse(delete_url, args=[first.pk]), {"post": "yes"}, follow=True)
    assert "latest" in response.content.decode() or "gần nhất" in response.content.decode()
    assert ProgressUpdate.objects.count() == 2

    # The latest goes, and the task returns to the state it replaced
    superuser_client.post(reverse(delete_url, args=[second.pk]), {"post": "yes"})
    task.refresh_from_db()
    assert (ProgressUpdate.objects.count(), task.progress, task.last_update_at) == (1, 20, first.recorded_at)
