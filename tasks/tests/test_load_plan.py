"""The agency's data: loading is idempotent and keeps Vietnamese text intact."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tasks.models import ProgressUpdate, Task, WorkPlan
from units.models import Membership, Unit

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data" / "plan_2020.json"


def _state():
    return {
        "units": list(Unit.objects.order_by("code").values_list("code", "name", "parent__code")),
        "tasks": list(
            Task.objects.order_by("code").values_list("code", "title", "lead_unit__code", "due_date", "version")
        ),
        "coordinations": sorted(Task.objects.values_list("code", "coordinations__unit__code")),
        "history": (Unit.history.count(), Task.history.count(), WorkPlan.history.count()),
    }


def test_load_plan_loads_units_and_the_2020_plan_and_a_second_run_changes_nothing():
    call_command("load_plan", stdout=StringIO())
    first = _state()
    call_command("load_plan", stdout=StringIO())
    assert _state() == first
    assert Unit.objects.count() == 28
    assert Task.objects.filter(plan__year=2020).count() == 32
    assert Task.objects.get(code="NV-2020-26.1").parent.code == "NV-2020-26"
    assert set(Task.objects.get(code="NV-2020-01").coordinations.values_list("unit__code", flat=True)) == {
        "VU-TC",
        "VU-DL",
        "VU-QLCL",
        "VU-DGHC",
    }
    assert Unit.objects.get(code="VP-BOA").parent.code == "BO-KHCN"


def test_vietnamese_text_survives_the_round_trip_unchanged():
    call_command("load_plan", stdout=StringIO())
    source = {row["code"]: row for row in json.loads(DATA.read_text(encoding="utf-8"))["tasks"]}
    for task in Task.objects.all():
        assert task.title == source[task.code]["title"]
        assert task.legal_basis == source[task.code]["legal_basis"]
    task = Task.objects.get(code="NV-2020-22")
    assert task.title == "Đẩy mạnh triển khai Đề án 996 về đo lường"
    assert Unit.objects.get(code="VU-DL").name == "Vụ Đo lường"


def test_seed_demo_creates_accounts_for_directorate_units_only_and_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    counts = (Membership.objects.count(), ProgressUpdate.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Membership.objects.count(), ProgressUpdate.objects.count()) == counts

    usernames = set(Membership.objects.values_list("user__username", flat=True))
    assert {"vu-tc", "vu-tc-head", "vien-dl", "vien-dl-head", "tt-msmv"} <= usernames
    assert not usernames & {"bo-khcn", "tcdlcl", "ld-tc", "cc-tdc", "ext-bn", "vp-boa"}
    assert len(usernames) == 2 * 20


def test_seed_demo_history_is_true_to_the_invariant_and_covers_every_scenario():
    call_command("seed_demo", stdout=StringIO())
    for task in Task.objects.all():
        latest = task.updates.latest()
        assert (task.status, task.progress, task.last_update_at) == (latest.status, latest.progress, latest.recorded_at)
    statuses = set(Task.objects.values_list("status", flat=True))
    assert statuses == {"completed", "in_progress", "on_hold", "cancelled"}
    late = Task.objects.get(code="NV-2020-21")
    assert late.completed_at.date().isoformat() == "2020-08-31"
    assert late.completed_at.date() > late.due_date

    # Told through the accountable process (issue 11).
    from datetime import date

    from tasks.models import CompletionReview, TaskRequest
    from tasks.selectors import plan_figures

    completions = ProgressUpdate.objects.filter(status="completed").exclude(previous_status="completed")
    assert not completions.filter(output_ref="").exists()
    assert completions.get(task=late).output_ref == "Quyết định số 1322/QĐ-TTg ngày 31/08/2020"
    extensions = TaskRequest.objects.filter(kind="extension")
    assert sorted(extensions.values_list("state", flat=True)) == ["approved", "approved", "rejected"]
    assert all(r.document_ref for r in extensions.filter(state="approved"))
    covid = TaskRequest.objects.get(task__code="NV-2020-14", kind="on_hold")
    assert covid.state == "approved" and "COVID-19" in covid.reason
    assert Task.objects.get(code="NV-2020-14").updates.filter(previous_status="on_hold", status="in_progress").exists()
    assert TaskRequest.objects.get(task__code="NV-2020-16", kind="cancel").state == "approved"
    year_end = plan_figures(plan=late.plan, as_of=date(2020, 12, 31)).counts
    assert year_end["awaiting_confirmation"] == 2
    assert CompletionReview.objects.filter(decision="return").count() == 1
