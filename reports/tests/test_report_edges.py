"""Reports at their edges: each day's figures of its own (cache included), the last day of a plan,
refused weeks with their messages, and a report e-mailed once."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from reports.dashboard import dashboard_data
from reports.models import ReminderLog, WeeklyReport
from reports.services import update_reminders_send, weekly_report_build, weekly_report_send

pytestmark = pytest.mark.django_db


def test_the_cached_dashboard_of_one_day_never_answers_for_another(plan_2020):
    plan, _tasks = plan_2020

    june_30 = dashboard_data(plan=plan, as_of=date(2020, 6, 30))
    july_3 = dashboard_data(plan=plan, as_of=date(2020, 7, 3))
    june_30_again = dashboard_data(plan=plan, as_of=date(2020, 6, 30))

    # T8 is completed on 01/07: in progress on 30/06, completed by 03/07
    assert (june_30["as_of"], june_30["counts"]["in_progress"], june_30["counts"]["completed_on_time"]) == (
        "2020-06-30",
        3,
        2,
    )
    assert (july_3["as_of"], july_3["counts"]["in_progress"], july_3["counts"]["completed_on_time"]) == (
        "2020-07-03",
        2,
        3,
    )
    assert june_30_again == june_30


def test_the_cached_dashboard_of_one_unit_never_answers_for_the_whole_plan(plan_2020):
    plan, tasks = plan_2020
    unit = tasks["T1"].lead_unit

    scoped = dashboard_data(plan=plan, as_of=date(2020, 6, 30), unit=unit)
    whole = dashboard_data(plan=plan, as_of=date(2020, 6, 30))

    assert (scoped["unit"], scoped["counts"]["total"]) == ("DV-A", 5)
    assert (whole["unit"], whole["counts"]["total"]) == (None, 9)


@pytest.mark.parametrize(
    ("iso_year", "iso_week", "message"),
    [
        (2020, 40, "Week 2020-W40 is outside the 2020 plan."),
        (2020, 22, "Week 2020-W22 is outside the 2020 plan."),
        (2021, 53, "Week 53 of 2021 does not exist."),
    ],
)
def test_a_week_the_plan_does_not_have_is_refused_with_its_reason(world, iso_year, iso_week, message):
    with translation.override("en"), pytest.raises(ValidationError) as refusal:
        weekly_report_build(plan=world["plan"], iso_year=iso_year, iso_week=iso_week)

    assert refusal.value.message_dict == {"iso_week": [message]}
    assert WeeklyReport.objects.count() == 0


def test_the_first_and_last_weeks_of_the_plan_are_built(world):
    # The plan runs 01/06 (W23) to 31/07 (W31).
    first = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=23)
    last = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=31)

    assert (first.period_start, last.period_end) == (date(2020, 6, 1), date(2020, 8, 2))


def test_reminders_go_on_the_plan_last_day_and_stop_after_it(world):
    # 31/07/2020, the plan's last day, is a Friday: VU-A (NV-02) and VU-B (NV-04, NV-05) have
    # work in progress and posted nothing that week.
    assert update_reminders_send(today=date(2020, 7, 31)) == 2
    assert sorted(code for code in ReminderLog.objects.values_list("unit__code", flat=True)) == ["VU-A", "VU-B"]
    assert sorted(tuple(message.to) for message in mail.outbox) == [
        ("head-a@example.vn",),
        ("staff-a@example.vn",),
        ("staff-b@example.vn",),
    ]

    mail.outbox.clear()
    assert update_reminders_send(today=date(2020, 8, 7)) == 0
    assert mail.outbox == []


def test_a_report_is_sent_once_and_a_second_call_sends_nothing(world):
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    assert weekly_report_send(report=report) == 2
    first_sent = WeeklyReport.objects.get(pk=report.pk).emailed_at

    assert weekly_report_send(report=report) == 0

    assert len(mail.outbox) == 2
    assert WeeklyReport.objects.get(pk=report.pk).emailed_at == first_sent


def test_a_report_with_nobody_to_send_to_is_marked_sent_without_mail(world):
    for user in (world["leader"], world["head_a"]):
        user.email = ""
        user.save()
    report = weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)

    assert weekly_report_send(report=report) == 0

    assert mail.outbox == []
    assert WeeklyReport.objects.get(pk=report.pk).emailed_at is not None


@pytest.mark.parametrize(
    ("raw", "accepted"),
    [
        ("2000-01-01", True),
        ("1999-12-31", False),
        ("2100-12-31", True),
        ("2101-01-01", False),
        ("2020-6-30", False),
        ("20200630", False),
        ("2020-02-30", False),
    ],
)
def test_the_dashboard_accepts_days_from_2000_to_2100_written_in_full(plan_2020, raw, accepted):
    from django.http import QueryDict

    from reports.dashboard import dashboard_parse_params
    from tasks.selectors import local_today

    with translation.override("en"):
        params = dashboard_parse_params(QueryDict(f"plan=2020&as_of={raw}"))

    if accepted:
        assert (params.as_of.isoformat(), params.errors) == (raw, [])
    else:
        assert params.as_of == local_today()
        assert [(error.param, error.message) for error in params.errors] == [
            ("as_of", f"“{raw}” is not a valid date; use the form dd/mm/yyyy, e.g. 30/06/2020.")
        ]
    assert params.plan.year == 2020


def test_a_reminder_is_in_vietnamese_and_links_to_my_tasks(world, settings):
    settings.REPORT_BASE_URL = "https://kehoach.tcvn.gov.vn/"

    with translation.override("en"):  # whoever runs the job, the e-mail is in the agency's language
        update_reminders_send(today=date(2020, 6, 26))

    [message] = mail.outbox
    assert message.subject == "Nhắc việc: đề nghị cập nhật tiến độ tuần này (VU-B, 2020-W26)"
    from django.urls import reverse

    assert f"https://kehoach.tcvn.gov.vn{reverse('tasks:my')}\n" in message.body


def test_a_unit_already_reminded_this_week_does_not_stop_the_others(world):
    from django.utils import timezone

    # VU-A comes first and was reminded earlier this week (31/07/2020, a Friday)
    ReminderLog.objects.create(unit=world["unit_a"], iso_year=2020, iso_week=31, sent_at=timezone.now())

    assert update_reminders_send(today=date(2020, 7, 31)) == 1

    assert [tuple(message.to) for message in mail.outbox] == [("staff-b@example.vn",)]


def test_no_reminder_for_a_plan_that_has_not_started_yet(world):
    from plan_portal.tests.factories import TaskFactory, at, record_progress
    from tasks.models import Status, WorkPlan

    # Next year's plan is loaded early and one of its tasks already had an update
    plan_2021 = WorkPlan.objects.create(
        year=2021, title="Kế hoạch công tác năm 2021", start_date=date(2021, 1, 1), end_date=date(2021, 12, 31)
    )
    early = TaskFactory(plan=plan_2021, code="NV-2021-01", lead_unit=world["unit_a"], due_date=date(2021, 6, 30))
    record_progress(early, at=at(date(2020, 11, 20)), status=Status.IN_PROGRESS, progress=5)  # nothing since

    # On a Friday of 2020 after the 2020 plan ended, nobody is reminded
    assert update_reminders_send(today=date(2020, 12, 4)) == 0
    assert mail.outbox == []
