"""The shared layout and the sign-in page, in a real browser."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from plan_portal.tests.factories import PASSWORD, UserFactory

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username, password):
    page.get_by_label(re.compile("tên đăng nhập|username", re.I)).fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()


def test_anonymous_lands_on_vietnamese_login(live_server, page):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "login.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / "login-phone.png", full_page=True)


def test_sign_in_shows_name_in_navbar(live_server, page):
    UserFactory(username="nv", first_name="Nguyễn Văn", last_name="An")
    page.goto(live_server.url + "/accounts/login/")
    sign_in(page, "nv", PASSWORD)
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    expect(page.get_by_test_id("user-name")).to_have_text("Nguyễn Văn An")


def test_language_switch_to_english(live_server, page):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_wrong_password_shows_error(live_server, page):
    UserFactory(username="nv")
    page.goto(live_server.url + "/accounts/login/")
    sign_in(page, "nv", "sai-mat-khau")
    expect(page).to_have_url(re.compile("/accounts/login/"))
    expect(page.get_by_test_id("login-error")).to_be_visible()
    expect(page.locator("input[name=username]")).to_have_value("nv")
