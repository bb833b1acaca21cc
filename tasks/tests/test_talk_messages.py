"""After an htmx post of a comment, an edit, a deletion or an urging note, only
the timeline is swapped in: its live region (role=status) carries the message
the page's message bar would have shown (issue 12)."""

import re

import pytest
from django.urls import reverse

from tasks.comments import comment_create
from tasks.models import Comment, Urging

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _status(html: str) -> str:
    """The text of the timeline's live region, tags dropped and spaces folded."""
    region = re.search(r'<div id="timeline-status"[^>]*>(.*?)</div>\s*<form', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", region).split())


def _region_tag(html: str) -> str:
    return re.search(r'<div id="timeline-status"[^>]*>', html).group(0)


def test_a_comment_posted_with_htmx_is_confirmed_inside_the_swapped_timeline(world, as_user):
    # Given a staff member of a coordinating unit on the task page
    client = as_user(world.users["coord_staff"])

    # When they post a comment with htmx (the redirect is followed as htmx follows it)
    response = client.post(
        reverse("tasks:comment-create", args=[world.task.pk]), {"body": "Đã gửi số liệu"}, headers=HTMX, follow=True
    )

    # Then the timeline's live region says so, politely, for screen readers too
    html = response.content.decode()
    assert _status(html) == "Đã gửi bình luận."
    assert 'role="status"' in _region_tag(html) and 'aria-live="polite"' in _region_tag(html)
    assert html.index('id="timeline-status"') > html.index('id="timeline"')
    assert Comment.objects.count() == 1


def test_a_refused_comment_with_htmx_says_why_inside_the_timeline_and_changes_nothing(world, as_user):
    client = as_user(world.users["coord_staff"])

    response = client.post(reverse("tasks:comment-create", args=[world.task.pk]), {"body": "  "}, headers=HTMX)

    assert response.status_code == 422
    assert _status(response.content.decode()) == "Chưa gửi được bình luận: xem lỗi dưới ô nhập."
    assert Comment.objects.count() == 0


def test_an_edit_and_a_deletion_with_htmx_are_confirmed_inside_the_timeline(world, as_user):
    # Given a comment just posted by its author
    author = world.users["coord_staff"]
    comment = comment_create(task=world.task, author=author, body="Bản nháp")
    client = as_user(author)

    # When it is edited, then deleted, with htmx
    edited = client.post(
        reverse("tasks:comment-edit", args=[comment.pk]), {"body": "Bản sửa", "version": "1"}, headers=HTMX, follow=True
    )
    deleted = client.post(
        reverse("tasks:comment-delete", args=[comment.pk]), {"version": "2"}, headers=HTMX, follow=True
    )

    # Then each answer's timeline says what happened
    assert [_status(r.content.decode()) for r in (edited, deleted)] == ["Đã lưu bình luận.", "Bình luận đã bị xóa."]


def test_an_urging_note_sent_with_htmx_is_confirmed_inside_the_timeline(world, as_user):
    # Given a Leadership member on the task page
    client = as_user(world.users["leadership"])

    # When they send an urging note with htmx, then an empty one
    sent = client.post(
        reverse("tasks:urge", args=[world.task.pk]), {"note": "Đề nghị báo cáo tiến độ"}, headers=HTMX, follow=True
    )
    refused = client.post(reverse("tasks:urge", args=[world.task.pk]), {"note": ""}, headers=HTMX)

    # Then the timeline confirms the first and explains the refusal; the urging form comes back for the oob swap
    assert _status(sent.content.decode()) == "Đã gửi ý kiến đôn đốc tới VU-TC."
    assert refused.status_code == 422
    assert _status(refused.content.decode()) == "Chưa gửi được ý kiến đôn đốc: xem lỗi dưới ô nhập."
    assert 'id="urge"' in refused.content.decode() and 'data-hx-select-oob="#urge"' in sent.content.decode()
    assert Urging.objects.count() == 1


def test_without_htmx_the_message_shows_once_in_the_message_bar(world, as_user):
    # Given a comment posted without JavaScript (an ordinary form and redirect)
    client = as_user(world.users["coord_staff"])

    response = client.post(reverse("tasks:comment-create", args=[world.task.pk]), {"body": "Ý kiến"}, follow=True)

    # Then the whole page shows the message once, in the bar at the top; the timeline's region stays empty
    html = response.content.decode()
    assert html.count("Đã gửi bình luận.") == 1
    assert _status(html) == ""
