"""Talking about tasks (issue 12, items 1-2): comments with mentions, and urging
notes (đôn đốc) on one task or on all of a unit's overdue tasks at once."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, WorkPlanFactory, member, record_progress
from plan_portal.tests.factories import at as local_at
from tasks.comments import (
    comment_create,
    comment_delete,
    comment_edit,
    mentioned_usernames,
    urging_create,
    urgings_create_for_unit_overdue,
)
from tasks.models import Comment, DueDateChange, Status, Urging
from tasks.timeline import timeline_key_queries

from .conftest import ROLES

pytestmark = pytest.mark.django_db


def _ago(**delta):
    return timezone.now() - timedelta(**delta)


# --- who may do what ------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_who_reads_the_task_may_comment_and_anonymous_is_sent_to_sign_in(world, as_user, role):
    # Given a person of each role
    client = as_user(world.users[role])

    # When they post a comment
    response = client.post(reverse("tasks:comment-create", args=[world.task.pk]), {"body": "Đề nghị cho ý kiến"})

    # Then signed-in people comment; anonymous is sent to the sign-in page and nothing is written
    assert response.status_code == 302
    if role == "anonymous":
        assert "/login/" in response["Location"] or "/dang-nhap/" in response["Location"]
        assert Comment.objects.count() == 0
    else:
        comment = Comment.objects.get()
        assert (comment.author, comment.body) == (world.users[role], "Đề nghị cho ý kiến")
        assert response["Location"] == reverse("tasks:detail", args=[world.task.pk]) + f"#comment-{comment.pk}"


def test_an_inactive_account_may_not_comment(world):
    # Given a deactivated account
    person = UserFactory(username="nghi-huu", is_active=False)

    # When the service is asked to comment for it
    with pytest.raises(PermissionDenied):
        comment_create(task=world.task, author=person, body="Xin chào")

    # Then nothing is written
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Hãy viết nội dung bình luận."),
        ("   \n ", "Hãy viết nội dung bình luận."),
        ("x" * 4001, "Nội dung quá dài (4001 ký tự; tối đa 4000)."),
    ],
)
def test_an_empty_or_too_long_comment_is_refused_in_vietnamese_and_nothing_changes(world, as_user, body, message):
    # Given a member of the coordinating unit
    client = as_user(world.users["coord_staff"])

    # When they post an empty or too long comment
    response = client.post(reverse("tasks:comment-create", args=[world.task.pk]), {"body": body})

    # Then the page comes back with the reason, and nothing is written
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Comment.objects.count() == 0


def test_a_comment_of_exactly_4000_characters_is_accepted(world):
    comment = comment_create(task=world.task, author=world.users["coord_staff"], body="ư" * 4000)

    assert len(Comment.objects.get(pk=comment.pk).body) == 4000


@pytest.mark.parametrize(
    ("who", "age", "allowed"),
    [
        ("author", {"minutes": 14, "seconds": 50}, True),
        ("author", {"minutes": 15, "seconds": 10}, False),
        ("author", {"days": 3}, False),
        ("other", {"minutes": 1}, False),
        ("leadership", {"minutes": 1}, False),
        ("superuser", {"minutes": 1}, True),
        ("superuser", {"days": 3}, True),
    ],
)
@pytest.mark.parametrize("action", ["edit", "delete"])
def test_the_author_changes_a_comment_within_15_minutes_and_later_only_a_superuser(
    world, as_user, who, age, allowed, action
):
    # Given a comment posted some time ago by a member of the lead unit
    author = world.users["lead_staff"]
    comment = comment_create(task=world.task, author=author, body="Bản gốc", at=_ago(**age))
    person = {
        "author": author,
        "other": world.users["coord_staff"],
        "leadership": world.users["leadership"],
        "superuser": world.users["admin"],
    }[who]

    # When that person edits or deletes it
    url = reverse(f"tasks:comment-{action}", args=[comment.pk])
    response = as_user(person).post(url, {"body": "Bản sửa", "version": "1"})

    # Then it changes only within the rule; a refusal is a 403 that changes nothing
    comment.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert (comment.body, comment.deleted_at is None) == (("Bản sửa", True) if action == "edit" else ("", False))
    else:
        assert response.status_code == 403
        assert (comment.body, comment.deleted_at, comment.version) == ("Bản gốc", None, 1)


def test_a_refused_edit_names_the_reason_in_vietnamese_and_changes_nothing(world, as_user):
    # Given a fresh comment
    comment = comment_create(task=world.task, author=world.users["lead_staff"], body="Bản gốc")

    # When its author empties it
    response = as_user(world.users["lead_staff"]).post(
        reverse("tasks:comment-edit", args=[comment.pk]), {"body": "", "version": "1"}
    )

    # Then the page says why and the comment is as it was
    assert response.status_code == 422
    assert "Hãy viết nội dung bình luận." in response.content.decode()
    comment.refresh_from_db()
    assert (comment.body, comment.version, comment.history.count()) == ("Bản gốc", 1, 1)


def test_an_edit_from_a_stale_page_is_a_conflict_and_changes_nothing(world, as_user):
    # Given a comment its author already edited once (version 2)
    author = world.users["lead_staff"]
    comment = comment_create(task=world.task, author=author, body="Một")
    comment_edit(comment=comment, user=author, body="Hai", expected_version=1)

    # When a second tab, shown version 1, saves
    response = as_user(author).post(reverse("tasks:comment-edit", args=[comment.pk]), {"body": "Ba", "version": "1"})

    # Then it is refused with a conflict
    assert response.status_code == 409
    comment.refresh_from_db()
    assert (comment.body, comment.version) == ("Hai", 2)


def test_a_deleted_comment_shows_as_deleted_and_the_audit_history_keeps_every_text(world, as_user):
    # Given a comment edited once, then deleted by its author
    author = world.users["lead_staff"]
    comment = comment_create(task=world.task, author=author, body="Bản đầu Alpha")
    comment_edit(comment=comment, user=author, body="Bản sửa Beta")
    comment_delete(comment=comment, user=author)

    # When anyone reads the task, and a superuser opens the comment in the admin
    page = as_user(world.users["other_staff"]).get(reverse("tasks:detail", args=[world.task.pk])).content.decode()
    admin_page = as_user(world.users["admin"]).get(reverse("admin:tasks_comment_change", args=[comment.pk]))

    # Then the timeline says "deleted" without the text; the history keeps both texts in order
    assert "Bình luận đã bị xóa." in page
    assert "Alpha" not in page and "Beta" not in page
    history = list(comment.history.order_by("history_date", "history_id").values_list("body", "history_type"))
    assert history == [("Bản đầu Alpha", "+"), ("Bản sửa Beta", "~"), ("", "~")]
    assert admin_page.status_code == 200
    assert "Bản đầu Alpha" in admin_page.content.decode()
    assert "Bản sửa Beta" in admin_page.content.decode()


def test_a_deleted_comment_can_be_neither_edited_nor_deleted_again(world):
    comment = comment_create(task=world.task, author=world.users["lead_staff"], body="Sẽ xoá")
    comment_delete(comment=comment, user=world.users["lead_staff"])

    with pytest.raises(ValidationError):
        comment_edit(comment=comment, user=world.users["admin"], body="Hồi sinh")

    comment.refresh_from_db()
    assert (comment.body, comment.history.count()) == ("", 2)


# --- rendering: links, escaping, mentions -------------------------------------------------


def test_links_are_clickable_and_markup_is_escaped(world, as_user):
    # Given a comment holding markup and a link
    body = '<script>alert("x")</script> xem https://tcvn.gov.vn/van-ban?so=1&nam=2020 <b>gấp</b>'
    comment_create(task=world.task, author=world.users["coord_staff"], body=body)

    # When the task page is read
    page = as_user(world.users["lead_staff"]).get(reverse("tasks:detail", args=[world.task.pk])).content.decode()

    # Then the link is clickable and nothing typed becomes markup
    assert (
        '<a href="https://tcvn.gov.vn/van-ban?so=1&amp;nam=2020" rel="nofollow">'
        "https://tcvn.gov.vn/van-ban?so=1&amp;nam=2020</a>"
    ) in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;b&gt;gấp&lt;/b&gt;" in page
    assert '<script>alert("x")' not in page


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ("@lead xem giúp", ["lead"]),
        ("Gửi @lead, @head và @lead.", ["lead", "head"]),
        ("thư lead@tcvn.gov.vn", []),
        ("https://tcvn.gov.vn/@lead", []),
        ("(@vu-tc.head)", ["vu-tc.head"]),
    ],
)
def test_mentions_are_read_from_at_usernames(body, names):
    assert mentioned_usernames(body) == names


def test_only_people_who_may_read_the_task_are_mentioned(world, as_user):
    # Given an active colleague, a deactivated account and a name nobody has
    UserFactory(username="da-nghi", is_active=False)

    # When a comment names all three
    comment = comment_create(
        task=world.task, author=world.users["coord_staff"], body="Nhờ @lead, @da-nghi và @khong-co xem"
    )

    # Then only the reader is mentioned (stored and returned for notifications) and shown as a mention
    assert [person.username for person in comment.mentioned_users] == ["lead"]
    assert list(comment.mentions.values_list("username", flat=True)) == ["lead"]
    page = as_user(world.users["head"]).get(reverse("tasks:detail", args=[world.task.pk])).content.decode()
    assert page.count('data-testid="mention"') == 1
    assert ">@lead</span>" in page
    assert "@da-nghi" in page  # plain text, not a mention


def test_an_edit_returns_only_the_newly_mentioned_people(world):
    author = world.users["coord_staff"]
    comment = comment_create(task=world.task, author=author, body="@lead xem")

    edited = comment_edit(comment=comment, user=author, body="@lead và @head xem")

    assert [person.username for person in edited.mentioned_users] == ["head"]
    assert sorted(edited.mentions.values_list("username", flat=True)) == ["head", "lead"]


def test_the_autocomplete_finds_people_by_name_or_user_name_without_accents(world, as_user):
    # Given colleagues with Vietnamese names, one of them deactivated
    UserFactory(username="vu-tc-an", first_name="An", last_name="Nguyễn Văn")
    UserFactory(username="vu-dl-binh", first_name="Bình", last_name="Trần Thị")
    UserFactory(username="vu-tc-cu", first_name="Cường", last_name="Nguyễn", is_active=False)
    client = as_user(world.users["coord_staff"])
    url = reverse("tasks:mention-candidates", args=[world.task.pk])

    # When someone types parts of names without accents, or of a user name
    by_name = client.get(url, {"q": "nguyen van"}).json()
    by_accentless = client.get(url, {"q": "binh"}).json()
    by_username = client.get(url, {"q": "vu-tc"}).json()

    # Then the active matches come back, with their names
    assert by_name == {"people": [{"username": "vu-tc-an", "name": "Nguyễn Văn An"}]}
    assert by_accentless == {"people": [{"username": "vu-dl-binh", "name": "Trần Thị Bình"}]}
    assert [p["username"] for p in by_username["people"]] == ["vu-tc-an"]


# --- urging -----------------------------------------------------------------------------

URGE_ALLOWED = {"leadership", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_only_a_decider_urges_a_task(world, as_user, role):
    # Given a person of each role
    client = as_user(world.users[role])

    # When they send an urging note on the task
    response = client.post(reverse("tasks:urge", args=[world.task.pk]), {"note": "Đề nghị khẩn trương hoàn thành"})

    # Then only deciders send it; everyone else signed in gets a 403 and nothing is written
    if role == "anonymous":
        assert response.status_code == 302 and Urging.objects.count() == 0
    elif role in URGE_ALLOWED:
        urging = Urging.objects.get()
        assert response.status_code == 302
        assert (urging.author, urging.unit.code, urging.note) == (
            world.users[role],
            "VU-TC",
            "Đề nghị khẩn trương hoàn thành",
        )
    else:
        assert response.status_code == 403
        assert Urging.objects.count() == 0


def test_an_urging_without_a_note_is_refused_in_vietnamese(world, as_user):
    response = as_user(world.users["leadership"]).post(reverse("tasks:urge", args=[world.task.pk]), {"note": " "})

    assert response.status_code == 422
    assert "Hãy viết nội dung đôn đốc." in response.content.decode()
    assert Urging.objects.count() == 0


def test_an_urging_shows_in_the_timeline_marked_as_such(world, as_user):
    urging_create(task=world.task, author=world.users["leadership"], note="Đề nghị báo cáo trước 15/7")

    page = as_user(world.users["lead_staff"]).get(reverse("tasks:detail", args=[world.task.pk])).content.decode()

    assert 'data-kind="urging"' in page
    assert "task-timeline-urging" in page
    assert "Đôn đốc" in page
    assert "Đề nghị báo cáo trước 15/7" in page


@pytest.fixture
def overdue_world(db):
    """Unit VU-A leads: two tasks overdue today, one completed late, one not yet due,
    one whose due date was extended into the future; VU-B leads one overdue task."""
    today = timezone.localdate()
    plan = WorkPlanFactory(year=today.year, start_date=date(today.year, 1, 1), end_date=date(today.year, 12, 31))
    a, b = UnitFactory(code="VU-A"), UnitFactory(code="VU-B")
    past, future = today - timedelta(days=1), today + timedelta(days=30)
    start = past - timedelta(days=30)

    def task(code, unit, due):
        return TaskFactory(plan=plan, code=code, lead_unit=unit, start_date=start, due_date=due)

    tasks = {
        "A1": task("A1", a, past),
        "A2": task("A2", a, past - timedelta(days=10)),
        "A3": task("A3", a, past),
        "A4": task("A4", a, future),
        "A5": task("A5", a, future),
        "B1": task("B1", b, past),
    }
    record_progress(tasks["A3"], at=_ago(hours=1), status=Status.COMPLETED, progress=100)
    # A5 was due yesterday until an extension moved it a month on.
    DueDateChange.objects.create(
        task=tasks["A5"],
        old_due_date=past,
        new_due_date=future,
        effective_at=_ago(days=2),
        decided_by=UserFactory(username="quyet-dinh"),
    )
    return {"plan": plan, "a": a, "b": b, "tasks": tasks}


def test_urging_a_unit_creates_one_urging_per_task_overdue_today_in_one_act(overdue_world):
    # Given a member of Leadership
    lanhdao = UserFactory(username="lanhdao-urge", leadership=True)

    # When they urge VU-A's overdue tasks
    urgings = urgings_create_for_unit_overdue(unit=overdue_world["a"], author=lanhdao, note="Khẩn trương")

    # Then exactly the two tasks overdue today get one urging each, sharing one batch
    assert sorted(u.task.code for u in urgings) == ["A1", "A2"]
    assert sorted(Urging.objects.values_list("task__code", flat=True)) == ["A1", "A2"]
    assert Urging.objects.values("batch").distinct().count() == 1
    assert set(Urging.objects.values_list("unit__code", "note")) == {("VU-A", "Khẩn trương")}


def test_urging_a_unit_costs_the_same_queries_for_2_or_40_overdue_tasks(overdue_world, django_assert_max_num_queries):
    # Given a decider, and VU-B with 40 overdue tasks
    lanhdao = UserFactory(username="lanhdao-urge", leadership=True)
    lanhdao = type(lanhdao).objects.get(pk=lanhdao.pk)
    lanhdao.has_perm("tasks.decide_request")  # the permission cache is filled once, outside the count
    today = timezone.localdate()
    for n in range(39):
        TaskFactory(
            plan=overdue_world["plan"],
            code=f"B-{n:02d}",
            lead_unit=overdue_world["b"],
            start_date=today - timedelta(days=60),
            due_date=today - timedelta(days=3),
        )

    # When both units are urged, then each act takes the same eight queries at most
    # (savepoint, the overdue tasks' ids, one bulk insert, the plan's figures version, release;
    # and the notifications: the unit's people, their e-mail choices, one bulk insert)
    with django_assert_max_num_queries(8):
        small = urgings_create_for_unit_overdue(unit=overdue_world["a"], author=lanhdao, note="Một")
    with django_assert_max_num_queries(8):
        large = urgings_create_for_unit_overdue(unit=overdue_world["b"], author=lanhdao, note="Hai")
    assert (len(small), len(large)) == (2, 40)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("staff", 403), ("head", 403), ("leadership", 302)],
)
def test_only_a_decider_urges_a_units_overdue_tasks_from_the_unit_page(overdue_world, client, role, expected):
    # Given the head or staff of VU-A, or Leadership
    person = (
        UserFactory(username="ld", leadership=True)
        if role == "leadership"
        else member(overdue_world["a"], role, username=f"vu-a-{role}")
    )
    client.force_login(person)

    # When they post the unit page's urging form
    response = client.post(
        reverse("units:urge-overdue", args=["VU-A"]), {"note": "Đề nghị hoàn thành", "plan": overdue_world["plan"].year}
    )

    # Then only Leadership urges
    assert response.status_code == expected
    assert Urging.objects.count() == (2 if expected == 302 else 0)


def test_the_unit_page_counts_the_urgings_per_task_and_in_total(overdue_world, client):
    # Given two urging acts on VU-A and one single urging on A1
    lanhdao = UserFactory(username="ld", leadership=True)
    urgings_create_for_unit_overdue(unit=overdue_world["a"], author=lanhdao, note="Lần 1")
    urgings_create_for_unit_overdue(unit=overdue_world["a"], author=lanhdao, note="Lần 2")
    urging_create(task=overdue_world["tasks"]["A1"], author=lanhdao, note="Riêng A1")
    client.force_login(lanhdao)

    # When the unit page is read
    response = client.get(reverse("units:detail", args=["VU-A"]))
    page = response.content.decode()

    # Then it shows 5 in total, A1 urged 3 times and A2 twice, and the urging form
    assert response.context["urgings"]["total"] == 5
    assert [(r["task__code"], r["n"]) for r in response.context["urgings"]["by_task"]] == [("A1", 3), ("A2", 2)]
    assert 'data-testid="urgings-total">5<' in page
    assert [(row["code"], row["urgings"]) for row in response.context["data"]["overdue"]] == [("A2", 2), ("A1", 3)]
    assert 'data-testid="urge-overdue-form"' in page


def test_an_empty_urging_note_for_a_unit_is_refused_in_vietnamese(overdue_world, client):
    client.force_login(UserFactory(username="ld", leadership=True))

    response = client.post(reverse("units:urge-overdue", args=["VU-A"]), {"note": ""})

    assert response.status_code == 422
    assert "Hãy viết nội dung đôn đốc." in response.content.decode()
    assert Urging.objects.count() == 0


def test_urgings_show_on_each_urged_tasks_timeline(overdue_world, client):
    lanhdao = UserFactory(username="ld", leadership=True)
    urgings_create_for_unit_overdue(unit=overdue_world["a"], author=lanhdao, note="Đôn đốc chung")
    client.force_login(lanhdao)

    pages = {
        code: client.get(reverse("tasks:detail", args=[overdue_world["tasks"][code].pk])).content.decode()
        for code in ("A1", "A2", "A4")
    }

    assert ["Đôn đốc chung" in pages[code] for code in ("A1", "A2", "A4")] == [True, True, False]


# --- cost ------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 500])
def test_the_task_page_costs_a_fixed_number_of_queries_with_5_or_500_comments(
    world, as_user, django_assert_max_num_queries, count
):
    # Given comments (every fifth mentioning someone) and urgings on a task with updates
    record_progress(world.task, at=local_at(date(2020, 3, 2)), status=Status.IN_PROGRESS, progress=10)
    authors = [world.users[role] for role in ("lead_staff", "coord_staff", "other_staff", "head")]
    now = timezone.now()
    comments = Comment.objects.bulk_create(
        Comment(
            task=world.task,
            author=authors[n % 4],
            body=f"Bình luận {n}" + (" @lead" if n % 5 == 0 else ""),
            created_at=now - timedelta(minutes=n),
        )
        for n in range(count)
    )
    Comment.mentions.through.objects.bulk_create(
        Comment.mentions.through(comment_id=c.pk, user_id=world.users["lead_staff"].pk) for c in comments[::5]
    )
    for _ in range(3):
        urging_create(task=world.task, author=world.users["leadership"], note="Đôn đốc")
    client = as_user(world.users["lead_staff"])
    client.get(reverse("tasks:detail", args=[world.task.pk]))  # warm the per-process caches

    # When the page is read, then its cost does not depend on the number of comments
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(reverse("tasks:detail", args=[world.task.pk]))
    # and it shows one page of the timeline: 20 events (3 urgings, the update, comments) at most
    page = response.content.decode()
    assert page.count('data-testid="timeline-item"') == min(count + 4, 20)


# Measured with 5 comments on PostgreSQL; the same limit holds with 500 (SQLite reads the timeline's keys per kind).
# Notifications added two: the bell's unread count and whether the person follows the task.
PAGE_QUERIES = 24 + timeline_key_queries()


@pytest.mark.parametrize(("leadership", "shown"), [(True, True), (False, False)])
def test_the_dashboards_overdue_list_offers_deciders_one_urging_form_per_lead_unit(
    overdue_world, client, leadership, shown
):
    # Given a Leadership member, or a staff member of VU-A
    person = UserFactory(username="ld", leadership=True) if leadership else member(overdue_world["a"], username="nv")
    client.force_login(person)

    # When they read the dashboard
    page = client.get(reverse("reports:dashboard"), {"plan": overdue_world["plan"].year}).content.decode()

    # Then deciders get a form for each unit with overdue tasks listed, nobody else any
    forms = [f'action="{reverse("units:urge-overdue", args=[code])}"' in page for code in ("VU-A", "VU-B")]
    assert forms == [shown, shown]
