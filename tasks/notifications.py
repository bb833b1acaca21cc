"""Notifications (issue 12): who hears about what, and the writes and reads behind the bell.

The services that make an event (tasks.services) call one `notify_*` function
here, inside their own transaction: the rows commit or roll back with the
change they tell about, and no signal hides the cost. Every event writes all
its recipients' rows with one bulk INSERT after one query for the recipients'
e-mail choices, whatever their number. Nobody is told of their own act, nor
an inactive account.

E-mail is reports' job: after the commit, `job_send` queues the reports job
by name (tasks never imports reports); the job, and its periodic run as a
safety net, put rows still to e-mail into reports' outbox, exactly once.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from plan_portal.jobs import job_send
from units.models import Membership

from .models import (
    DEFAULT_EMAIL_CHOICE,
    OPEN_STATUSES,
    DueDateChange,
    EmailChoice,
    Notification,
    NotificationKind,
    NotificationPreference,
    Task,
    TaskFollow,
)

EMAIL_JOB = "reports.tasks.send_notification_emails_task"
EXCERPT_LENGTH = 200
PAGE_SIZE = 30
# A deadline run missed (beat stopped) is caught up for this many days.
OVERDUE_WINDOW_DAYS = 7


@dataclass(frozen=True)
class Event:
    """One event and who should hear about it (before removing the actor and inactive accounts)."""

    kind: str
    key: str
    user_ids: frozenset[int]
    url: str
    task_id: int | None = None
    actor_id: int | None = None
    excerpt: str = ""
    due_date: date | None = None


def excerpt_of(text: str) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1].rstrip() + "…"


# --- writing ------------------------------------------------------------------------


def _email_choices(user_ids: set[int], kinds: set[str]) -> dict[tuple[int, str], str]:
    """(user, kind) -> e-mail choice for the active users among `user_ids`. One query."""
    User = get_user_model()
    prefs = NotificationPreference.objects.filter(user=OuterRef("pk"))
    rows = User.objects.filter(pk__in=user_ids, is_active=True)
    choices: dict[tuple[int, str], str] = {}
    # One column per kind: still one query, whatever the number of people.
    annotations = {f"choice_{kind}": Subquery(prefs.filter(kind=kind).values("email")[:1]) for kind in sorted(kinds)}
    for row in rows.annotate(**annotations).values("pk", *annotations):
        for kind in kinds:
            choices[(row["pk"], kind)] = row[f"choice_{kind}"] or DEFAULT_EMAIL_CHOICE[kind]
    return choices


def notify_events(events: list[Event]) -> int:
    """Write the notifications of some events: one query for the recipients'
    e-mail choices, one bulk INSERT. An event already told to someone (same
    key) is skipped by the unique constraint, so a job run twice tells nobody
    twice. After the commit, when a row wants an immediate e-mail, the reports
    job is queued. Returns the rows built."""
    wanted = {(user_id, event) for event in events for user_id in event.user_ids if user_id != event.actor_id}
    if not wanted:
        return 0
    choices = _email_choices({user_id for user_id, _event in wanted}, {event.kind for event in events})
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=user_id,
            kind=event.kind,
            key=event.key[:120],
            task_id=event.task_id,
            actor_id=event.actor_id,
            excerpt=excerpt_of(event.excerpt),
            url=event.url[:300],
            due_date=event.due_date,
            created_at=now,
            email=choices[(user_id, event.kind)],
        )
        for user_id, event in sorted(wanted, key=lambda pair: (pair[1].key, pair[0]))
        if (user_id, event.kind) in choices
    ]
    if not rows:
        return 0
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if any(row.email == EmailChoice.IMMEDIATE for row in rows):
        transaction.on_commit(lambda: job_send(EMAIL_JOB))
    return len(rows)


def notify(**fields) -> int:
    return notify_events([Event(**fields)])


# --- who hears ----------------------------------------------------------------------


def unit_people(unit_ids, *, heads_only: bool = False) -> frozenset[int]:
    rows = Membership.objects.filter(unit_id__in=unit_ids)
    if heads_only:
        rows = rows.filter(role=Membership.Role.HEAD)
    return frozenset(rows.values_list("user_id", flat=True))


def task_audience(task: Task) -> frozenset[int]:
    """Who hears about comments and contributions: the lead unit's people and
    the task's followers, less those who unfollowed it. Two queries."""
    choices = dict(TaskFollow.objects.filter(task_id=task.pk).values_list("user_id", "following"))
    people = unit_people([task.lead_unit_id]) | {user_id for user_id, following in choices.items() if following}
    return frozenset(user_id for user_id in people if choices.get(user_id, True))


