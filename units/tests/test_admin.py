import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plan_portal.tests.factories import MembershipFactory, TaskFactory, UnitFactory, UserFactory
from units.models import Membership, Unit

# english, root and superuser_client come from the root conftest.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
User = get_user_model()


def queries_for(client, url) -> int:
    client.get(url)  # warm the per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def make_units(count):
    ministry = UnitFactory(code="BO-KHCN", name="Bộ Khoa học và Công nghệ", kind="ministry")
    directorate = UnitFactory(code="TCDLCL", name="Tổng cục TĐC", kind="directorate", parent=ministry)
    for _index in range(count):
        unit = UnitFactory(parent=directorate)
        MembershipFactory(unit=unit)


# --- Units ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    ["admin:units_unit_changelist", "admin:units_unit_add", "admin:units_membership_changelist"],
)
def test_unit_pages_use_the_same_number_of_queries_for_3_and_50_units(superuser_client, url_name):
    # Given 3 units with a member each
    make_units(3)
    small = queries_for(superuser_client, reverse(url_name))
    # When 47 more exist
    directorate = Unit.objects.get(code="TCDLCL")
    for _index in range(47):
        MembershipFactory(unit=UnitFactory(parent=directorate))
    # Then the page costs the same
    assert queries_for(superuser_client, reverse(url_name)) == small


def test_unit_change_form_query_count_does_not_grow_with_members(superuser_client):
    make_units(1)
    unit = Unit.objects.get(code="TCDLCL")
    MembershipFactory(unit=unit)
    url = reverse("admin:units_unit_change", args=[unit.pk])
    small = queries_for(superuser_client, url)
    MembershipFactory.create_batch(30, unit=unit)
    assert queries_for(superuser_client, url) == small


def test_unit_list_shows_the_tree_path(superuser_client):
    make_units(0)
    UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn", parent=Unit.objects.get(code="TCDLCL"))
    html = superuser_client.get(reverse("admin:units_unit_changelist")).content.decode()
    assert (
        '<span class="unit-tree unit-tree-depth-2"><span class="unit-tree-ancestor">BO-KHCN › </span>'
        '<span class="unit-tree-ancestor">TCDLCL › </span><strong>VU-TC</strong> – Vụ Tiêu chuẩn</span>'
    ) in html


@pytest.mark.parametrize("term", ["tiêu chuẩn", "tieu chuan", "TIEU CHUAN", "vu-tc"])
def test_unit_search_finds_by_name_or_code_with_or_without_accents(superuser_client, term):
    UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn")
    UnitFactory(code="VU-DL", name="Vụ Đo lường")
    response = superuser_client.get(reverse("admin:units_unit_changelist"), {"q": term})
    assert [unit.code for unit in response.context["cl"].result_list] == ["VU-TC"]


def test_unit_search_folds_d_with_stroke(superuser_client):
    UnitFactory(code="VU-DL", name="Vụ Đo lường")
    UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn")
    response = superuser_client.get(reverse("admin:units_unit_changelist"), {"q": "do luong"})
    assert [unit.code for unit in response.context["cl"].result_list] == ["VU-DL"]


def test_unit_list_filters_inactive_units(superuser_client):
    UnitFactory(code="VU-A", is_active=True)
    UnitFactory(code="VU-B", is_active=False)
    response = superuser_client.get(reverse("admin:units_unit_changelist"), {"is_active__exact": "0"})
    assert [unit.code for unit in response.context["cl"].result_list] == ["VU-B"]


def test_deleting_a_unit_that_leads_or_coordinates_tasks_is_refused_naming_the_tasks(superuser_client):
    # Given a unit leading one task and coordinating another
    unit = UnitFactory(code="VU-TC")
    TaskFactory(code="NV-01", lead_unit=unit)
    TaskFactory(code="NV-02", coordinators=[unit])
    # When an admin opens its delete page and confirms
    url = reverse("admin:units_unit_delete", args=[unit.pk])
    change_url = reverse("admin:units_unit_change", args=[unit.pk])
    for response in (superuser_client.get(url, follow=True), superuser_client.post(url, {"post": "yes"}, follow=True)):
        # Then they are sent back to the unit with a message naming the tasks
        assert response.redirect_chain == [(change_url, 302)]
        assert [str(message) for message in response.context["messages"]] == [
            "Unit VU-TC cannot be deleted: it leads or coordinates 2 tasks (NV-01, NV-02). Deactivate it instead."
        ]
    assert Unit.objects.filter(code="VU-TC").exists()


