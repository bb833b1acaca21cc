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
