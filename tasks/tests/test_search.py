"""Vietnamese search: accent- and case-insensitive, the same on SQLite and PostgreSQL."""

import re

import pytest
from django.urls import reverse

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory


def _codes(response) -> set[str]:
    return set(re.findall(r'data-task="([^"]+)"', response.content.decode()))


@pytest.fixture
def searchable(db, client):
    unit = UnitFactory(code="VU-DL")
    TaskFactory(code="NV-01", title="Đo lường quốc gia", lead_unit=unit)
    TaskFactory(code="NV-02", title="Xây dựng quy định về mã số mã vạch", lead_unit=unit)
    TaskFactory(code="NV-03", title="Kiểm tra chất lượng", title_en="Quality inspection", lead_unit=unit)
    TaskFactory(
        code="NV-04", title="Hợp tác quốc tế", description="Đàm phán hiệp định công nhận lẫn nhau", lead_unit=unit
    )
    client.force_login(UserFactory())
    return client


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("do luong", {"NV-01"}),
        ("Đo lường", {"NV-01"}),
        ("ĐO LƯỜNG", {"NV-01"}),
        ("đo", {"NV-01"}),
        ("Do", {"NV-01"}),
        ("dinh", {"NV-02", "NV-04"}),  # "quy định", "hiệp định"
        ("định", {"NV-02", "NV-04"}),
        ("quality", {"NV-03"}),  # English title
        ("cong nhan lan nhau", {"NV-04"}),  # description
        ("nv-03", {"NV-03"}),  # code
        ("quoc", {"NV-01", "NV-04"}),
        ("luong quoc", {"NV-01"}),  # words in any position, all required
        ("khong co", set()),
        ("100%", set()),  # LIKE wildcards are escaped
        ("_", set()),
    ],
)
def test_search_folds_vietnamese_accents_and_case(searchable, query, expected):
    response = searchable.get(reverse("tasks:list"), {"q": query})

    assert response.status_code == 200
    assert _codes(response) == expected


def test_a_unit_code_or_name_finds_the_tasks_it_leads_or_coordinates(db, client):
    # given TT-MSMV leading NV-10 and coordinating NV-11, and NV-12 with nothing to do with it
    msmv = UnitFactory(code="TT-MSMV", name="Trung tâm Mã số mã vạch quốc gia", name_en="")
    other = UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn", name_en="")
    TaskFactory(code="NV-10", title="Phát triển hệ thống", lead_unit=msmv)
    TaskFactory(code="NV-11", title="Rà soát", lead_unit=other, coordinators=[msmv])
    TaskFactory(code="NV-12", title="Xây dựng tiêu chuẩn", lead_unit=other)
    client.force_login(UserFactory())
    # when the list is searched by the unit's code, part of its name, or name and a title word
    by_code = _codes(client.get(reverse("tasks:list"), {"plan": 2020, "q": "MSMV"}))
    by_name = _codes(client.get(reverse("tasks:list"), {"plan": 2020, "q": "ma vach"}))
    both = _codes(client.get(reverse("tasks:list"), {"plan": 2020, "q": "ma vach ra soat"}))
    # then the unit's tasks are found, each once
    assert (by_code, by_name, both) == ({"NV-10", "NV-11"}, {"NV-10", "NV-11"}, {"NV-11"})


def test_matches_are_highlighted_escaped_whatever_the_accents(searchable):
    # given a task whose title holds markup
    TaskFactory(code="NV-09", title="<b>Đo</b> lường & chuẩn", lead_unit=UnitFactory(code="VU-DL"))
    # when searching without accents
    html = searchable.get(reverse("tasks:list"), {"plan": 2020, "q": "do luong"}).content.decode()
    # then the accented words are marked and the markup stays text
    assert "<mark>Đo</mark> <mark>lường</mark> quốc gia" in html
    assert "&lt;b&gt;<mark>Đo</mark>&lt;/b&gt; <mark>lường</mark> &amp; chuẩn" in html


def test_highlight_ranges_fold_like_the_search():
    from plan_portal.text import highlight_ranges

    assert highlight_ranges("Đo lường ĐO", "do") == [(0, 2), (9, 11)]
    assert highlight_ranges("TT-MSMV", "msmv") == [(3, 7)]
    assert highlight_ranges("abc", "") == []
