"""Notifications (issue 12): who hears about what, preferences, e-mail exactly once, flat cost."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plan_portal.tests.factories import MembershipFactory, TaskFactory, UnitFactory, UserFactory, member
from reports.models import OutboxMessage
from tasks import services
from tasks.comments import comment_create, comment_edit, urging_create, urgings_create_for_unit_overdue
from tasks.models import Contribution, DueDateChange, EmailChoice, Notification, NotificationPreference, Status
from tasks.notifications import (
    Event,
    deadline_notifications_create,
    notification_unread_count,
    notify_comment,
    notify_events,
    notify_weekly_report_ready,
    task_follow_set,
)
from tasks.selectors import local_today
from units.models import Membership


@pytest.fixture
def eager_jobs():
    """The e-mail job runs in-process (no worker listens in these tests)."""
    from plan_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@dataclass
class Fake:
    """The bits of a comment or urging the notify functions read (talk's models come later)."""

    pk: int


def _request(world, *, by="lead_staff"):
    return services.request_create(
        task=world.task,
        requester=world.users[by],
        kind="extension",
        reason="Chờ ý kiến các bộ",
        proposed_due_date=world.task.due_date + timedelta(days=30),
    )


def _complete_and_return(world):
    services.task_record_progress(
        task=world.task,
        author=world.users["lead_staff"],
        status=Status.COMPLETED,
        progress=100,
        note="Xong",
        output_ref="QĐ 12/QĐ-TĐC",
    )
    services.completion_review(
        task=world.task, reviewer=world.users["leadership"], decision="return", comment="Thiếu biên bản"
    )


EVENTS = {
    "contribution": (
        lambda w: services.contribution_create(task=w.task, author=w.users["coord_staff"], note="Góp ý dự thảo"),
        {"lead_staff", "head"},
    ),
    "request_submitted": (lambda w: _request(w), {"lanhdao", "admin"}),
    "request_decided": (
        lambda w: services.request_decide(
            task_request=_request(w, by="lead_staff"), decider=w.users["leadership"], decision="reject", comment="Không"
        ),
        {"lead_staff", "head"},
    ),
    "completion_returned": (_complete_and_return, {"lead_staff", "head"}),
    "mention": (
        lambda w: comment_create(task=w.task, author=w.users["coord_staff"], body="@other xem giúp"),
        {"other_staff"},
    ),
    "comment": (
        lambda w: comment_create(task=w.task, author=w.users["coord_staff"], body="Hỏi đơn vị chủ trì"),
        {"lead_staff", "head"},
    ),
    "urging": (
        lambda w: urging_create(task=w.task, author=w.users["leadership"], note="Đề nghị khẩn trương hoàn thành"),
        {"lead_staff", "head"},
    ),
    "weekly_report": (
        lambda w: notify_weekly_report_ready(key="weekly_report:1:2020-W26", url="/", label="W26"),
        {"lanhdao"},
    ),
}
USERNAMES = {"lead_staff": "lead", "head": "head", "coord_staff": "coord", "other_staff": "other"}


@pytest.mark.parametrize("kind", sorted(EVENTS))
def test_each_event_notifies_exactly_the_people_named_and_no_one_else(world, kind):
    # Given the task of VU-TC (lead and head), coordinated by VU-DL, and an unrelated VU-CL
    make, expected = EVENTS[kind]

    # When the event happens
    make(world)

    # Then exactly the people named hear of it, once each
    assert told(kind) == {USERNAMES.get(name, name) for name in expected}
    assert Notification.objects.filter(kind=kind).count() == len(expected)


def test_a_follower_hears_of_contributions_and_one_who_unfollowed_does_not(world):
    # Given someone of an unrelated unit follows the task and the lead unit's head unfollowed it
    task_follow_set(user=world.users["other_staff"], task=world.task, following=True)
    task_follow_set(user=world.users["head"], task=world.task, following=False)

    # When a coordinating unit posts a contribution
    services.contribution_create(task=world.task, author=world.users["coord_staff"], note="Góp ý")

    # Then the follower hears of it, the head no longer does
    assert told("contribution") == {"lead", "other"}


def test_nobody_is_notified_of_their_own_act(world):
    # Given the contributor follows the task, and the lead unit's head may decide requests
    task_follow_set(user=world.users["coord_staff"], task=world.task, following=True)

    # When the follower posts a contribution
    services.contribution_create(task=world.task, author=world.users["coord_staff"], note="Góp ý")

    # Then everyone but the author hears of it
    assert told("contribution") == {"lead", "head"}


def test_the_head_who_requests_is_told_of_the_decision_once(world):
    # When the head (the requester and a head of the lead unit) gets a decision
    services.request_decide(
        task_request=_request(world, by="head"), decider=world.users["admin"], decision="reject", comment="Chưa đủ"
    )

    # Then the head hears of it once (and the lead unit's staff, who did not ask, not at all)
    assert told("request_decided") == {"head"}


def test_a_mention_of_someone_who_may_not_read_the_task_is_not_notified(world):
    # Given an account that was closed
    UserFactory(username="da-nghi", is_active=False)

    # When a comment mentions them and a colleague of the lead unit
    comment_create(task=world.task, author=world.users["coord_staff"], body="@da-nghi @lead xem giúp")

    # Then only the colleague is told of the mention, and is not told twice (not also of the comment)
    assert told("mention") == {"lead"}
    assert told("comment") == {"head"}


def test_an_edited_comment_tells_only_the_people_it_newly_mentions_once(world):
    # Given a comment mentioning the head
    comment = comment_create(task=world.task, author=world.users["coord_staff"], body="@head xem giúp")

    # When its author adds a mention of a colleague, then edits again
    comment = comment_edit(comment=comment, user=world.users["coord_staff"], body="@head @other xem giúp")
    comment_edit(comment=comment, user=world.users["coord_staff"], body="@head @other xem giúp nhé")

    # Then the colleague is told once; nobody hears of the comment a second time
    assert told("mention") == {"head", "other"}
    assert Notification.objects.filter(kind="mention").count() == 2
    assert told("comment") == {"lead"}


def test_urging_a_units_overdue_tasks_tells_its_people_of_each_in_a_fixed_number_of_queries(world):
    # Given 3 more overdue tasks of a unit, then 30
    from django.utils import timezone

    today = timezone.localdate()
    unit = world.task.lead_unit

    def overdue(n, start):
        for i in range(n):
            TaskFactory(
                code=f"QH-{start + i:03d}",
                lead_unit=unit,
                plan=world.task.plan,
                start_date=today - timedelta(days=60),
                due_date=today - timedelta(days=1),
            )

    def urge():
        return lambda: urgings_create_for_unit_overdue(unit=unit, author=world.users["leadership"], note="Khẩn trương")

    overdue(3, 0)
    world.users["leadership"].has_perm("tasks.decide_request")  # the permissions, read once per person
    few = _queries(urge())
    Notification.objects.all().delete()
    overdue(27, 3)
    many = _queries(urge())

    # Then the lead unit's two people hear of every overdue task (the world's 2020 task too), at the
    # same cost: the overdue ids, the urgings, the plan's figures version, the unit's people, their
    # e-mail choices, the notifications
    assert few == many == 6 + 2  # and the atomic block's savepoint and its release
    assert told("urging") == {"lead", "head"}
    assert Notification.objects.filter(kind="urging").count() == 2 * 31


# --- deadlines ----------------------------------------------------------------------------


def test_deadlines_use_the_due_date_in_force_and_tell_each_once(db):
    # Given four open tasks of one unit: due in 7 days, tomorrow, yesterday, and one whose due date
    # was moved from tomorrow to next month today (the journal, not the original date, counts)
    today = local_today()
    unit = UnitFactory(code="VU-HAN")
    staff, head = member(unit, username="nv"), member(unit, Membership.Role.HEAD, username="truong")
    soon = TaskFactory(
        code="T7", lead_unit=unit, due_date=today + timedelta(days=7), start_date=today - timedelta(days=30)
    )
    tomorrow = TaskFactory(
        code="T1", lead_unit=unit, due_date=today + timedelta(days=1), start_date=today - timedelta(days=30)
    )
    late = TaskFactory(
        code="TQ", lead_unit=unit, due_date=today - timedelta(days=1), start_date=today - timedelta(days=30)
    )
    moved = TaskFactory(
        code="TM", lead_unit=unit, due_date=today + timedelta(days=40), start_date=today - timedelta(days=30)
    )
    from django.utils import timezone

    DueDateChange.objects.create(
        task=moved,
        old_due_date=today + timedelta(days=1),
        new_due_date=today + timedelta(days=40),
        effective_at=timezone.now(),
        decided_by=head,
    )

    # When the daily run runs twice
    first = deadline_notifications_create(today=today)
    second = deadline_notifications_create(today=today)

    # Then the lead unit hears of the 7 days and tomorrow, its head of the overdue task, once each
    rows = set(Notification.objects.values_list("kind", "task__code", "recipient__username"))
    assert rows == {
        ("due_7", "T7", "nv"),
        ("due_7", "T7", "truong"),
        ("due_1", "T1", "nv"),
        ("due_1", "T1", "truong"),
        ("overdue", "TQ", "truong"),
    }
    assert (first, second) == (5, 5)  # rows built; the second run's were all skipped by the unique key
    assert Notification.objects.count() == 5
    assert staff.pk and tomorrow.pk and soon.pk and late.pk


# --- preferences and e-mail ------------------------------------------------------------------


def test_an_immediate_choice_sends_one_message_after_the_commit(
    world, eager_jobs, django_capture_on_commit_callbacks, settings
):
    # Given the portal's address for links
    settings.REPORT_BASE_URL = "https://kehoach.tcvn.gov.vn"

    # When a request is decided (decisions are e-mailed at once by default)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_decide(
            task_request=_request(world), decider=world.users["leadership"], decision="reject", comment="Không"
        )

    # Then the requester and the head each get one message, in Vietnamese, with a link to the task
    assert sorted(message.to[0] for message in mail.outbox) == ["head@tcvn.gov.vn", "lead@tcvn.gov.vn"]
    message = mail.outbox[0]
    assert "đã quyết định đề nghị" in message.subject
    assert f"https://kehoach.tcvn.gov.vn/tasks/{world.task.pk}/#requests" in message.body
    assert "text/html" in [mime for _content, mime in message.alternatives]
    assert OutboxMessage.objects.filter(kind="notification", state="sent").count() == 2

    # And running the job again sends nothing more
    from reports.notifications import notification_emails_send

    assert notification_emails_send() == 0
    assert len(mail.outbox) == 2


