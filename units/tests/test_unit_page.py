"""/units/<code>/: the dashboard scoped to the tasks one unit leads."""

import pytest

from plan_portal.tests.factories import UserFactory

# The hand-built 2020 plan of the dashboard tests (root conftest): DV-A leads five tasks, DV-B four.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache", "plan_2020")]


@pytest.fixture
def reader(client):
    client.force_login(UserFactory(username="doc-gia"))
    return client


def test_unit_page_counts_only_the_tasks_the_unit_leads(reader):
    response = reader.get("/units/DV-A/", {"plan": "2020", "as_of": "2020-06-30"})

    data = response.context["data"]
    assert response.status_code == 200
    assert data["unit"] == "DV-A"
    assert data["counts"]["total"] == 5
    assert [row["code"] for row in data["overdue"]] == ["T7"]
    assert "Vụ A" in response.content.decode()


def test_unit_code_is_matched_without_regard_to_case(reader):
    assert reader.get("/units/dv-a/").context["unit"].code == "DV-A"


def test_unknown_unit_is_not_found_and_anonymous_must_sign_in(client, reader):
    assert reader.get("/units/KHONG-CO/").status_code == 404
    reader.logout()
    assert client.get("/units/DV-A/").status_code == 302


def test_units_ranking_on_the_dashboard_links_to_the_unit_pages(reader):
    html = reader.get("/dashboard/", {"plan": "2020", "as_of": "2020-06-30"}).content.decode()

    assert 'href="/units/DV-A/?plan=2020&amp;as_of=2020-06-30"' in html
    assert 'href="/units/DV-B/?plan=2020&amp;as_of=2020-06-30"' in html
