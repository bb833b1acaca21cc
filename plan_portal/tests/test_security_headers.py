"""Headers, allowed methods, hostile parameters and error pages (issue 10, item 2)."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .security_world import build_security_world


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_security_world()


@pytest.fixture
def member_client(client, world):
    client.force_login(world.member)
    return client


def _consume(response) -> None:
    # Reading a streamed file to the end closes it the way the test client expects.
    if response.streaming:
        b"".join(response.streaming_content)


def _signed_in_urls(world) -> list[str]:
    return [
        reverse("tasks:my"),
        reverse("tasks:list"),
        reverse("tasks:detail", args=[world.task.pk]),
        reverse("tasks:export-xlsx"),
        reverse("tasks:export-csv"),
        reverse("reports:dashboard"),
        reverse("reports:dashboard-data"),
        reverse("units:detail", args=["VU-TC"]),
        reverse("reports:list"),
        reverse("reports:xlsx", args=[2020, 26]),
        reverse("reports:pdf", args=[2020, 26]),
    ]


def test_every_signed_in_page_export_and_report_file_is_private_and_never_stored(member_client, world):
    for url in _signed_in_urls(world):
        response = member_client.get(url)
        _consume(response)
        assert response.status_code == 200, url
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url
        assert "public" not in directives, url


def test_every_page_carries_the_security_headers_and_a_csp_without_inline_scripts(member_client, world):
    for url in [reverse("login"), *_signed_in_urls(world)]:
        response = member_client.get(url)
        _consume(response)
        csp = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
        assert directives["script-src"] == "'self'", url
        assert directives["style-src"] == "'self'", url
        assert directives["frame-ancestors"] == "'none'", url
        assert directives["object-src"] == "'none'", url
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url


def test_https_answers_carry_hsts(member_client, world):
    response = member_client.get(reverse("tasks:list"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_portal_templates_hold_no_inline_script_or_style():
    # The CSP allows only files from /static/: an inline <script>, <style> or
    # style="" would be blocked in the browser. E-mail templates are not pages.
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        if "emails" in path.parts or "pdf" in path.parts:
            continue
        text = path.read_text()
        for needle in ("<style", "style=", " onclick=", " onload=", " onchange=", " onsubmit="):
            if needle in text:
                offenders.append(f"{path.relative_to(root)}: {needle}")
        for line in text.splitlines():
            if "<script" in line and "src=" not in line and "json_script" not in line:
                offenders.append(f"{path.relative_to(root)}: {line.strip()}")
    assert offenders == []


GET_ONLY = [
    ("home", []),
    ("tasks:list", []),
    ("tasks:my", []),
    ("tasks:export-xlsx", []),
    ("reports:dashboard", []),
    ("reports:dashboard-data", []),
    ("units:detail", ["VU-TC"]),
    ("reports:list", []),
    ("reports:detail", [2020, 26]),
    ("reports:xlsx", [2020, 26]),
    ("reports:pdf", [2020, 26]),
]


def test_read_only_pages_answer_other_methods_with_405(member_client, world):
    answers = {
        (name, method): getattr(member_client, method)(reverse(name, args=args))
        for name, args in GET_ONLY
        for method in ("put", "delete", "patch", "post")
    }
    assert {key: r.status_code for key, r in answers.items()} == dict.fromkeys(answers, 405)
    assert all(r["Allow"] == "GET" for r in answers.values())


def test_healthz_answers_only_get_and_head(client, db):
    assert client.post(reverse("healthz")).status_code == 405
    assert client.head(reverse("healthz")).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/tasks/?as_of=0001-01-01", "/my/?as_of=0001-01-01", "/tasks/?as_of=9999-12-31", "/tasks/?due_from=0001-01-01"],
)
def test_a_date_far_outside_the_plan_is_refused_with_a_vietnamese_message(member_client, world, url):
    response = member_client.get(url)
    assert response.status_code == 200
    assert "Hãy dùng một ngày từ 01/01/2000 đến 31/12/2100." in response.content.decode()
    # The list falls back to today: the task is still listed.
    assert "NV-2020-01" in response.content.decode()


@pytest.mark.parametrize("url", ["/tasks/export.xlsx?as_of=0001-01-01", "/tasks/export.csv?unit=%00"])
def test_exports_ignore_a_hostile_parameter(member_client, world, url):
    response = member_client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/tasks/?unit=%00", "/my/?unit=VU%00TC", "/tasks/?unit=%00&role=lead"])
def test_a_nul_byte_in_the_unit_is_an_unknown_unit_not_a_500(member_client, world, url):
    response = member_client.get(url)
    assert response.status_code == 200
    assert "Không có đơn vị mã" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/dashboard/?as_of=0001-01-01", 200),
        ("/dashboard/?unit=%00", 200),
        ("/units/VU-TC/?as_of=0001-01-01", 200),
        ("/dashboard/data.json?as_of=0001-01-01", 400),
        ("/dashboard/data.json?unit=%00", 400),
    ],
)
def test_dashboard_pages_answer_hostile_parameters_with_a_message(member_client, world, url, status):
    response = member_client.get(url)
    assert response.status_code == status
    page = " ".join(response.json()["errors"].values()) if status == 400 else response.content.decode()
    assert ("không phải là ngày hợp lệ" in page) or ("Không có đơn vị nào có mã" in page)


# --- error pages ---------------------------------------------------------------


def test_an_unknown_page_is_a_vietnamese_404_in_the_portal_layout(member_client, world):
    response = member_client.get("/khong-co-trang-nay/")
    page = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="vi">' in page
    assert "Không tìm thấy trang" in page
    assert "portal-navbar" in page and 'data-testid="user-name"' in page


def test_a_refused_page_is_a_vietnamese_403_in_the_portal_layout(client, world):
    client.force_login(world.outsider)  # no unit, not Leadership: may not read reports
    response = client.get(reverse("reports:list"))
    page = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="vi">' in page
    assert "Bạn không được mở trang này" in page


def test_the_500_page_renders_without_a_database_or_a_request():
    # No django_db mark: any query would fail the test.
    with translation.override("vi"):
        page = render_to_string("500.html")
    assert '<html lang="vi">' in page
    assert "Đã có lỗi ở phía hệ thống" in page
    assert "portal-navbar" in page


def test_a_crash_answers_the_vietnamese_500_page(member_client, world, monkeypatch):
    def crash(user):
        raise RuntimeError("boom")

    monkeypatch.setattr("plan_portal.views.user_is_leadership", crash)
    member_client.raise_request_exception = False
    response = member_client.get(reverse("home"))
    assert response.status_code == 500
    assert "Đã có lỗi ở phía hệ thống" in response.content.decode()


def test_a_form_without_its_csrf_token_gets_the_vietnamese_403(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "lan", "password": "x"})
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hiệu lực" in response.content.decode()
    assert '<html lang="vi">' in response.content.decode()