def test_the_digest_groups_a_days_events_once_per_person_and_a_second_run_sends_nothing(world):
    from reports.notifications import notification_digest_send

    # Given two contributions the lead unit hears of (digest by default), and the head turned them off
    NotificationPreference.objects.create(user=world.users["head"], kind="contribution", email=EmailChoice.OFF)
    services.contribution_create(task=world.task, author=world.users["coord_staff"], note="Góp ý 1")
    services.contribution_create(task=world.task, author=world.users["coord_staff"], note="Góp ý 2")

    # When the digest job runs twice
    first = notification_digest_send()
    second = notification_digest_send()

    # Then the staff member gets one message listing both; the head none
    assert (first, second) == (1, 0)
    assert [message.to for message in mail.outbox] == [["lead@tcvn.gov.vn"]]
    assert "Góp ý 1" in mail.outbox[0].body and "Góp ý 2" in mail.outbox[0].body
    assert Notification.objects.filter(recipient=world.users["head"]).count() == 2  # still in the portal


def test_off_means_no_e_mail_at_all(world, eager_jobs, django_capture_on_commit_callbacks):
    from reports.notifications import notification_digest_send, notification_emails_send

    # Given both people told of decisions turned their e-mail off
    for name in ("lead_staff", "head"):
        NotificationPreference.objects.create(user=world.users[name], kind="request_decided", email=EmailChoice.OFF)

    # When a request is decided and both e-mail jobs run
    with django_capture_on_commit_callbacks(execute=True):
        services.request_decide(
            task_request=_request(world), decider=world.users["leadership"], decision="reject", comment="Không"
        )
    notification_emails_send()
    notification_digest_send()

    # Then nothing is e-mailed about it, though the bell shows it
    assert not OutboxMessage.objects.filter(recipient__in=["lead@tcvn.gov.vn", "head@tcvn.gov.vn"]).exists()
    assert notification_unread_count(user=world.users["head"]) == 1


