"""A task's timeline: every kind of event (progress updates, contributions,
requests and their decisions, completion reviews, comments, urging notes) in
one list, newest first, keyset paged over all the kinds together.

Each page costs the same fixed number of queries, whatever the number of
events of each kind and however deep the page:

1. the keys: a UNION ALL of one branch per kind, each the kind's next
   `limit + 1` keys (time, rank, id) after the cursor, read from the kind's
   (task, time) index; the union is ordered and cut to `limit + 1` again;
2. the rows of each kind by id (updates, contributions, requests with their
   decisions, reviews, comments, urgings) and, for the rows shown, the files
   and the mentioned people: eight queries, asked even for an empty list.

The order is total: time descending, then the kind's rank (an update before
the decision taken at the same instant, as before), then id descending. The
cursor carries the last event's whole key, so the next page needs no lookup
and goes on exactly where the page ended, even if that event is deleted.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import F, IntegerField, Q, QuerySet, Value
from django.utils import timezone

from .models import (
    Attachment,
    Comment,
    CompletionReview,
    Contribution,
    ProgressUpdate,
    Task,
    TaskRequest,
    Urging,
)
from .selectors import TIMELINE_PAGE_SIZE, comment_user_can_change

# Rank within one instant, and where each kind's time is kept.
KINDS = ("update", "decision", "review", "request", "contribution", "urging", "comment")
RANK = {kind: rank for rank, kind in enumerate(KINDS)}
_SOURCES = {
    "update": (ProgressUpdate, "recorded_at", {}),
    "decision": (TaskRequest, "decided_at", {"decided_at__isnull": False}),
    "review": (CompletionReview, "decided_at", {}),
    "request": (TaskRequest, "requested_at", {}),
    "contribution": (Contribution, "created_at", {}),
    "urging": (Urging, "created_at", {}),
    "comment": (Comment, "created_at", {}),
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR_RE = re.compile(r"(?P<kind>[a-z]+)-(?P<pk>\d{1,18})-(?P<micros>\d{1,17})")


@dataclass(frozen=True)
class TimelineEvent:
    when: datetime
    kind: str  # one of KINDS
    obj: object


@dataclass(frozen=True)
class TimelineCursor:
    """The key of the last event shown: the next page starts strictly after it."""

    when: datetime
    kind: str
    pk: int

    @property
    def rank(self) -> int:
        return RANK[self.kind]

    def token(self) -> str:
        micros = (self.when - _EPOCH) // timedelta(microseconds=1)
        return f"{self.kind}-{self.pk}-{micros}"

    @classmethod
    def starting_at(cls, *, when: datetime, kind: str, pk: int) -> "TimelineCursor":
        """The cursor of a page that begins with this event (a notification's link to an
        older comment): the key just newer than it, within its own instant and kind."""
        return cls(when=when, kind=kind, pk=pk + 1)

    @classmethod
    def parse(cls, value: str) -> "TimelineCursor | None":
        """The cursor of a `before` parameter; None for anything malformed (the first page)."""
        match = _CURSOR_RE.fullmatch(value or "")
        if match is None or match["kind"] not in RANK:
            return None
        try:
            when = _EPOCH + timedelta(microseconds=int(match["micros"]))
        except OverflowError:
            return None
        return cls(when=when, kind=match["kind"], pk=int(match["pk"]))


@dataclass(frozen=True)
class TimelinePage:
    events: list[TimelineEvent]
    next_cursor: str | None  # the `before` of the next (older) page; None on the last page
    first: bool  # no (valid) cursor was given: the newest events


def _after(field: str, rank: int, cursor: TimelineCursor | None) -> Q:
    """Keys of one kind strictly older than the cursor in (time desc, rank asc, id desc) order."""
    if cursor is None:
        return Q()
    if rank > cursor.rank:
        return Q(**{f"{field}__lte": cursor.when})
    if rank < cursor.rank:
        return Q(**{f"{field}__lt": cursor.when})
    return Q(**{f"{field}__lt": cursor.when}) | Q(**{field: cursor.when, "pk__lt": cursor.pk})


def _branch(kind: str, *, task: Task, cursor: TimelineCursor | None, limit: int) -> QuerySet:
    model, field, extra = _SOURCES[kind]
    rank = RANK[kind]
    return (
        model.objects.filter(_after(field, rank, cursor), task=task, **extra)
        .annotate(ts=F(field), rank=Value(rank, output_field=IntegerField()), eid=F("pk"))
        .order_by(f"-{field}", "-pk")
        .values_list("ts", "rank", "eid")[:limit]
    )


def timeline_key_queries() -> int:
    """The queries task_timeline_keys costs on this database: one, or one per kind on SQLite."""
    return 1 if connection.features.supports_slicing_ordering_in_compound else len(KINDS)


def task_timeline_keys(*, task: Task, cursor: TimelineCursor | None, limit: int) -> list[tuple]:
    """The next `limit` keys (time, rank, id) of the timeline after `cursor`: one query.

    Each branch is cut to `limit` before the union, so a task with thousands of
    comments reads at most `limit` keys per kind."""
    branches = [_branch(kind, task=task, cursor=cursor, limit=limit) for kind in KINDS]
    if not connection.features.supports_slicing_ordering_in_compound:
        # SQLite (the laptop default) refuses LIMIT inside a UNION's branches: one
        # query per kind there, merged here in the same order (still a fixed count).
        keys = [key for branch in branches for key in branch]
        return sorted(keys, key=lambda key: (-((key[0] - _EPOCH) // timedelta(microseconds=1)), key[1], -key[2]))[
            :limit
        ]
    first, *rest = branches
    return list(first.union(*rest, all=True).order_by("-ts", "rank", "-eid")[:limit])


def task_timeline_page(
    *, task: Task, before: str | None = None, limit: int = TIMELINE_PAGE_SIZE, user=None
) -> TimelinePage:
    """One page of the task's timeline, newest first, `limit` events at most.

    `before` is the previous page's `next_cursor` (a malformed one reads as
    the first page). With `user`, each comment carries `can_change`.
    Nine queries whatever the page and the numbers of each kind."""
    cursor = TimelineCursor.parse(before) if before else None
    keys = task_timeline_keys(task=task, cursor=cursor, limit=limit + 1)
    shown = keys[:limit]
    ids: dict[str, list[int]] = defaultdict(list)
    for _when, rank, pk in shown:
        ids[KINDS[rank]].append(pk)
    objects = _fetch(task=task, ids=ids, user=user)
    events = [
        TimelineEvent(when, KINDS[rank], objects[KINDS[rank]][pk])
        for when, rank, pk in shown
        if pk in objects[KINDS[rank]]
    ]
    next_cursor = None
    if len(keys) > limit:
        when, rank, pk = shown[-1]
        next_cursor = TimelineCursor(when=when, kind=KINDS[rank], pk=pk).token()
    return TimelinePage(events=events, next_cursor=next_cursor, first=cursor is None)


def _by_pk(qs) -> dict[int, object]:
    return {obj.pk: obj for obj in qs}


def _fetch(*, task: Task, ids: dict[str, list[int]], user) -> dict[str, dict[int, object]]:
    """The page's rows of each kind by id: eight queries, each asked even for no id
    (`or [0]`), so a page costs the same whichever kinds it holds."""
    updates = _by_pk(ProgressUpdate.objects.filter(task=task, pk__in=ids["update"] or [0]).select_related("author"))
    contributions = _by_pk(
        Contribution.objects.filter(task=task, pk__in=ids["contribution"] or [0]).select_related("author", "unit")
    )
    _attach_files(updates=updates, contributions=contributions)
    requests = _by_pk(
        TaskRequest.objects.filter(task=task, pk__in=(ids["request"] + ids["decision"]) or [0]).select_related(
            "requested_by", "decided_by", "unit"
        )
    )
    reviews = _by_pk(CompletionReview.objects.filter(task=task, pk__in=ids["review"] or [0]).select_related("reviewer"))
    urgings = _by_pk(Urging.objects.filter(task=task, pk__in=ids["urging"] or [0]).select_related("author", "unit"))
    return {
        "update": updates,
        "contribution": contributions,
        "request": requests,
        "decision": requests,
        "review": reviews,
        "comment": _comments(task=task, ids=ids["comment"], user=user),
        "urging": urgings,
    }


def _attach_files(*, updates: dict, contributions: dict) -> None:
    """The files of the page's updates and contributions, oldest first: one query."""
    for obj in (*updates.values(), *contributions.values()):
        obj.files = []
    files = Attachment.objects.filter(
        Q(update_id__in=list(updates) or [0]) | Q(contribution_id__in=list(contributions) or [0])
    ).order_by("uploaded_at", "id")
    for attachment in files:
        owner = updates.get(attachment.update_id) or contributions.get(attachment.contribution_id)
        if owner is not None:
            owner.files.append(attachment)


def _comments(*, task: Task, ids: list[int], user) -> dict[int, Comment]:
    """The page's comments with the people they mention (`mentioned_people`): two queries."""
    comments = _by_pk(Comment.objects.filter(task=task, pk__in=ids or [0]).select_related("author"))
    links = (
        Comment.mentions.through.objects.filter(comment_id__in=list(comments) or [0])
        .select_related("user")
        .order_by("user__username")
    )
    now = timezone.now()
    for comment in comments.values():
        comment.mentioned_people = []
        comment.can_change = user is not None and comment_user_can_change(user=user, comment=comment, now=now)
    for link in links:
        comments[link.comment_id].mentioned_people.append(link.user)
    return comments
