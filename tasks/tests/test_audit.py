"""Audit gaps closed: coordinating units in the task's history, note corrections
and deletions of journal entries in the journal audit, refused actions logged."""

import logging
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tasks.models import Field, JournalAuditEntry, ProgressUpdate, Status, Task, TaskCoordination, WorkPlan
from tasks.services import task_record_progress
from units.models import Membership, Unit

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def plan_world():
    units = {code: Unit.objects.create(code=code, name=f"Đơn vị {code}") for code in ("VU-A", "VU-B", "VU-C")}
    plan = WorkPlan.objects.create(
        year=2020, title="Kế hoạch 2020", start_date=date(2020, 1, 1), end_date=date(2020, 12, 31)
    )
    task = Task.objects.create(
        plan=plan,
        code="NV-01",
        title="Xây dựng TCVN",
        field=Field.STANDARDS,
        lead_unit=units["VU-A"],
        start_date=date(2020, 1, 2),
        due_date=date(2020, 12, 15),
    )
    TaskCoordination.objects.create(task=task, unit=units["VU-B"])
    task.coordinating_unit_codes = "VU-B"
    task.save()
    staff = get_user_model().objects.create_user("staff-a", password="x")
    Membership.objects.create(user=staff, unit=units["VU-A"])
    return {"plan": plan, "task": task, "units": units, "staff": staff}


def _task_change_form(task: Task, coordinations: list[tuple[int | None, int, bool]]) -> dict:
    data = {
        "plan": task.plan_id,
        "code": task.code,
        "title": task.title,
        "title_en": task.title_en,
        "description": task.description,
        "field": task.field,
        "lead_unit": task.lead_unit_id,
        "parent": "",
        "legal_basis": "",
        "expected_output": "",
        "expected_output_en": "",
        "source_quote": "",
        "start_date": task.start_date.isoformat(),
        "due_date": task.due_date.isoformat(),
        "coordinations-TOTAL_FORMS": len(coordinations),
        "coordinations-INITIAL_FORMS": sum(1 for pk, _unit, _delete in coordinations if pk),
        "subtasks-TOTAL_FORMS": 0,
        "subtasks-INITIAL_FORMS": 0,
    }
    for index, (pk, unit_id, delete) in enumerate(coordinations):
        data[f"coordinations-{index}-id"] = pk or ""
        data[f"coordinations-{index}-task"] = task.pk
        data[f"coordinations-{index}-unit"] = unit_id
        if delete:
            data[f"coordinations-{index}-DELETE"] = "on"
    return data