def deciders() -> frozenset[int]:
    """People with `tasks.decide_request` (own, through a group, or superusers)."""
    User = get_user_model()
    permission = Permission.objects.filter(content_type__app_label="tasks", codename="decide_request").values("pk")[:1]
    rows = User.objects.filter(
        Q(is_superuser=True) | Q(user_permissions__in=permission) | Q(groups__permissions__in=permission),
        is_active=True,
    )
    return frozenset(rows.values_list("pk", flat=True).distinct())


def leadership() -> frozenset[int]:
    User = get_user_model()
    return frozenset(
        User.objects.filter(groups__name=settings.LEADERSHIP_GROUP, is_active=True).values_list("pk", flat=True)
    )


def task_url(task: Task | int, anchor: str = "") -> str:
    pk = task if isinstance(task, int) else task.pk
    return reverse("tasks:detail", args=[pk]) + (f"#{anchor}" if anchor else "")


# --- the events ---------------------------------------------------------------------


def notify_contribution(*, contribution) -> int:
    task = contribution.task
    return notify(
        kind=NotificationKind.CONTRIBUTION,
        key=f"contribution:{contribution.pk}",
        user_ids=task_audience(task),
        url=task_url(task, f"contribution-{contribution.pk}"),
        task_id=task.pk,
        actor_id=contribution.author_id,
        excerpt=contribution.note,
    )


def notify_comment(*, comment, task: Task, author, body: str, mentioned_ids=(), mentions_only: bool = False) -> int:
    """A comment: the people it mentions hear of the mention (`mentioned_ids`:
    those who may read the task, as tasks.comments resolved them); the task's
    audience, less them, of the comment. An edit (`mentions_only`) tells only
    the people it newly mentions; a mention is told once per comment."""
    mentioned = frozenset(mentioned_ids)
    common = {
        "url": task_url(task, f"comment-{comment.pk}"),
        "task_id": task.pk,
        "actor_id": author.pk,
        "excerpt": body,
    }
    events = [Event(kind=NotificationKind.MENTION, key=f"mention:{comment.pk}", user_ids=mentioned, **common)]
    if not mentions_only:
        audience = task_audience(task) - mentioned
        events.append(Event(kind=NotificationKind.COMMENT, key=f"comment:{comment.pk}", user_ids=audience, **common))
    return notify_events(events)


def notify_urgings(*, urgings, author, note: str) -> int:
    """Urging notes (one, or one per overdue task of a unit at once): each
    task's lead unit hears of it. A fixed number of queries for any number of tasks."""
    urgings = list(urgings)
    people: dict[int, set[int]] = {}
    units = {urging.unit_id for urging in urgings}
    for unit_id, user_id in Membership.objects.filter(unit_id__in=units).values_list("unit_id", "user_id"):
        people.setdefault(unit_id, set()).add(user_id)
    return notify_events(
        [
            Event(
                kind=NotificationKind.URGING,
                key=f"urging:{urging.pk}",
                user_ids=frozenset(people.get(urging.unit_id, ())),
                url=task_url(urging.task_id, f"urging-{urging.pk}"),
                task_id=urging.task_id,
                actor_id=author.pk,
                excerpt=note,
            )
            for urging in urgings
        ]
    )


def notify_request_submitted(*, task_request) -> int:
    with translation.override(settings.LANGUAGE_CODE):  # the excerpt is stored: in the agency's language
        excerpt = f"{task_request.get_kind_display()}: {task_request.reason}"
    return notify(
        kind=NotificationKind.REQUEST_SUBMITTED,
        key=f"request_submitted:{task_request.pk}",
        user_ids=deciders(),
        url=task_url(task_request.task_id, f"pending-request-{task_request.pk}"),
        task_id=task_request.task_id,
        actor_id=task_request.requested_by_id,
        excerpt=excerpt,
    )


