"""The project's catalogue never overrides Django's own Vietnamese wording with another meaning.

Django looks a msgid up in the project's locale/ before the contrib apps' catalogues, so a project entry
"Change" = "Chênh lệch" turned every "Change" link of the admin into "Chênh lệch". A project string that
needs another wording than Django's must carry a context (pgettext / {% translate ... context ... %}).
"""

from pathlib import Path

import django
import polib

ROOT = Path(__file__).resolve().parents[2]
DJANGO_CATALOGUES = sorted(Path(django.__file__).parent.glob("contrib/*/locale/vi/LC_MESSAGES/django.po")) + [
    Path(django.__file__).parent / "conf" / "locale" / "vi" / "LC_MESSAGES" / "django.po"
]


# Same meaning, another (better or shorter) wording: reviewed one by one.
SAME_MEANING = {
    "Administration": "Quản trị",  # Django: "Quản trị website"
    "Vietnamese": "Tiếng Việt",  # Django: "Tiếng Việt Nam"
    "Summary": "Tổng hợp",  # Django: "Tóm tắt"; both "summary"
    "version": "phiên bản",  # Django leaves it in English
    "Models in the %(name)s application": "Các mục của ứng dụng %(name)s",  # Django: "Các mô models trong"
    "Please correct the error below.": "Vui lòng sửa các lỗi dưới đây.",  # Django's lacks the plural form
    "Page not found": "Không tìm thấy trang",  # Django: "Không tìm thấy trang nào"
    "Server error": "Lỗi hệ thống",  # Django: "Lỗi máy chủ"
    "File": "Tệp",  # an attachment's file; Django leaves it in English
    "content type": "loại nội dung",  # an attachment's type; Django: "kiểu nội dung"
    "Filter": "Lọc",  # the request queue's button; Django: "Bộ lọc" (the admin's side panel)
    "Date/time": "Ngày giờ",  # Django: "Ngày/giờ"
    "None": "Không có",  # Django: "Không"
    "active": "đang hoạt động",  # Django: "Kích hoạt" (activated)
    # the password reset pages: Django's wording is clumsy ("Lập lại", "hoàn chỉnh", "Làm lại")
    "Password reset": "Đặt lại mật khẩu",
    "Password reset complete": "Đã đặt lại mật khẩu",
    "Reset my password": "Đặt lại mật khẩu",
    "Change my password": "Đổi mật khẩu",
    "Your password has been set.  You may go ahead and log in now.": "Mật khẩu của bạn đã được đặt. Bạn có thể đăng nhập ngay.",
}


def _text(entry) -> str:
    return entry.msgstr or entry.msgstr_plural.get(0, "")


def _django_wording() -> dict[tuple[str | None, str], str]:
    wording: dict[tuple[str | None, str], str] = {}
    for path in DJANGO_CATALOGUES:
        for entry in polib.pofile(str(path)):
            if _text(entry) and not entry.obsolete and "fuzzy" not in entry.flags:
                wording.setdefault((entry.msgctxt, entry.msgid), _text(entry))
    return wording


def test_no_project_entry_overrides_djangos_admin_or_auth_wording_with_another_meaning():
    # given Django's own Vietnamese catalogues (admin, auth, contenttypes, core…) and the project's
    django_wording = _django_wording()
    project = [
        *polib.pofile(str(ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po")),
        *polib.pofile(str(ROOT / "locale_vendor" / "vi" / "LC_MESSAGES" / "django.po")),
    ]
    # when a project entry (same context and msgid) is compared with Django's wording
    conflicts = [
        (entry.msgid, _text(entry), django_wording[(entry.msgctxt, entry.msgid)])
        for entry in project
        if (entry.msgctxt, entry.msgid) in django_wording
        and SAME_MEANING.get(entry.msgid) != _text(entry)
        and _text(entry).strip().rstrip(".").casefold()
        != django_wording[(entry.msgctxt, entry.msgid)].strip().rstrip(".").casefold()
    ]
    # then there is none
    assert DJANGO_CATALOGUES[0].exists()
    assert conflicts == []


def test_the_admin_change_link_reads_thay_doi():
    # given Django's catalogue and the project's merged by the translation machinery
    from django.utils import translation

    # when the admin asks for "Change"
    with translation.override("vi"):
        # then it gets Django's wording, and the dashboard's difference column its own
        assert translation.gettext("Change") == "Thay đổi"
        assert translation.pgettext("week-over-week difference", "Change") == "Chênh lệch"


def test_every_vendor_string_has_a_vietnamese_translation():
    # given the catalogue that fills Django's and django-celery-beat's gaps
    vendor = polib.pofile(str(ROOT / "locale_vendor" / "vi" / "LC_MESSAGES" / "django.po"))
    # then every entry is translated and none is fuzzy
    assert len(vendor) > 150
    assert ([e.msgid for e in vendor.untranslated_entries()], [e.msgid for e in vendor.fuzzy_entries()]) == ([], [])