# --- cost ------------------------------------------------------------------------------------


def _people(n: int, unit):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.bulk_create(UserFactory.build_batch(n))
    Membership.objects.bulk_create([MembershipFactory.build(user=user, unit=unit) for user in users])
    return users


def _queries(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def test_one_events_notifications_cost_the_same_for_5_and_500_recipients(db):
    # Given a unit of 5 and a unit of 500 people
    small, large = UnitFactory(code="NHO"), UnitFactory(code="LON")
    _people(5, small)
    _people(500, large)
    small_task, large_task = TaskFactory(lead_unit=small), TaskFactory(lead_unit=large)
    author = UserFactory(username="tac-gia")

    # When each gets a comment
    def comment(task, pk):
        return lambda: notify_comment(comment=Fake(pk=pk), task=task, author=author, body="Hỏi", mentioned_ids=[])

    # Then both take the same, small number of queries: follows, members, choices, one INSERT
    assert _queries(comment(small_task, 1)) == _queries(comment(large_task, 2)) == 4
    assert Notification.objects.count() == 505


def _notifications(user, n: int, start: int = 0):
    notify_events(
        [
            Event(kind="comment", key=f"comment:{i}", user_ids=frozenset([user.pk]), url="/")
            for i in range(start, start + n)
        ]
    )


def test_the_bell_and_the_notifications_page_cost_the_same_with_5_and_500(world, as_user):
    # Given a person with 5 notifications, then 500
    user = world.users["lead_staff"]
    client = as_user(user)
    _notifications(user, 5)
    small = (_queries(lambda: client.get("/notifications/count.json")), _queries(lambda: client.get("/notifications/")))
    _notifications(user, 495, start=5)
    large = (_queries(lambda: client.get("/notifications/count.json")), _queries(lambda: client.get("/notifications/")))

    # Then the same number of queries: session, user, the count (JSON); session, user, Leadership
    # (menu), the page's count and rows, the unread count (also the bell's) (page)
    assert small == large == (3, 6)
    assert client.get("/notifications/count.json").json() == {"unread": 500}


def test_the_bell_count_is_one_query_and_never_stale(world, django_assert_num_queries):
    user = world.users["lead_staff"]
    _notifications(user, 3)
    with django_assert_num_queries(1):
        assert notification_unread_count(user=user) == 3
    _notifications(user, 1, start=3)
    with django_assert_num_queries(1):
        assert notification_unread_count(user=user) == 4


# --- pages ----------------------------------------------------------------------------------


def test_the_page_lists_unread_first_and_marks_one_or_all_read(world, as_user):
    # Given three notifications, the oldest unread, the others read... then one more
    user = world.users["lead_staff"]
    _notifications(user, 3)
    old = Notification.objects.order_by("pk").first()
    Notification.objects.exclude(pk=old.pk).update(read_at=old.created_at)
    client = as_user(user)

    # When the person opens the page
    page = client.get(reverse("notifications")).content.decode()

    # Then the unread one comes first, with its link; the bell says 1
    first_link = page.index(reverse("notification-open", args=[old.pk]))
    assert all(
        first_link < page.index(reverse("notification-open", args=[n.pk]))
        for n in Notification.objects.exclude(pk=old.pk)
    )
    assert 'data-testid="bell-count">1<' in page

    # And marking it read, then all, leaves nothing unread
    client.post(reverse("notifications-read"), {"id": old.pk})
    assert client.get(reverse("notifications-count")).json() == {"unread": 0}
    _notifications(user, 2, start=10)
    client.post(reverse("notifications-read"), {"all": "1"})
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_opening_a_notification_marks_it_read_and_goes_to_the_task_and_others_get_404(world, as_user):
    services.contribution_create(task=world.task, author=world.users["coord_staff"], note="Góp ý")
    mine = Notification.objects.get(recipient=world.users["lead_staff"])

    response = as_user(world.users["head"]).get(reverse("notification-open", args=[mine.pk]))
    assert response.status_code == 404

    response = as_user(world.users["lead_staff"]).get(reverse("notification-open", args=[mine.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{world.task.pk}/#contribution-{Contribution.objects.get().pk}"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_the_settings_page_saves_each_choice_and_refuses_a_bad_one(world, as_user):
    client = as_user(world.users["lead_staff"])
    page = client.get(reverse("notification-settings"))
    assert page.status_code == 200
    data = dict.fromkeys(page.context["form"].fields, "digest")
    data["mention"] = "off"

    assert client.post(reverse("notification-settings"), data).status_code == 302
    assert NotificationPreference.objects.get(user=world.users["lead_staff"], kind="mention").email == "off"

    data["mention"] = "sometimes"
    assert client.post(reverse("notification-settings"), data).status_code == 422
    assert NotificationPreference.objects.get(user=world.users["lead_staff"], kind="mention").email == "off"


def test_anyone_may_follow_and_unfollow_a_task_from_its_page(world, as_user):
    client = as_user(world.users["other_staff"])
    url = reverse("tasks:detail", args=[world.task.pk])
    assert 'data-testid="follow"' in client.get(url).content.decode()

    client.post(reverse("tasks:follow", args=[world.task.pk]), {"following": "1"})
    assert 'data-testid="unfollow"' in client.get(url).content.decode()

    client.post(reverse("tasks:follow", args=[world.task.pk]), {"following": "0"})
    assert 'data-testid="follow"' in client.get(url).content.decode()
