"""The task list: filters kept in the URL, the dashboard's drill-down contract, rows and pages."""

import re
from datetime import date

import pytest
from django.urls import reverse

from plan_portal.tests.factories import (
    MembershipFactory,
    TaskFactory,
    UnitFactory,
    UserFactory,
    WorkPlanFactory,
    at,
    member,
    record_progress,
)
from tasks.models import Field, Task
from tasks.selectors import COUNT_KEYS, plan_figures


def _codes(response) -> list[str]:
    return re.findall(r'data-task="([^"]+)"', response.content.decode())


def _count(response) -> int:
    return int(re.search(r'data-testid="match-count">\s*(\d+)', response.content.decode()).group(1))


@pytest.fixture
def history(db, client):
    """A 2020 plan whose tasks went through the states the dashboard counts."""
    plan = WorkPlanFactory(year=2020)
    WorkPlanFactory(year=2019)
    tc, dl = UnitFactory(code="VU-TC"), UnitFactory(code="VU-DL")
    author = member(tc)
    MembershipFactory(unit=dl, user=author)

    def task(code, start, due, steps, **kwargs):
        t = TaskFactory(
            plan=plan, code=code, start_date=date.fromisoformat(start), due_date=date.fromisoformat(due), **kwargs
        )
        for day, status, progress in steps:
            record_progress(
                t, at=at(date.fromisoformat(day)), status=status, progress=progress, note="Ghi chú", author=author
            )
        return t

    task(
        "A-1",
        "2020-01-01",
        "2020-06-30",
        [("2020-02-01", "in_progress", 30), ("2020-06-20", "completed", 100)],
        lead_unit=tc,
    )
    task(
        "A-2",
        "2020-01-01",
        "2020-03-31",
        [("2020-02-01", "in_progress", 10), ("2020-05-01", "completed", 100)],
        lead_unit=tc,
    )
    task("A-3", "2020-01-01", "2020-04-30", [("2020-01-10", "in_progress", 5)], lead_unit=dl, field=Field.METROLOGY)
    task(
        "A-4",
        "2020-03-01",
        "2020-12-31",
        [("2020-03-05", "in_progress", 50), ("2020-07-01", "on_hold", 50)],
        lead_unit=dl,
    )
    task("A-5", "2020-01-01", "2020-12-31", [("2020-04-01", "cancelled", 0)], lead_unit=tc)
    task("A-6", "2020-05-01", "2020-09-30", [], lead_unit=dl, coordinators=[tc])
    TaskFactory(plan=WorkPlanFactory(year=2019), code="OLD-1", lead_unit=tc)
    client.force_login(UserFactory())
    return plan


@pytest.mark.parametrize("as_of", ["2020-02-15", "2020-04-15", "2020-06-25", "2020-08-01", "2021-01-15"])
def test_drill_down_rows_equal_the_dashboard_counts(history, client, as_of):
    figures = plan_figures(plan=history, as_of=date.fromisoformat(as_of))
    params = {
        "total": {},
        "completed_on_time": {"state": "completed_on_time"},
        "completed_late": {"state": "completed_late"},
        "open_within_deadline": {"state": "open_within_deadline"},
        "open_overdue": {"state": "open_overdue"},
        "not_started": {"status": "not_started"},
        "in_progress": {"status": "in_progress"},
        "on_hold": {"status": "on_hold"},
        "cancelled": {"status": "cancelled"},
        "at_risk": {"at_risk": "1"},
        "stale": {"stale": "1"},
        # Issue 11's figures, with the dashboard's links (reports.dashboard).
        "extended": {"extended": "1"},
        "awaiting_confirmation": {"awaiting_confirmation": "1"},
        "pending_requests": {"pending_request": "1"},
    }
    assert set(params) == set(COUNT_KEYS)
    shown = {
        key: _count(client.get(reverse("tasks:list"), {"plan": 2020, "as_of": as_of, **extra}))
        for key, extra in params.items()
    }
    assert shown == figures.counts


def test_as_of_shows_the_state_on_that_date(history, client):
    response = client.get(reverse("tasks:list"), {"plan": 2020, "as_of": "2020-03-01", "status": "in_progress"})

    assert _codes(response) == ["A-1", "A-2", "A-3"]


def test_default_plan_is_the_current_one(history, client):
    assert _codes(client.get(reverse("tasks:list"))) == ["A-1", "A-2", "A-3", "A-4", "A-5", "A-6"]
    assert _codes(client.get(reverse("tasks:list"), {"plan": 2019})) == ["OLD-1"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"unit": "VU-TC"}, ["A-1", "A-2", "A-5", "A-6"]),
        ({"unit": "vu-tc", "role": "lead"}, ["A-1", "A-2", "A-5"]),
        ({"unit": "VU-TC", "role": "coord"}, ["A-6"]),
        ({"status": ["completed", "on_hold"]}, ["A-1", "A-2", "A-4"]),
        ({"field": "metrology"}, ["A-3"]),
        ({"overdue": "1"}, ["A-3", "A-4", "A-6"]),
        ({"due_from": "2020-04-01", "due_to": "2020-09-30"}, ["A-1", "A-3", "A-6"]),
        ({"due_from": "01/04/2020", "due_to": "30/09/2020"}, ["A-1", "A-3", "A-6"]),
        ({"state": ["completed_late", "cancelled"]}, ["A-2", "A-5"]),
        ({"ordering": "-due"}, ["A-4", "A-5", "A-6", "A-1", "A-3", "A-2"]),
        ({"ordering": "-progress"}, ["A-1", "A-2", "A-4", "A-3", "A-5", "A-6"]),
    ],
)
def test_filters(history, client, params, expected):
    response = client.get(reverse("tasks:list"), {"plan": 2020, **params})

    assert response.status_code == 200
    assert _codes(response) == expected