def test_a_change_of_coordinating_units_in_the_admin_is_in_the_task_history(superuser_client, plan_world):
    # Given a task coordinated by VU-B
    task, units = plan_world["task"], plan_world["units"]
    existing = TaskCoordination.objects.get(task=task)

    # When a superuser replaces VU-B by VU-C and adds nothing else
    response = superuser_client.post(
        reverse("admin:tasks_task_change", args=[task.pk]),
        _task_change_form(task, [(existing.pk, units["VU-B"].pk, True), (None, units["VU-C"].pk, False)]),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors

    # Then the task's page lists the change, by the superuser, in one entry
    reader = Client(HTTP_ACCEPT_LANGUAGE="vi")
    reader.force_login(plan_world["staff"])
    page = reader.get(reverse("tasks:detail", args=[task.pk]))
    entries = page.context["field_history"]
    assert entries[0]["who"].username == "root"
    assert [(c["field"], c["old"], c["new"]) for c in entries[0]["changes"]] == [
        ("coordinating_unit_codes", "VU-B", "VU-C")
    ]
    html = page.content.decode()
    assert "Đơn vị phối hợp</span>: <del>VU-B</del> → <ins>VU-C</ins>" in html
    assert list(TaskCoordination.objects.filter(task=task).values_list("unit__code", flat=True)) == ["VU-C"]


def test_the_coordination_admin_records_adds_and_removals_in_the_task_history(superuser_client, plan_world):
    task, units = plan_world["task"], plan_world["units"]

    superuser_client.post(reverse("admin:tasks_taskcoordination_add"), {"task": task.pk, "unit": units["VU-C"].pk})
    superuser_client.post(
        reverse("admin:tasks_taskcoordination_delete", args=[TaskCoordination.objects.get(unit=units["VU-B"]).pk]),
        {"post": "yes"},
    )

    history = list(task.history.order_by("-history_date", "-history_id")[:2])
    assert [h.coordinating_unit_codes for h in history] == ["VU-C", "VU-B, VU-C"]
    assert {h.history_user.username for h in history} == {"root"}


def _record(task, author, day, note="Đã làm", status=Status.IN_PROGRESS, progress=10):
    return task_record_progress(
        task=task,
        author=author,
        status=status,
        progress=progress,
        note=note,
        recorded_at=datetime.combine(day, time(10), tzinfo=TZ),
        check_permission=False,
    )


def test_a_superusers_correction_of_a_note_keeps_the_old_and_the_new_text(superuser_client, plan_world):
    # Given a journal entry
    update = _record(plan_world["task"], plan_world["staff"], date(2020, 3, 2), note="Đã gửi công văn số 12")

    # When a superuser corrects its note in the admin
    response = superuser_client.post(
        reverse("admin:tasks_progressupdate_change", args=[update.pk]), {"note": "Đã gửi công văn số 21"}
    )

    # Then the entry has the new text and the journal audit keeps both, with who
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.note == "Đã gửi công văn số 21"
    audit = JournalAuditEntry.objects.get()
    assert (audit.action, audit.task_code, audit.update_id, audit.actor_username) == (
        "note_corrected",
        "NV-01",
        update.pk,
        "root",
    )
    assert (audit.old_note, audit.new_note) == ("Đã gửi công văn số 12", "Đã gửi công văn số 21")


def test_an_unchanged_note_saved_again_writes_no_audit_row(superuser_client, plan_world):
    update = _record(plan_world["task"], plan_world["staff"], date(2020, 3, 2), note="Như cũ")

    superuser_client.post(reverse("admin:tasks_progressupdate_change", args=[update.pk]), {"note": "Như cũ"})

    assert not JournalAuditEntry.objects.exists()


def test_a_deleted_journal_entry_is_recorded_with_who_when_and_what_it_held(superuser_client, plan_world):
    # Given two entries
    task, staff = plan_world["task"], plan_world["staff"]
    _record(task, staff, date(2020, 3, 2), note="Bắt đầu")
    latest = _record(task, staff, date(2020, 3, 9), note="Nhầm", progress=40)

    # When a superuser deletes the latest
    response = superuser_client.post(reverse("admin:tasks_progressupdate_delete", args=[latest.pk]), {"post": "yes"})

    # Then it is gone from the journal, and the audit holds all it said
    assert response.status_code == 302
    assert not ProgressUpdate.objects.filter(pk=latest.pk).exists()
    audit = JournalAuditEntry.objects.get()
    assert (audit.action, audit.actor_username, audit.update_id, audit.old_note) == (
        "deleted",
        "root",
        latest.pk,
        "Nhầm",
    )
    assert audit.entry == {
        "task": "NV-01",
        "author": "staff-a",
        "recorded_at": "2020-03-09T03:00:00+00:00",
        "created_at": latest.created_at.isoformat(),
        "status": "in_progress",
        "progress": 40,
        "previous_status": "in_progress",
        "previous_progress": 10,
        "note": "Nhầm",
    }
    assert audit.at is not None


def test_a_refused_delete_writes_no_audit_row(superuser_client, plan_world):
    task, staff = plan_world["task"], plan_world["staff"]
    first = _record(task, staff, date(2020, 3, 2))
    _record(task, staff, date(2020, 3, 9), progress=40)

    superuser_client.post(reverse("admin:tasks_progressupdate_delete", args=[first.pk]), {"post": "yes"})

    assert ProgressUpdate.objects.count() == 2
    assert not JournalAuditEntry.objects.exists()


def test_the_journal_audit_is_read_only_in_the_admin(superuser_client, plan_world):
    update = _record(plan_world["task"], plan_world["staff"], date(2020, 3, 2))
    superuser_client.post(reverse("admin:tasks_progressupdate_change", args=[update.pk]), {"note": "Sửa"})
    audit = JournalAuditEntry.objects.get()

    assert superuser_client.get(reverse("admin:tasks_journalauditentry_changelist")).status_code == 200
    assert superuser_client.get(reverse("admin:tasks_journalauditentry_add")).status_code == 403
    superuser_client.post(reverse("admin:tasks_journalauditentry_change", args=[audit.pk]), {"old_note": "x"})
    superuser_client.post(reverse("admin:tasks_journalauditentry_delete", args=[audit.pk]), {"post": "yes"})
    audit.refresh_from_db()
    assert audit.old_note != "x"


def test_a_refused_write_is_logged_with_user_and_address(client, plan_world, caplog):
    # Given a signed-in person of an unrelated unit
    outsider = get_user_model().objects.create_user("outsider", password="x")
    Membership.objects.create(user=outsider, unit=plan_world["units"]["VU-C"])
    client.force_login(outsider)

    # When they post an update to a task their unit has nothing to do with
    with caplog.at_level(logging.WARNING, logger="plan_portal.security"):
        response = client.post(
            reverse("tasks:update-create", args=[plan_world["task"].pk]),
            {"status": "completed", "progress": 100, "note": "x", "version": 1},
            REMOTE_ADDR="10.1.2.3",
        )

    # Then it is refused, nothing is written, and the security log names who and from where
    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()
    records = [r for r in caplog.records if r.name == "plan_portal.security" and "event=refused" in r.getMessage()]
    assert [r.getMessage() for r in records] == [
        f"event=refused user='outsider' address=10.1.2.3 method=POST"
        f" path='/tasks/{plan_world['task'].pk}/updates/' write=True"
    ]
    assert (records[0].user, records[0].address) == ("outsider", "10.1.2.3")
