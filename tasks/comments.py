"""Writes of issue 12's talk about tasks: comments (with `@username` mentions)
and urging notes (đôn đốc).

Each service returns what it created, so that notifications can be added with
one call at its end: `comment_create` / `comment_edit` return the Comment with
`mentioned_users` (the people newly mentioned, readers of the task only);
`urging_create` and `urgings_create_for_unit_overdue` return the Urgings.
"""

import re
import uuid
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import Unit

from .models import COMMENT_MAX_LENGTH, Comment, Task, Urging, WorkPlan, plan_figures_changed
from .notifications import notify_comment, notify_urgings
from .selectors import (
    COMMENT_EDIT_MINUTES,
    comment_user_can_change,
    task_annotate_as_of,
    task_readers,
    task_user_can_read,
    user_can_decide,
)
from .services import clean_text

# How long the author may edit or delete a comment; later only a superuser may.
COMMENT_EDIT_WINDOW = timedelta(minutes=COMMENT_EDIT_MINUTES)
# `@` + a Django user name ([\w.@+-], here without "@"), not inside a word, an
# e-mail address or a URL path; a trailing full stop ends the sentence, not the name.
MENTION_RE = re.compile(r"(?<![\w@/.:=+-])@([\w.+-]*[\w+-])")
# A comment naming more people than this mentions only the first ones.
MAX_MENTIONS = 50


class CommentVersionConflict(Exception):
    """The comment changed since the form was shown. Carries the current comment."""

    def __init__(self, comment: Comment):
        super().__init__(f"comment {comment.pk} is at version {comment.version}")
        self.comment = comment


def mentioned_usernames(body: str) -> list[str]:
    """The user names written as `@username` in a text, in order, each once."""
    seen: dict[str, None] = {}
    for name in MENTION_RE.findall(body or ""):
        seen.setdefault(name, None)
    return list(seen)[:MAX_MENTIONS]


def _resolve_mentions(*, task: Task, body: str) -> list:
    """The people the text mentions who may read the task (one query)."""
    names = mentioned_usernames(body)
    if not names:
        return []
    return list(task_readers(task=task).filter(username__in=names).order_by("username"))


@transaction.atomic
def comment_create(*, task: Task, author, body: str, at: datetime | None = None) -> Comment:
    """A comment on a task by anyone who may read it, with its mentions resolved.

    Returns the Comment with `mentioned_users` (readers of the task it names).
    Raises PermissionDenied and ValidationError (key `body`); nothing is written then."""
    if not task_user_can_read(user=author, task=task):
        raise PermissionDenied(_("You may not comment on this task."))
    body = clean_text(body, field="body", required_message=_("Write a comment."), max_length=COMMENT_MAX_LENGTH)
    comment = Comment(task=task, author=author, body=body, created_at=at or timezone.now())
    comment.full_clean()
    comment.save()
    mentioned = _resolve_mentions(task=task, body=body)
    comment.mentions.set(mentioned)
    comment.mentioned_users = mentioned
    notify_comment(comment=comment, task=task, author=author, body=body, mentioned_ids=[p.pk for p in mentioned])
    return comment


def _lock_for_change(*, comment: Comment, user, expected_version: int | None, now: datetime) -> Comment:
    """The comment locked for writing, or PermissionDenied / CommentVersionConflict / ValidationError."""
    locked = Comment.objects.select_for_update().select_related("task").get(pk=comment.pk)
    if locked.deleted_at is not None:
        raise ValidationError(_("This comment was deleted."))
    if not comment_user_can_change(user=user, comment=locked, now=now):
        raise PermissionDenied(
            _("Only the author may change a comment, within 15 minutes of posting it; later only an administrator.")
        )
    if expected_version is not None and expected_version != locked.version:
        raise CommentVersionConflict(locked)
    return locked


