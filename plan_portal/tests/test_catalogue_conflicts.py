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
    "active": "đang hoạt động",  # Django: "Kích hoạt" (activated)
}


def _django_wording() -> dict[tuple[str | None, str], str]:
    wording: dict[tuple[str | None, str], str] = {}
    for path in DJANGO_CATALOGUES:
        for entry in polib.pofile(str(path)):
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags:
                wording.setdefault((entry.msgctxt, entry.msgid), entry.msgstr)
    return wording


def test_no_project_entry_overrides_djangos_admin_or_auth_wording_with_another_meaning():
    # given Django's own Vietnamese catalogues (admin, auth, contenttypes, core…) and the project's
    django_wording = _django_wording()
    project = polib.pofile(str(ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"))
    # when a project entry (same context and msgid) is compared with Django's wording
    conflicts = [
        (entry.msgid, entry.msgstr, django_wording[(entry.msgctxt, entry.msgid)])
        for entry in project
        if (entry.msgctxt, entry.msgid) in django_wording
        and SAME_MEANING.get(entry.msgid) != entry.msgstr
        and entry.msgstr.strip().rstrip(".").casefold()
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
