"""Every page a person can reach, as each role, in Vietnamese: no English left in the visible text.

A crawl from each role's home page (and /admin/ for the admin) follows every same-site link, one page
per path (query strings vary only filters), and reads the visible text of each page (no script, style or
element marked lang="en", plus title/aria-label/placeholder/alt attributes).
"""

import re
from datetime import date, datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, member
from reports.services import weekly_report_build
from tasks.comments import comment_create, urging_create
from tasks.models import Status
from tasks.services import request_create, request_decide, task_record_progress
from units.models import Membership

pytestmark = pytest.mark.django_db

# Words and phrases of the portal's and Django's English that have no business on a Vietnamese page.
ENGLISH = [
    "Add",
    "Change",
    "Delete",
    "Save",
    "Search",
    "Filter",
    "Home",
    "History",
    "Log out",
    "Sign in",
    "Sign out",
    "View site",
    "Password",
    "Username",
    "Periodic",
    "Clocked",
    "Crontab",
    "Interval",
    "Solar",
    "Please correct",
    "Show counts",
    "Leadership",
    "Required",
    "Designates",
    "Letters",
    "Update",
    "Overdue",
    "Task",
    "Unit",
    "Status",
    "Progress",
    "Week",
    "Report",
    "Dashboard",
    "Today",
    "Previous",
    "Next",
    "Select",
    "Choose",
    "Action",
    "Run",
    "Enabled",
    "Yes",
    "No",
    "None",
    "Unknown",
    "All",
    "Export",
    "Import",
    "Download",
    "Forgot",
    "Reset",
    "Email",
    "Group",
    "Permission",
    "Staff",
    "Superuser",
    "Active",
    "Name",
    "Date",
    "Plan",
    "Field",
    "Note",
    "Title",
    "Results",
    "result",
    "selected",
    "Recent actions",
    "My actions",
    "Welcome",
    "Documentation",
    "Completed",
    "In progress",
    "Not started",
    "Cancelled",
    "On hold",
    "Page",
    "of",
    "the",
    "and",
    "with",
    "for",
    "this",
    "Close",
    "Cancel",
    "Back",
    "Skip to",
    "Toggle",
    "Menu",
    "Summary",
]
PATTERN = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w-])")
SKIP = (
    "/i18n/",
    "/accounts/logout/",
    "/static/",
    "/media/",
    "export",
    ".xlsx",
    ".pdf",
    ".csv",
    ".json",
    "/delete/",
    "/history/",
    "/password/",
    "/admin/r/",
    "/import/",
    "/logout/",
)
HIDDEN_TAGS = {"script", "style", "template", "noscript"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.chunks: list[str] = []
        self.links: list[str] = []

    def _skipping(self):
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        # time zone names ("Europe/Isle of Man") are identifiers, not English
        skip = (
            tag in HIDDEN_TAGS
            or attrs.get("lang", "").startswith("en")
            or "hidden" in attrs
            or attrs.get("name") == "timezone"
        )
        if tag not in {"br", "img", "input", "meta", "link", "hr", "col", "source", "wbr"}:
            self.stack.append((tag, skip))
        if not (skip or self._skipping()):
            for name in ("title", "aria-label", "placeholder", "alt"):
                if attrs.get(name):
                    self.chunks.append(attrs[name])

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self._skipping():
            self.chunks.append(data)


def english_on(html: str) -> tuple[list[str], list[str]]:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.chunks)
    return sorted({m.group(0) for m in PATTERN.finditer(text)}), parser.links