def test_bulk_delete_refuses_units_in_use_and_deletes_nothing(superuser_client):
    used = UnitFactory(code="VU-TC")
    free = UnitFactory(code="VU-FREE")
    TaskFactory(code="NV-07", lead_unit=used)
    response = superuser_client.post(
        reverse("admin:units_unit_changelist"),
        {"action": "delete_selected", "_selected_action": [used.pk, free.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Unit VU-TC cannot be deleted: it leads or coordinates task NV-07. Deactivate it instead."
    ]
    assert set(Unit.objects.values_list("code", flat=True)) >= {"VU-TC", "VU-FREE"}


def test_a_unit_without_tasks_can_be_deleted(superuser_client):
    unit = UnitFactory(code="VU-FREE")
    response = superuser_client.post(reverse("admin:units_unit_delete", args=[unit.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Unit.objects.filter(code="VU-FREE").exists()


def test_deactivate_action_deactivates_the_selected_units(superuser_client):
    unit = UnitFactory(code="VU-TC")
    other = UnitFactory(code="VU-DL")
    superuser_client.post(
        reverse("admin:units_unit_changelist"), {"action": "deactivate", "_selected_action": [unit.pk]}
    )
    assert dict(Unit.objects.values_list("code", "is_active")) == {"VU-TC": False, "VU-DL": True}
    assert other.history.count() == 1


def test_a_unit_cannot_be_moved_under_its_own_sub_unit(superuser_client):
    parent = UnitFactory(code="VU-A")
    child = UnitFactory(code="VU-B", parent=parent)
    response = superuser_client.post(
        reverse("admin:units_unit_change", args=[parent.pk]),
        {
            "code": "VU-A",
            "name": parent.name,
            "kind": "department",
            "parent": child.pk,
            "sort_order": 0,
            "is_active": "on",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"] == [
        "A unit cannot be placed under itself or one of its sub-units."
    ]
    parent.refresh_from_db()
    assert parent.parent_id is None


# --- People -----------------------------------------------------------------


def test_admin_creates_a_user_with_unit_role_and_leadership_on_one_screen(superuser_client):
    # Given a unit and the Leadership group
    unit = UnitFactory(code="VU-TC")
    leadership, _ = Group.objects.get_or_create(name="Leadership")
    # When the add form is posted with a membership row
    response = superuser_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "lan.nguyen",
            "usable_password": "true",
            "password1": "Lan-Secret-2021",
            "password2": "Lan-Secret-2021",
            "first_name": "Lan",
            "last_name": "Nguyễn",
            "email": "lan@tcvn.gov.vn",
            "groups": [leadership.pk],
            "memberships-TOTAL_FORMS": 1,
            "memberships-INITIAL_FORMS": 0,
            "memberships-0-unit": unit.pk,
            "memberships-0-role": "head",
        },
    )
    # Then the user exists with the unit, the role and the group
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="lan.nguyen")
    assert list(user.memberships.values_list("unit__code", "role")) == [("VU-TC", "head")]
    assert list(user.groups.values_list("name", flat=True)) == ["Leadership"]
    assert user.check_password("Lan-Secret-2021")


def test_user_list_shows_units_and_roles(superuser_client):
    MembershipFactory(user=UserFactory(username="lan"), unit=UnitFactory(code="VU-TC"), role="head")
    MembershipFactory(user=User.objects.get(username="lan"), unit=UnitFactory(code="VU-DL"), role="staff")
    html = superuser_client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "VU-DL (Staff), VU-TC (Head of unit)" in html or "VU-TC (Head of unit), VU-DL (Staff)" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"unit": "VU-TC"}, ["lan", "minh"]), ({"role": "head"}, ["lan"]), ({"role": "none"}, ["root", "solo"])],
)
def test_user_list_filters_by_unit_and_role(superuser_client, params, expected):
    tc, dl = UnitFactory(code="VU-TC"), UnitFactory(code="VU-DL")
    MembershipFactory(user=UserFactory(username="lan"), unit=tc, role="head")
    MembershipFactory(user=UserFactory(username="minh"), unit=tc, role="staff")
    MembershipFactory(user=UserFactory(username="hoa"), unit=dl, role="staff")
    UserFactory(username="solo")
    if "unit" in params:
        params = {"unit": Unit.objects.get(code=params["unit"]).pk}
    response = superuser_client.get(reverse("admin:auth_user_changelist"), params)
    assert sorted(user.username for user in response.context["cl"].result_list) == expected


@pytest.mark.parametrize(
    "url_name", ["admin:auth_user_changelist", "admin:auth_user_add", "admin:auth_group_changelist"]
)
def test_people_pages_use_the_same_number_of_queries_for_3_and_50_users(superuser_client, url_name):
    make_units(3)
    small = queries_for(superuser_client, reverse(url_name))
    for membership in MembershipFactory.create_batch(47):
        MembershipFactory(user=membership.user, role=Membership.Role.HEAD)
    assert queries_for(superuser_client, reverse(url_name)) == small


def test_user_change_form_query_count_does_not_grow_with_memberships(superuser_client):
    user = UserFactory(username="lan")
    MembershipFactory(user=user)
    url = reverse("admin:auth_user_change", args=[user.pk])
    small = queries_for(superuser_client, url)
    MembershipFactory.create_batch(20, user=user)
    assert queries_for(superuser_client, url) == small
