"""The dashboard pages and data.json: who may read, parameters, JSON keys, drill-down links."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from plan_portal.tests.factories import UnitFactory, member
from tasks.selectors import local_today

pytestmark = pytest.mark.django_db

JUNE_30 = {"plan": "2020", "as_of": "2020-06-30"}
COUNT_KEYS = {
    "total",
    "completed_on_time",
    "completed_late",
    "open_within_deadline",
    "open_overdue",
    "not_started",
    "in_progress",
    "on_hold",
    "cancelled",
    "at_risk",
    "stale",
    "extended",
    "awaiting_confirmation",
    "pending_requests",
}


@pytest.fixture
def staff_client(client):
    client.force_login(member(UnitFactory(code="DV-A"), username="nv-a"))
    return client


@pytest.mark.parametrize(
    "url",
    ["/dashboard/", "/dashboard/data.json", "/units/DV-A/"],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, plan_2020, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_url_names_are_the_documented_ones():
    assert reverse("reports:dashboard") == "/dashboard/"
    assert reverse("reports:dashboard-data") == "/dashboard/data.json"
    assert reverse("units:detail", args=["VU-TC"]) == "/units/VU-TC/"


def test_unit_staff_may_read_the_dashboard_and_any_unit_page(staff_client, plan_2020):
    assert staff_client.get("/dashboard/", JUNE_30).status_code == 200
    assert staff_client.get("/units/DV-B/", JUNE_30).status_code == 200
    assert staff_client.get("/dashboard/data.json", JUNE_30).status_code == 200


def test_unknown_unit_page_is_404(staff_client, plan_2020):
    assert staff_client.get("/units/NOPE/").status_code == 404
    assert staff_client.get("/units/DV%00A/").status_code == 404


def test_data_json_has_the_documented_keys(staff_client, plan_2020):
    data = staff_client.get("/dashboard/data.json", JUNE_30).json()

    assert {
        "plan",
        "as_of",
        "counts",
        "average_progress",
        "by_unit",
        "by_field",
        "burnup",
        "not_updated_units",
    } <= set(data)
    assert set(data["counts"]) == COUNT_KEYS
    assert COUNT_KEYS | {"unit"} <= set(data["by_unit"][0])
    assert COUNT_KEYS | {"field"} <= set(data["by_field"][0])
    assert {"week", "completed", "due", "average_progress"} <= set(data["burnup"][0])
    assert (data["plan"], data["as_of"], data["not_updated_units"]) == (2020, "2020-06-30", ["DV-B"])


def test_data_json_for_one_unit(staff_client, plan_2020):
    data = staff_client.get("/dashboard/data.json", {**JUNE_30, "unit": "dv-a"}).json()

    assert data["unit"] == "DV-A"
    assert data["counts"]["total"] == 5


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"as_of": "31/06/2020"}, "as_of"),
        ({"as_of": "2020-02-30"}, "as_of"),
        ({"as_of": "9999-12-31"}, "as_of"),
        ({"plan": "1999"}, "plan"),
        ({"plan": "abc"}, "plan"),
        ({"unit": "NOPE"}, "unit"),
        ({"unit": "VU\x00TC"}, "unit"),
        ({"as_of": "2020-06-30\x00"}, "as_of"),
    ],
)
def test_data_json_refuses_bad_parameters_with_a_message(staff_client, plan_2020, params, param):
    response = staff_client.get("/dashboard/data.json", params)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [param]


def test_page_with_a_bad_date_explains_and_falls_back_to_today(staff_client, plan_2020):
    response = staff_client.get("/dashboard/", {"as_of": "2020-13-01"}, HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "2020-13-01" in messages[0]
    assert response.context["params"].as_of == local_today()


def test_page_without_any_plan_says_so(staff_client):
    response = staff_client.get("/dashboard/")

    assert response.status_code == 200
    assert response.context["data"] is None
    assert staff_client.get("/dashboard/data.json").status_code == 404


class _FigureLinks(HTMLParser):
    """Collects {figure key: (href, number shown)} from the headline links."""

    def __init__(self):
        super().__init__()
        self.links: dict[str, list] = {}
        self._current = None
        self._in_count = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "data-figure" in attrs:
            self._current = attrs["data-figure"]
            self.links[self._current] = [attrs["href"], None]
        elif tag == "span" and "data-count" in attrs and self._current:
            self._in_count = True

    def handle_data(self, data):
        if self._in_count:
            self.links[self._current][1] = int(data.strip())
            self._in_count = False

    def handle_endtag(self, tag):
        if tag == "a":
            self._current = None


def _task_list_count(client, href: str) -> int:
    """How many tasks the real task list finds when the link is followed."""
    response = client.get(href)
    assert response.status_code == 200, href
    return response.context["page_obj"].paginator.count


@pytest.mark.parametrize("url", ["/dashboard/", "/units/DV-B/"])
def test_every_headline_figure_links_to_a_task_list_with_the_same_count(staff_client, plan_2020, url):
    html = staff_client.get(url, JUNE_30).content.decode()
    parser = _FigureLinks()
    parser.feed(html)

    figures = {key: value for key, value in parser.links.items() if value[1] is not None}
    assert set(figures) == COUNT_KEYS
    for key, (href, shown) in figures.items():
        assert urlsplit(href).path == "/tasks/"
        assert _task_list_count(staff_client, href) == shown, key
    assert parser.links["open_overdue"][0].startswith("/tasks/?plan=2020&as_of=2020-06-30&state=open_overdue")


def test_page_embeds_the_chart_data_and_a_table_alternative(staff_client, plan_2020):
    html = staff_client.get("/dashboard/", JUNE_30).content.decode()

    assert 'id="dashboard-data"' in html and 'id="dashboard-labels"' in html
    for canvas in ("chart-units", "chart-fields", "chart-burnup"):
        assert f'id="{canvas}"' in html
    assert html.count("<details") == 3
    assert "<script>" not in html  # no inline script: data travels as JSON


def test_see_all_overdue_link_and_week_navigation(staff_client, plan_2020):
    response = staff_client.get("/dashboard/", JUNE_30)
    data = response.context["data"]
    html = response.content.decode()

    assert _task_list_count(staff_client, data["links"]["overdue"]) == data["counts"]["open_overdue"] == 2
    assert 'href="?plan=2020&amp;as_of=2020-06-23"' in html
    assert 'href="?plan=2020&amp;as_of=2020-07-07"' in html


def test_cached_figures_are_kept_apart_per_language(staff_client, plan_2020):
    def labels(language):
        data = staff_client.get("/dashboard/data.json", JUNE_30, HTTP_ACCEPT_LANGUAGE=language).json()
        return {row["field"]: row["label"] for row in data["by_field"]}

    assert labels("vi")["standards"] == "Tiêu chuẩn"
    assert labels("en")["standards"] == "Standards"
    assert labels("vi")["standards"] == "Tiêu chuẩn"