def crawl(client, starts: list[str], limit: int = 160) -> dict[str, list[str]]:
    seen_paths: set[str] = set()
    queue = list(starts)
    found: dict[str, list[str]] = {}
    while queue and len(seen_paths) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        # one page per path, and in the admin one object's page per model
        key = re.sub(r"/\d+/", "/N/", parts.path) if parts.path.startswith("/admin/") else parts.path
        if parts.netloc or key in seen_paths or any(s in url for s in SKIP):
            continue
        seen_paths.add(key)
        response = client.get(url, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        words, links = english_on(response.content.decode())
        if words:
            found[url] = words
        queue.extend(urljoin(url, link.split("#")[0]) for link in links if link and not link.startswith("#"))
    return found


@pytest.fixture
def plan_world(db):
    lead = UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn", name_en="")
    coord = UnitFactory(code="TT-MSMV", name="Trung tâm Mã số mã vạch quốc gia", name_en="")
    first = TaskFactory(
        code="NV-01",
        title="Xây dựng tiêu chuẩn quốc gia",
        lead_unit=lead,
        due_date=date(2020, 3, 31),
        coordinators=[coord],
    )
    second = TaskFactory(code="NV-02", title="Rà soát quy chuẩn kỹ thuật", lead_unit=coord, due_date=date(2020, 12, 31))
    third = TaskFactory(code="NV-03", title="Tổng kết thi hành tiêu chuẩn", lead_unit=lead, due_date=date(2020, 6, 30))
    staff = member(lead, username="canbo")
    head = member(coord, Membership.Role.HEAD, username="truongdv")
    # Leadership decides requests (the migration's grant; transactional tests flush it)
    leadership = UserFactory(username="lanhdao", leadership=True)
    Group.objects.get(name=settings.LEADERSHIP_GROUP).permissions.add(Permission.objects.get(codename="decide_request"))
    task_record_progress(
        task=first,
        author=staff,
        status=Status.IN_PROGRESS,
        progress=30,
        note="Đã lấy ý kiến góp ý",
        recorded_at=_vn(2020, 2, 3),
        expected_version=first.version,
    )
    # the process pages: a completion awaiting confirmation, a pending request, a granted extension
    task_record_progress(
        task=third,
        author=staff,
        status=Status.COMPLETED,
        progress=100,
        note="Đã gửi báo cáo tổng kết",
        output_ref="Báo cáo số 12/BC-TC ngày 04/02/2020",
        recorded_at=_vn(2020, 2, 4),
        expected_version=third.version,
    )
    request_create(
        task=first, requester=staff, kind="extension", reason="Chờ ý kiến thẩm định của Bộ",
        proposed_due_date="2020-06-30", at=_vn(2020, 2, 5),
    )  # fmt: skip
    granted = request_create(
        task=second, requester=head, kind="extension", reason="Chờ kết quả khảo sát",
        proposed_due_date="2021-03-31", at=_vn(2020, 2, 4),
    )  # fmt: skip
    request_decide(
        task_request=granted,
        decider=leadership,
        decision="approve",
        document_ref="Công văn số 125/TĐC-VP ngày 06/02/2020",
        at=_vn(2020, 2, 6),
    )
    # Issue 12: a comment with a mention and a link, and an urging note, in the report's week.
    comment_create(
        task=first,
        author=head,
        body="Nhờ @canbo xem https://tcvn.gov.vn/du-thao",
        at=datetime(2020, 2, 4, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
    )
    urging_create(
        task=first,
        author=leadership,
        note="Đề nghị khẩn trương hoàn thành",
        at=datetime(2020, 2, 5, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
    )
    weekly_report_build(plan=first.plan, iso_year=2020, iso_week=6)
    admin = get_user_model().objects.create_superuser("quantri", "quantri@tcvn.gov.vn", "x")
    return {"staff": staff, "head": head, "leadership": leadership, "admin": admin}


def _vn(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_no_english_on_any_page_any_role_reaches_in_vietnamese(client, plan_world):
    found = {}
    for role in ("staff", "head", "leadership", "admin"):
        # given a person of that role, signed in, with the portal in Vietnamese
        client.force_login(plan_world[role])
        starts = ["/", "/my/", "/tasks/", "/dashboard/", "/reports/", "/units/VU-TC/", "/tasks/?q=xay", "/timeline/"]
        starts += ["/requests/"]
        if role == "admin":
            starts += ["/admin/", "/admin/auth/user/add/", "/admin/auth/user/?q=zzz"]
        # when every page they can reach is read
        found |= {f"{role} {url}": words for url, words in crawl(client, starts).items()}
    # then none shows an English word
    assert found == {}


def test_the_anonymous_pages_are_in_vietnamese(client, plan_world):
    # given nobody signed in; when the sign-in and password reset pages are read
    found = crawl(
        client,
        [
            "/accounts/login/",
            "/accounts/password_reset/",
            "/accounts/password_reset/done/",
            "/accounts/reset/MQ/set-password/",
            "/accounts/reset/done/",
        ],
    )
    # then they are Vietnamese
    assert found == {}


def test_the_crawl_sees_english_when_there_is_some():
    # given a page with English in its text and in a label, and an English option marked lang="en"
    html = '<p>Thay đổi</p><button aria-label="Close">x</button><option lang="en">English Change</option>'
    # then the crawl's reader names exactly the English that a person would see
    assert english_on(html)[0] == ["Close"]
