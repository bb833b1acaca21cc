"""The benchmark's floor page exists only for `make bench`; PostgreSQL sessions run without JIT."""

import pytest
from django.db import connection
from django.test import RequestFactory

from plan_portal.views import bench_floor

pytestmark = pytest.mark.django_db


def test_the_floor_page_is_not_routed_without_bench(client, django_user_model):
    client.force_login(django_user_model.objects.create(username="reader"))

    assert client.get("/bench/floor/").status_code == 404


def test_the_floor_answers_with_one_trivial_query(django_user_model, django_assert_num_queries):
    request = RequestFactory().get("/bench/floor/")
    request.user = django_user_model.objects.create(username="reader")

    with django_assert_num_queries(1):
        response = bench_floor(request)

    assert response.content == b"floor 1"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_postgresql_sessions_run_without_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
