"""The task timeline is keyset paged over all its kinds together (issue 12):
updates, contributions, requests, decisions, completion reviews, comments and
urgings, newest first, a fixed page size, a fixed query count per page, and the
"older" link goes on exactly where the page ended."""

import re
from datetime import timedelta
from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tasks.models import (
    Comment,
    CompletionReview,
    Contribution,
    ProgressUpdate,
    RequestKind,
    RequestState,
    ReviewDecision,
    Status,
    TaskRequest,
    Urging,
)
from tasks.selectors import TIMELINE_PAGE_SIZE
from tasks.timeline import RANK, TimelineCursor, task_timeline_page, timeline_key_queries

pytestmark = pytest.mark.django_db

# The keys, the rows of each kind, their files and the comments' mentions.
TIMELINE_QUERIES = 8 + timeline_key_queries()  # 9 on PostgreSQL; SQLite reads the keys per kind


def _journal(world, *, updates: int, comments: int):
    """A task with `updates` progress updates and `comments` comments (one an hour
    and one every 7 minutes, going back from a fixed instant), two contributions, two
    requests (one decided), one completion review and three urgings; several events
    of different kinds share an instant, and three comments share another."""
    task, users = world.task, world.users
    coord_unit = task.coordinating_units.get()
    end = timezone.now().replace(microsecond=0) - timedelta(days=1)
    shared = end - timedelta(minutes=70)
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            task=task,
            author=users["lead_staff"],
            recorded_at=shared if n == 1 else end - timedelta(hours=n),
            status=Status.IN_PROGRESS,
            progress=50,
            previous_status=Status.IN_PROGRESS,
            previous_progress=50,
            note=f"Cập nhật {n}",
        )
        for n in range(updates)
    )
    Comment.objects.bulk_create(
        Comment(
            task=task,
            author=users["coord_staff"],
            body=f"Bình luận {n}",
            created_at=shared if n in (3, 4, 5) else end - timedelta(minutes=7 * n),
        )
        for n in range(comments)
    )
    Contribution.objects.bulk_create(
        Contribution(task=task, author=users["coord_staff"], unit=coord_unit, note=f"Ý kiến {n}", created_at=at)
        for n, at in enumerate((shared, end - timedelta(minutes=95)))
    )
    TaskRequest.objects.bulk_create(
        [
            TaskRequest(
                task=task,
                kind=RequestKind.ON_HOLD,
                state=RequestState.REJECTED,
                unit=task.lead_unit,
                reason="Chờ ý kiến",
                requested_by=users["lead_staff"],
                requested_at=end - timedelta(minutes=200),
                decided_by=users["leadership"],
                decided_at=shared,
            ),
            TaskRequest(
                task=task,
                kind=RequestKind.CANCEL,
                unit=task.lead_unit,
                reason="Không còn cần",
                requested_by=users["lead_staff"],
                requested_at=shared,
            ),
        ]
    )
    first_update = ProgressUpdate.objects.filter(task=task).order_by("recorded_at", "id").first()
    if first_update is not None:
        CompletionReview.objects.create(
            task=task,
            update=first_update,
            decision=ReviewDecision.RETURN,
            reviewer=users["leadership"],
            decided_at=shared,
        )
    Urging.objects.bulk_create(
        Urging(task=task, unit=task.lead_unit, author=users["leadership"], note="Đôn đốc", created_at=at, batch=uuid4())
        for at in (shared, end - timedelta(minutes=33), end - timedelta(minutes=33))
    )


def _everything(task) -> list[tuple[str, int]]:
    """Every event of the task, from each table, in the timeline's order."""
    rows = [("update", u.recorded_at, u.pk) for u in ProgressUpdate.objects.filter(task=task)]
    rows += [("contribution", c.created_at, c.pk) for c in Contribution.objects.filter(task=task)]
    rows += [("request", r.requested_at, r.pk) for r in TaskRequest.objects.filter(task=task)]
    rows += [("decision", r.decided_at, r.pk) for r in TaskRequest.objects.filter(task=task, decided_at__isnull=False)]
    rows += [("review", r.decided_at, r.pk) for r in CompletionReview.objects.filter(task=task)]
    rows += [("comment", c.created_at, c.pk) for c in Comment.objects.filter(task=task)]
    rows += [("urging", u.created_at, u.pk) for u in Urging.objects.filter(task=task)]
    rows.sort(key=lambda row: (-row[1].timestamp(), RANK[row[0]], -row[2]))
    return [(kind, pk) for kind, _when, pk in rows]


def _walk(task) -> tuple[list[list[tuple[str, int]]], list[int]]:
    """Every page from the newest, following the cursor: the events and the queries of each."""
    pages, costs, before = [], [], None
    while True:
        with CaptureQueriesContext(connection) as ctx:
            page = task_timeline_page(task=task, before=before)
        pages.append([(event.kind, event.obj.pk) for event in page.events])
        costs.append(len(ctx.captured_queries))
        if page.next_cursor is None:
            return pages, costs
        before = page.next_cursor