def notify_request_decided(*, task_request) -> int:
    task = task_request.task
    with translation.override(settings.LANGUAGE_CODE):  # the excerpt is stored: in the agency's language
        decision = f"{task_request.get_kind_display()}: {task_request.get_state_display()}"
    return notify(
        kind=NotificationKind.REQUEST_DECIDED,
        key=f"request_decided:{task_request.pk}",
        user_ids=unit_people([task.lead_unit_id], heads_only=True) | {task_request.requested_by_id},
        url=task_url(task, "requests"),
        task_id=task.pk,
        actor_id=task_request.decided_by_id,
        excerpt=" — ".join(part for part in (decision, task_request.decision_comment) if part),
    )


def notify_completion_returned(*, review) -> int:
    task = review.task
    return notify(
        kind=NotificationKind.COMPLETION_RETURNED,
        key=f"completion_returned:{review.pk}",
        user_ids=unit_people([task.lead_unit_id]),
        url=task_url(task, "timeline"),
        task_id=task.pk,
        actor_id=review.reviewer_id,
        excerpt=review.comment,
    )


def notify_weekly_report_ready(*, key: str, url: str, label: str) -> int:
    """Called by reports when a week's report is first built."""
    return notify(kind=NotificationKind.WEEKLY_REPORT, key=key, user_ids=leadership(), url=url, excerpt=label)


def _due_in_force(day: date):
    """The due date in force on `day` (the due-date journal: the latest change
    effective by the end of the day, else the first change's old date, else the task's)."""
    from .selectors import cutoff_for

    changes = DueDateChange.objects.filter(task=OuterRef("pk"))
    latest = changes.filter(effective_at__lt=cutoff_for(day)).order_by("-effective_at", "-id")
    first = changes.order_by("effective_at", "id")
    return Coalesce(
        Subquery(latest.values("new_due_date")[:1]), Subquery(first.values("old_due_date")[:1]), F("due_date")
    )


def _deadline_kind(due: date, today: date) -> str:
    if due < today:
        return NotificationKind.OVERDUE
    return NotificationKind.DUE_TOMORROW if due == today + timedelta(days=1) else NotificationKind.DUE_IN_7_DAYS


@transaction.atomic
def deadline_notifications_create(*, today: date) -> int:
    """The daily deadline run: open tasks whose due date in force is within 7
    days (the lead unit's people), tomorrow (the lead unit's people), or passed
    in the last OVERDUE_WINDOW_DAYS days (the lead unit's heads). Each once per
    task, due date and person (unique key): a rerun, or a run after a missed
    day, tells nobody twice. A fixed number of queries whatever the number of tasks."""
    tasks = list(
        Task.objects.filter(status__in=OPEN_STATUSES)
        .annotate(due_now=_due_in_force(today))
        .filter(due_now__gte=today - timedelta(days=OVERDUE_WINDOW_DAYS), due_now__lte=today + timedelta(days=7))
        .exclude(due_now=today)
        .values_list("pk", "lead_unit_id", "due_now")
    )
    people: dict[int, set[int]] = {}
    heads: dict[int, set[int]] = {}
    for unit_id, user_id, role in Membership.objects.filter(
        unit_id__in={unit_id for _pk, unit_id, _due in tasks}
    ).values_list("unit_id", "user_id", "role"):
        people.setdefault(unit_id, set()).add(user_id)
        if role == Membership.Role.HEAD:
            heads.setdefault(unit_id, set()).add(user_id)
    events = []
    for pk, unit_id, due in tasks:
        kind = _deadline_kind(due, today)
        audience = heads if kind == NotificationKind.OVERDUE else people
        events.append(
            Event(
                kind=kind,
                key=f"{kind}:{pk}:{due.isoformat()}",
                user_ids=frozenset(audience.get(unit_id, ())),
                url=task_url(pk),
                task_id=pk,
                due_date=due,
            )
        )
    return notify_events(events)


# --- following ----------------------------------------------------------------------