@pytest.mark.parametrize(
    ("params", "param", "message"),
    [
        ({"due_from": "31/02/2020"}, "due_from", "Enter a valid date."),
        ({"as_of": "hôm qua"}, "as_of", "Enter a valid date."),
        ({"status": "done"}, "status", "Select a valid choice. done is not one of the available choices."),
        ({"unit": "KHONG-CO"}, "unit", "Unknown unit code: KHONG-CO."),
        ({"plan": "abc"}, "plan", "Enter a number."),
        ({"plan": "1999"}, "plan", "There is no work plan for 1999."),
        ({"state": "late"}, "state", "Select a valid choice. late is not one of the available choices."),
        (
            {"due_from": "2020-12-01", "due_to": "2020-01-01"},
            "due_to",
            "The end of the due-date range is before its start.",
        ),
    ],
)
def test_invalid_filter_values_get_a_clear_message_not_an_error_page(history, client, settings, params, param, message):
    settings.LANGUAGE_CODE = "en"

    response = client.get(reverse("tasks:list"), params)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html
    item = re.search(rf'<li data-param="{param}">([^<]*)</li>', html).group(1)
    assert item.endswith(message)


def test_invalid_value_in_vietnamese(history, client):
    html = client.get(reverse("tasks:list"), {"unit": "KHONG-CO"}).content.decode()

    assert "Không có đơn vị mã KHONG-CO." in html


def test_rows_show_the_translated_status_marks_and_vietnamese_dates(history, client):
    html = client.get(
        reverse("tasks:list"), {"plan": 2020, "as_of": "2020-05-15", "unit": "VU-DL", "role": "lead"}
    ).content.decode()

    assert 'class="badge status-in_progress"' in html
    assert "Đang thực hiện" in html
    assert "30/04/2020" in html  # A-3 due date, dd/mm/yyyy
    assert 'data-mark="overdue"' in html
    assert "10/01/2020" in html  # A-3 last update


def test_pagination_keeps_the_filters(db, client):
    plan = WorkPlanFactory(year=2020)
    unit = UnitFactory(code="VU-TC")
    for n in range(120):
        TaskFactory(plan=plan, code=f"T-{n:03d}", lead_unit=unit)
    client.force_login(UserFactory())

    first = client.get(reverse("tasks:list"), {"plan": 2020, "unit": "VU-TC"})
    third = client.get(reverse("tasks:list"), {"plan": 2020, "unit": "VU-TC", "page": 3})

    assert _count(first) == 120
    assert len(_codes(first)) == 50
    assert "?plan=2020&amp;unit=VU-TC&amp;page=2" in first.content.decode()
    assert _codes(third) == [f"T-{n:03d}" for n in range(100, 120)]


def test_my_tasks_lists_the_units_tasks_lead_or_coordinating(history, client):
    user = member(Task.objects.get(code="A-6").coordinations.get().unit)
    client.force_login(user)

    response = client.get(reverse("tasks:my"))

    assert _codes(response) == ["A-1", "A-2", "A-5", "A-6"]
    assert "mine=1" in response.content.decode()


def test_a_person_without_units_is_sent_from_my_tasks_to_the_list(history, client):
    response = client.get(reverse("tasks:my"))

    assert response.status_code == 302
    assert response["Location"] == reverse("tasks:list")


def test_english_page_shows_english_titles_and_labels(db, client):
    TaskFactory(code="E-1", title="Đo lường", title_en="Metrology", lead_unit=UnitFactory(code="VU-DL"))
    TaskFactory(code="E-2", title="Chỉ có tên tiếng Việt", lead_unit=UnitFactory(code="VU-TC"))
    client.force_login(UserFactory())
    client.cookies["django_language"] = "en"

    html = client.get(reverse("tasks:list")).content.decode()

    assert ">Metrology</a>" in html
    assert ">Chỉ có tên tiếng Việt</a>" in html
    assert "Not started" in html


def test_a_deactivated_unit_still_filters(history, client):
    Task.objects.get(code="A-3").lead_unit.__class__.objects.filter(code="VU-DL").update(is_active=False)

    response = client.get(reverse("tasks:list"), {"plan": 2020, "unit": "VU-DL", "role": "lead"})

    assert _codes(response) == ["A-3", "A-4", "A-6"]
    assert 'data-testid="filter-errors"' not in response.content.decode()