@pytest.mark.parametrize(
    ("updates", "comments", "pages"),
    [(3, 5, 1), (3, 500, 26), (500, 5, 26)],
    ids=["few-of-each", "500-comments", "500-updates"],
)
def test_walking_every_page_gives_every_event_once_in_order(world, updates, comments, pages):
    # Given a task with many of one kind and few of the others (12 events besides updates and comments)
    _journal(world, updates=updates, comments=comments)
    everything = _everything(world.task)
    assert len(everything) == updates + comments + 8 + (1 if updates else 0)

    # When every page is read, following the "older" cursor
    seen, costs = _walk(world.task)

    # Then each page but the last is full, the pages together are the whole timeline
    # in order, without a gap or a repeat, and every page costs the same
    assert len(seen) == pages
    assert [len(page) for page in seen[:-1]] == [TIMELINE_PAGE_SIZE] * (pages - 1)
    assert 1 <= len(seen[-1]) <= TIMELINE_PAGE_SIZE
    assert [event for page in seen for event in page] == everything
    assert costs == [TIMELINE_QUERIES] * pages


def test_events_of_one_instant_come_in_a_fixed_order_of_kinds(world):
    # Given an update, a decision, a review, a request, a contribution, an urging and three comments at one instant
    _journal(world, updates=3, comments=6)

    # When the first page is read
    kinds = [event.kind for event in task_timeline_page(task=world.task).events]

    # Then the instant's events come update first, comments last (the newest id first within a kind)
    shared_at = kinds.index("review") - 2
    assert kinds[shared_at : shared_at + 9] == [
        "update",
        "decision",
        "review",
        "request",
        "contribution",
        "urging",
        "comment",
        "comment",
        "comment",
    ]


def test_the_task_page_shows_a_page_of_20_and_its_older_link_goes_on_where_it_ended(world, as_user):
    # Given 500 comments and few updates
    _journal(world, updates=3, comments=500)
    everything = _everything(world.task)
    client = as_user(world.users["other_staff"])
    url = reverse("tasks:detail", args=[world.task.pk])

    # When the page and then its "older" page are read
    first = client.get(url).content.decode()
    older = re.search(r'href="\?before=([a-z]+-\d+-\d+)#timeline"', first).group(1)
    second = client.get(url, {"before": older}).content.decode()

    # Then each shows 20 events, the second starting right after the first's last
    ids = [re.findall(r'data-kind="(\w+)" id="\w+-(\d+)"', html) for html in (first, second)]
    assert [[(kind, int(pk)) for kind, pk in page] for page in ids] == [everything[:20], everything[20:40]]
    assert 'data-testid="older-updates"' in second


@pytest.mark.parametrize("before", ["", "update-1", "12", "comment-1-99999999999999999", "nope-1-1", "comment-x-1"])
def test_a_malformed_or_unknown_cursor_reads_as_the_first_page_or_an_empty_one(world, as_user, before):
    # Given a task with a few events
    _journal(world, updates=3, comments=5)
    client = as_user(world.users["lead_staff"])

    # When the page is asked for with that cursor
    response = client.get(reverse("tasks:detail", args=[world.task.pk]), {"before": before})

    # Then it answers: a malformed cursor is the first page; a cursor far in the future lists everything too
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="timeline-item"') == 17


def test_a_cursor_survives_the_deletion_of_the_event_it_names(world):
    # Given the first page's cursor, and its last event then gone
    _journal(world, updates=30, comments=0)
    page = task_timeline_page(task=world.task, limit=4)
    cursor = TimelineCursor.parse(page.next_cursor)
    everything = _everything(world.task)
    assert everything[3] == (cursor.kind, cursor.pk) == ("update", cursor.pk)
    ProgressUpdate.objects.filter(pk=cursor.pk).delete()

    # When the next page is read (the cursor holds the whole key, not a reference)
    after = task_timeline_page(task=world.task, before=page.next_cursor, limit=4)

    # Then it starts right after it
    assert [(event.kind, event.obj.pk) for event in after.events] == everything[4:8]


def test_a_page_can_begin_with_any_event_for_a_link_to_it(world):
    # Given 200 comments, and the 150th newest event (a link from a notification, say)
    _journal(world, updates=3, comments=200)
    everything = _everything(world.task)
    kind, pk = everything[150]
    when = Comment.objects.get(pk=pk).created_at

    # When the page beginning with it is read
    cursor = TimelineCursor.starting_at(when=when, kind=kind, pk=pk).token()
    page = task_timeline_page(task=world.task, before=cursor)

    # Then it begins with that event and goes on in order
    assert [(event.kind, event.obj.pk) for event in page.events] == everything[150:170]