@transaction.atomic
def task_follow_set(*, user, task: Task, following: bool) -> TaskFollow:
    """Follow a task (hear of its comments and contributions) or stop following it.
    Anyone signed in may; for a task one's unit leads, unfollowing silences it."""
    follow, _created = TaskFollow.objects.update_or_create(user=user, task=task, defaults={"following": following})
    return follow


def task_user_follows(*, user, task: Task) -> bool:
    """Whether the person hears of the task's comments: their own choice, else whether their unit leads it."""
    choice = TaskFollow.objects.filter(user=user, task=task).values_list("following", flat=True).first()
    if choice is not None:
        return choice
    from units.selectors import user_unit_ids

    return task.lead_unit_id in user_unit_ids(user)


# --- reading ------------------------------------------------------------------------


def notification_unread_count(*, user) -> int:
    """The bell's number: one COUNT on a small partial index (unread rows only).
    Not cached: it costs about what a cache round trip does, and is never stale."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_page(*, user, page: str | None):
    """One page of the person's notifications, unread first, newest first (two queries)."""
    from django.db.models import BooleanField, Case, Value, When

    rows = (
        Notification.objects.filter(recipient=user)
        .select_related("task", "actor")
        .annotate(
            unread=Case(When(read_at__isnull=True, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
        .order_by("-unread", "-created_at", "-id")
    )
    return Paginator(rows, PAGE_SIZE).get_page(page)


def notification_get_own(*, user, pk: int) -> Notification:
    return Notification.objects.get(recipient=user, pk=pk)


@transaction.atomic
def notification_mark_read(*, user, pk: int | None = None) -> int:
    """Mark one of the person's notifications (or all of them) as read; returns the rows changed."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if pk is not None:
        rows = rows.filter(pk=pk)
    changed = rows.update(read_at=timezone.now())
    return changed


def notification_preferences(*, user) -> dict[str, str]:
    """Kind -> e-mail choice, defaults filled in."""
    mine = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: mine.get(kind, DEFAULT_EMAIL_CHOICE[kind]) for kind in NotificationKind.values}


@transaction.atomic
def notification_preferences_set(*, user, choices: dict[str, str]) -> None:
    """Store the person's e-mail choice per kind. Raises ValidationError (by kind) before writing anything."""
    errors = {
        kind: [_("Choose a valid option.")]
        for kind, choice in choices.items()
        if kind not in NotificationKind.values or choice not in EmailChoice.values
    }
    if errors:
        raise ValidationError(errors)
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=user, kind=kind, email=choice) for kind, choice in choices.items()],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["email"],
    )


def notification_text(notification: Notification) -> str:
    """What happened, in the reader's language (task and actor loaded with the row)."""
    task = notification.task.code if notification.task_id else ""
    actor = _("Someone")  # an account deleted since
    if notification.actor_id:
        actor = notification.actor.get_full_name() or notification.actor.get_username()
    due = notification.due_date.strftime("%d/%m/%Y") if notification.due_date else ""
    texts = {
        NotificationKind.MENTION: _("%(actor)s mentioned you on task %(task)s"),
        NotificationKind.COMMENT: _("%(actor)s commented on task %(task)s"),
        NotificationKind.CONTRIBUTION: _("%(actor)s posted a contribution on task %(task)s"),
        NotificationKind.URGING: _("%(actor)s urged your unit on task %(task)s"),
        NotificationKind.REQUEST_SUBMITTED: _("%(actor)s sent a request on task %(task)s"),
        NotificationKind.REQUEST_DECIDED: _("%(actor)s decided the request on task %(task)s"),
        NotificationKind.COMPLETION_RETURNED: _("%(actor)s returned the completion of task %(task)s"),
        NotificationKind.DUE_IN_7_DAYS: _("Task %(task)s is due on %(due)s, within 7 days"),
        NotificationKind.DUE_TOMORROW: _("Task %(task)s is due tomorrow (%(due)s)"),
        NotificationKind.OVERDUE: _("Task %(task)s is overdue: it was due on %(due)s"),
        NotificationKind.WEEKLY_REPORT: _("The weekly report is ready"),
    }
    return texts[notification.kind] % {"actor": actor, "task": task, "due": due}