@transaction.atomic
def comment_edit(*, comment: Comment, user, body: str, expected_version: int | None = None) -> Comment:
    """Change a comment's text: its author within COMMENT_EDIT_WINDOW of posting
    it, later only a superuser. The old text stays in the comment's history.

    Returns the Comment with `mentioned_users` = the people it newly mentions.
    Raises PermissionDenied, CommentVersionConflict and ValidationError."""
    now = timezone.now()
    body = clean_text(body, field="body", required_message=_("Write a comment."), max_length=COMMENT_MAX_LENGTH)
    locked = _lock_for_change(comment=comment, user=user, expected_version=expected_version, now=now)
    locked.mentioned_users = []
    if body == locked.body:
        return locked
    before = set(locked.mentions.values_list("pk", flat=True))
    locked.body, locked.edited_at, locked.version = body, now, locked.version + 1
    locked._change_reason = _("edited")
    locked.full_clean()
    locked.save()
    mentioned = _resolve_mentions(task=locked.task, body=body)
    locked.mentions.set(mentioned)
    locked.mentioned_users = [person for person in mentioned if person.pk not in before]
    if locked.mentioned_users:  # only the people the edit newly mentions hear of it
        notify_comment(
            comment=locked,
            task=locked.task,
            author=user,
            body=body,
            mentioned_ids=[person.pk for person in locked.mentioned_users],
            mentions_only=True,
        )
    return locked


@transaction.atomic
def comment_delete(*, comment: Comment, user, expected_version: int | None = None) -> Comment:
    """Soft-delete a comment (same rule as comment_edit): the body is emptied and
    `deleted_at` set, so the timeline shows "comment deleted"; the history keeps the text."""
    now = timezone.now()
    locked = _lock_for_change(comment=comment, user=user, expected_version=expected_version, now=now)
    locked.body, locked.deleted_at, locked.version = "", now, locked.version + 1
    locked._change_reason = _("deleted")
    locked.save()
    locked.mentions.clear()
    return locked


def _check_decider(user) -> None:
    if not user_can_decide(user):
        raise PermissionDenied(_("Only a person allowed to decide requests can send an urging note."))


@transaction.atomic
def urging_create(*, task: Task, author, note: str, at: datetime | None = None) -> list[Urging]:
    """An urging note on one task, to its lead unit. Returns [the Urging].
    Raises PermissionDenied (no `tasks.decide_request`) and ValidationError (key `note`)."""
    _check_decider(author)
    note = clean_text(note, field="note", required_message=_("Write the urging note."), max_length=COMMENT_MAX_LENGTH)
    urging = Urging(
        task=task,
        unit_id=task.lead_unit_id,
        author=author,
        note=note,
        created_at=at or timezone.now(),
        batch=uuid.uuid4(),
    )
    urging.full_clean()
    urging.save()
    notify_urgings(urgings=[urging], author=author, note=note)
    plan_figures_changed(plan_id=task.plan_id)  # the dashboard's overdue rows count urgings
    return [urging]


def unit_overdue_tasks(*, unit: Unit, plan: WorkPlan | None):
    """The tasks the unit leads that are overdue today by the due date in force."""
    tasks = Task.objects.filter(lead_unit=unit)
    if plan is not None:
        tasks = tasks.filter(plan=plan)
    return task_annotate_as_of(tasks).filter(s_overdue=True).order_by("code")


@transaction.atomic
def urgings_create_for_unit_overdue(
    *, unit: Unit, author, note: str, plan: WorkPlan | None = None, at: datetime | None = None
) -> list[Urging]:
    """One urging act on every task the unit leads that is overdue today (of
    `plan` when given): one Urging per task, sharing one batch. Three queries (the
    overdue ids, one bulk insert, the plan's figures version) whatever their number. Returns the Urgings (empty: nothing overdue).
    Raises PermissionDenied and ValidationError (key `note`)."""
    _check_decider(author)
    note = clean_text(note, field="note", required_message=_("Write the urging note."), max_length=COMMENT_MAX_LENGTH)
    batch, when = uuid.uuid4(), at or timezone.now()
    rows = list(unit_overdue_tasks(unit=unit, plan=plan).values_list("pk", "plan_id"))
    urgings = [
        Urging(task_id=task_id, unit=unit, author=author, note=note, created_at=when, batch=batch)
        for task_id, _plan_id in rows
    ]
    created = Urging.objects.bulk_create(urgings)
    notify_urgings(urgings=created, author=author, note=note)
    for plan_id in {plan_id for _task_id, plan_id in rows}:  # one plan, in practice
        plan_figures_changed(plan_id=plan_id)  # the dashboard's overdue rows count urgings
    return created
