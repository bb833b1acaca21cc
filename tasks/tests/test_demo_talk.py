"""`seed_demo` writes a few comments (with mentions) and urging notes on the 2020
plan, true to the rules, and a second run writes nothing (issue 12)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tasks.comments import mentioned_usernames
from tasks.demo.talk import TALK, _overdue_on
from tasks.models import Comment, Urging
from tasks.selectors import task_user_can_read, user_can_decide

pytestmark = pytest.mark.django_db


def _state():
    return (
        sorted(Comment.objects.values_list("task__code", "author__username", "created_at", "body")),
        sorted(Urging.objects.values_list("task__code", "author__username", "unit__code", "created_at", "note")),
        sorted(Comment.mentions.through.objects.values_list("comment__task__code", "user__username")),
    )


def test_seed_demo_writes_the_talk_once_and_true_to_the_rules():
    # Given the demo seeded, then seeded again
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = _state()
    call_command("seed_demo", stdout=StringIO())

    # Then the second run changed nothing, and every entry of the table was written
    assert _state() == first
    assert "Demo talk: 7 comment(s), 5 urging note(s) written." in out.getvalue()
    kinds = [talk.kind for talk in TALK]
    assert (
        (Comment.objects.count(), Urging.objects.count()) == (kinds.count("comment"), kinds.count("urging")) == (7, 5)
    )

    # and each urging was sent by a decider to the lead unit of a task overdue that day
    for urging in Urging.objects.select_related("task", "author", "unit"):
        assert user_can_decide(urging.author)
        assert urging.unit == urging.task.lead_unit
        assert _overdue_on(urging.task, timezone.localtime(urging.created_at).date())

    # and each comment by someone who may read the task, its mentions resolved to real accounts
    for comment in Comment.objects.select_related("task", "author"):
        assert task_user_can_read(user=comment.author, task=comment.task)
        assert sorted(comment.mentions.values_list("username", flat=True)) == sorted(mentioned_usernames(comment.body))
    assert first[2] == [
        ("NV-2020-02", "vu-pctt"),
        ("NV-2020-05", "vu-qlcl"),
        ("NV-2020-11", "vu-tc"),
        ("NV-2020-17", "vu-dl"),
    ]
