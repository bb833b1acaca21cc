"""The dashboard leads somewhere: overdue tasks are links, a finished plan shows its last week,
a date before the plan started says so."""

import pytest
from django.urls import reverse

from plan_portal.tests.factories import UserFactory
from tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client):
    client.force_login(UserFactory(username="lanhdao-dead-ends"))
    return client


def test_every_overdue_task_and_status_change_on_the_dashboard_links_to_its_page(reader, plan_2020):
    # given T4 and T7 overdue as of 30/06/2020, and T3's status change that week
    t4 = Task.objects.get(code="T4")
    # when the dashboard is read
    html = reader.get("/dashboard/?plan=2020&as_of=2020-06-30").content.decode()
    # then the overdue row is a link to the task's page
    assert f'<a href="{reverse("tasks:detail", args=[t4.pk])}"><strong>T4</strong>' in html
    data = reader.get("/dashboard/data.json?plan=2020&as_of=2020-06-30").json()
    assert [row["url"] for row in data["overdue"]] == [
        reverse("tasks:detail", args=[Task.objects.get(code=code).pk]) for code in ("T7", "T4")
    ]


def test_a_finished_plan_shows_the_changes_of_its_last_week_not_of_todays_calendar_week(reader, plan_2020):
    # given the 2020 plan read in March 2021
    data = reader.get("/dashboard/data.json?plan=2020&as_of=2021-03-01").json()
    # then "what changed" is about the plan's last week (Monday 28/12 to its end 31/12/2020)
    assert (data["week"]["start"], data["week"]["end"]) == ("2020-12-28", "2020-12-31")
    assert data["after_plan_end"] is True
    html = reader.get("/dashboard/?plan=2020&as_of=2021-03-01").content.decode()
    assert "Thay đổi trong tuần cuối của kế hoạch" in html


def test_a_date_before_the_plan_started_shows_a_warning(reader, plan_2020):
    # when the dashboard is asked for a day before 01/01/2020
    html = reader.get("/dashboard/?plan=2020&as_of=2019-12-15").content.decode()
    # then a warning says the figures mean nothing yet; a day inside the plan has none
    assert 'data-testid="before-plan-start"' in html
    assert "15/12/2019" in html and "01/01/2020" in html
    assert (
        'data-testid="before-plan-start"' not in reader.get("/dashboard/?plan=2020&as_of=2020-06-30").content.decode()
    )


def test_a_unit_with_nothing_due_yet_is_not_ranked_last_by_its_zero_rate(reader, plan_2020):
    # given DV-C, leading one task due at the end of the year, nothing completed, nothing overdue
    from plan_portal.tests.factories import TaskFactory, UnitFactory

    TaskFactory(plan=Task.objects.get(code="T1").plan, code="T10", lead_unit=UnitFactory(code="DV-C", name="Vụ C"))
    # when the dashboard ranks the units at mid-year
    data = reader.get("/dashboard/data.json?plan=2020&as_of=2020-06-30").json()
    # then DV-A and DV-B are ranked 1 and 2, and DV-C comes after them with no rank
    assert [(r["unit"], r["rank"], r["nothing_due"]) for r in data["units_ranked"]] == [
        ("DV-A", 1, False),
        ("DV-B", 2, False),
        ("DV-C", None, True),
    ]
    html = reader.get("/dashboard/?plan=2020&as_of=2020-06-30").content.decode()
    assert "chưa đến hạn" in html
