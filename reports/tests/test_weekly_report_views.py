import pytest
from django.urls import reverse

from reports.services import weekly_report_build

pytestmark = pytest.mark.django_db

URL_NAMES = ("reports:detail", "reports:xlsx", "reports:pdf")


@pytest.fixture
def reports(world):
    return [weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=w) for w in (25, 26)]


def status(client, url) -> int:
    response = client.get(url)
    if response.streaming:
        # Reading to the end closes the file (the test client's wrapper does it).
        b"".join(response.streaming_content)
    return response.status_code


def urls():
    return [reverse("reports:list")] + [reverse(name, args=[2020, 26]) for name in URL_NAMES]


def test_anonymous_visitors_are_sent_to_sign_in(client, reports):
    for url in urls():
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["leader", "staff_a", "staff_b", "head_a"])
def test_leadership_and_every_unit_member_read_pages_and_files(client, world, reports, who):
    client.force_login(world[who])

    assert [status(client, url) for url in urls()] == [200, 200, 200, 200]
    pdf = client.get(reverse("reports:pdf", args=[2020, 26]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content)[:5] == b"%PDF-"
    assert 'filename="bao-cao-tuan-2020-W26.pdf"' in pdf["Content-Disposition"]


def test_an_account_with_no_unit_and_no_leadership_role_reads_nothing(client, world, reports):
    client.force_login(world["outsider"])

    assert [status(client, url) for url in urls()] == [403, 403, 403, 403]


def test_an_unknown_week_is_not_found(client, world, reports):
    client.force_login(world["leader"])

    assert client.get(reverse("reports:detail", args=[2020, 30])).status_code == 404
    assert status(client, reverse("reports:pdf", args=[2020, 30])) == 404


def test_detail_page_shows_figures_and_the_change_against_the_previous_week(client, world, reports):
    client.force_login(world["leader"])

    html = client.get(reverse("reports:detail", args=[2020, 26])).content.decode()

    assert "Báo cáo tuần – Tuần 26/2020 (22/06–28/06)" in html
    assert "Hoàn thành đúng hạn" in html
    assert "+1 so với tuần trước" in html  # NV-01 completed on time this week
    assert "Chờ bố trí kinh phí" in html
    assert "Vụ Đo lường (VU-B)" in html


def test_list_shows_each_week_with_its_figures_and_downloads(client, world, reports):
    client.force_login(world["staff_a"])

    html = client.get(reverse("reports:list")).content.decode()

    assert html.index("Tuần 26/2020 (22/06–28/06)") < html.index("Tuần 25/2020 (15/06–21/06)")
    assert reverse("reports:xlsx", args=[2020, 26]) in html
    assert reverse("reports:pdf", args=[2020, 25]) in html


def test_pages_run_a_fixed_number_of_queries_whatever_the_number_of_reports(client, world):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world["leader"])
    weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    counts = []
    for week in (23, 24, 25):
        with CaptureQueriesContext(connection) as list_queries:
            assert client.get(reverse("reports:list")).status_code == 200
        # The report's body is cached once rendered: count the queries of a first view, then of a second.
        cache.clear()
        with CaptureQueriesContext(connection) as detail_queries:
            assert client.get(reverse("reports:detail", args=[2020, 26])).status_code == 200
        with CaptureQueriesContext(connection) as cached_queries:
            assert client.get(reverse("reports:detail", args=[2020, 26])).status_code == 200
        counts.append((len(list_queries), len(detail_queries), len(cached_queries)))
        weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=week)
    assert len(set(counts)) == 1, counts
    # the cached view skips the snapshot and the task links
    assert counts[0][2] == counts[0][1] - 2


def test_the_cached_report_body_follows_a_rebuild_of_the_previous_week(client, world):
    # Given week 26 read once (its body cached) while week 25 had no report
    client.force_login(world["leader"])
    weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=26)
    first = client.get(reverse("reports:detail", args=[2020, 26])).content.decode()
    # When week 25 is built
    weekly_report_build(plan=world["plan"], iso_year=2020, iso_week=25)
    # Then week 26 compares with it at once
    second = client.get(reverse("reports:detail", args=[2020, 26])).content.decode()
    assert "Chưa có báo cáo tuần trước để so sánh." in first
    assert "Chưa có báo cáo tuần trước để so sánh." not in second
    assert "so với tuần trước" in second


def test_a_report_leads_to_the_other_weeks_the_dashboard_and_every_task_it_lists(client, world, reports):
    # given the reports of weeks 25 and 26
    from tasks.models import Task

    client.force_login(world["leader"])
    nv01 = Task.objects.get(plan=world["plan"], code="NV-01")
    # when week 25 is read
    html = client.get(reverse("reports:detail", args=[2020, 25])).content.decode()
    # then it links to week 26 (no week 24 exists), to the dashboard as of its Sunday, and to its tasks
    assert f'href="{reverse("reports:detail", args=[2020, 26])}" rel="next"' in html
    assert 'rel="prev"' not in html
    assert f'href="{reverse("reports:dashboard")}?plan=2020&amp;as_of=2020-06-21"' in html
    # and week 26's tables link each task (NV-01 was completed that week)
    html = client.get(reverse("reports:detail", args=[2020, 26])).content.decode()
    assert f'href="{reverse("reports:detail", args=[2020, 25])}" rel="prev"' in html
    assert f'<a href="{reverse("tasks:detail", args=[nv01.pk])}">NV-01</a>' in html
