"""Reads of the work plan: querysets with everything a page needs applied
inside, and the plan's figures as of any date, computed in the database.

The state "as of" a date is rebuilt from the journal (ProgressUpdate), never
from the task's current fields, except when the date is today or later, where
the two are equal by construction (tasks.services keeps them in step) and the
fields are cheaper to read.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncWeek
from django.utils import timezone

from units.models import Unit
from units.selectors import user_is_leadership, user_load_access, user_unit_ids

from .models import (
    OPEN_STATUSES,
    CompletionReview,
    DueDateChange,
    ProgressUpdate,
    RequestState,
    Status,
    Task,
    TaskCoordination,
    TaskRequest,
    WorkPlan,
)

# The four-way classification used by Vietnamese government reports, plus
# cancelled tasks, which stand outside it.
STATE_COMPLETED_ON_TIME = "completed_on_time"
STATE_COMPLETED_LATE = "completed_late"
STATE_OPEN_WITHIN_DEADLINE = "open_within_deadline"
STATE_OPEN_OVERDUE = "open_overdue"
STATE_CANCELLED = "cancelled"
FOUR_WAY_STATES = (STATE_COMPLETED_ON_TIME, STATE_COMPLETED_LATE, STATE_OPEN_WITHIN_DEADLINE, STATE_OPEN_OVERDUE)

# Keys of the `counts` object (dashboard JSON, weekly report snapshot).
COUNT_KEYS = (
    "total",
    "completed_on_time",
    "completed_late",
    "open_within_deadline",
    "open_overdue",
    "not_started",
    "in_progress",
    "on_hold",
    "cancelled",
    "at_risk",
    "stale",
    "extended",
    "awaiting_confirmation",
    "pending_requests",
)
# Stale applies to work that should be moving; a task on hold is paused on purpose.
STALE_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)
# The statuses counted on their own (COUNT_KEYS); completed is split by deadline instead.
COUNTED_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.ON_HOLD, Status.CANCELLED)
COUNTED_FLAGS = (
    ("at_risk", "s_at_risk"),
    ("stale", "s_stale"),
    ("extended", "s_extended"),
    ("awaiting_confirmation", "s_awaiting_confirmation"),
    ("pending_requests", "s_pending_request"),
)


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_today() -> date:
    return timezone.localdate()


def day_start(day: date) -> datetime:
    """00:00 of a day in the agency's time zone, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=local_tz())


def cutoff_for(as_of: date) -> datetime:
    """Updates recorded before this instant count for `as_of` (so the whole day counts)."""
    return day_start(as_of + timedelta(days=1))


class DaysBetween(Func):
    """Whole days from the second date to the first, on PostgreSQL and SQLite."""

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):  # PostgreSQL: date - date is an integer
        lhs, lhs_params = compiler.compile(self.source_expressions[0])
        rhs, rhs_params = compiler.compile(self.source_expressions[1])
        return f"({lhs} - {rhs})", (*lhs_params, *rhs_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        lhs, lhs_params = compiler.compile(self.source_expressions[0])
        rhs, rhs_params = compiler.compile(self.source_expressions[1])
        return f"CAST(ROUND(julianday({lhs}) - julianday({rhs})) AS INTEGER)", (*lhs_params, *rhs_params)


def expected_progress(*, as_of: date, due: str = "due_date"):
    """The elapsed share of the task's start-to-due period, in percent (0-100)."""
    elapsed = DaysBetween(Value(as_of), F("start_date"))
    span = DaysBetween(F(due), F("start_date"))
    return Case(
        When(**{f"{due}__lte": as_of}, then=Value(100.0)),
        When(start_date__gte=as_of, then=Value(0.0)),
        default=Value(100.0) * elapsed / span,
        output_field=FloatField(),
    )


def task_annotate_as_of(qs: QuerySet[Task], *, as_of: date | None = None) -> QuerySet[Task]:
    """Annotate each task with its state as of the end of `as_of` (default today).

    Adds: `s_status`, `s_progress`, `s_last_update`, `s_completed_at`,
    `s_due_date` (the due date in force), `s_expected` (expected progress),
    `s_state` (one of FOUR_WAY_STATES or "cancelled"), and booleans
    `s_overdue`, `s_at_risk`, `s_stale`, `s_extended` (due date moved by
    then), `s_pending_request`, `s_awaiting_confirmation`.

    Rules: no update by then means not started; a completed task was completed
    when its final run of "completed" updates began; the due date in force on
    `as_of` is the one set by the latest due-date change effective by the end
    of that day; an open task is overdue when that date is before `as_of`; at
    risk when open and its progress is more than AT_RISK_MARGIN points below
    the expected progress; stale when not started or in progress and not
    updated for STALE_AFTER_DAYS days.
    """
    today = local_today()
    as_of = as_of or today
    qs = _annotate_latest_state(qs, as_of=as_of, today=today)
    qs = _annotate_process_state(qs, as_of=as_of, today=today)
    return qs.annotate(
        s_completed_on=TruncDate("s_completed_at", tzinfo=local_tz()),
        s_expected=expected_progress(as_of=as_of, due="s_due_date"),
    ).annotate(**_state_and_flags(as_of=as_of))


def _annotate_latest_state(qs: QuerySet[Task], *, as_of: date, today: date) -> QuerySet[Task]:
    """`s_status`, `s_progress`, `s_last_update`, `s_completed_at` as of `as_of`."""
    if as_of >= today:
        return qs.annotate(
            s_status=F("status"),
            s_progress=F("progress"),
            s_last_update=F("last_update_at"),
            s_completed_at=F("completed_at"),
        )
    journal = ProgressUpdate.objects.filter(task=OuterRef("pk"), recorded_at__lt=cutoff_for(as_of)).order_by(
        "-recorded_at", "-id"
    )
    run_starts = journal.filter(status=Status.COMPLETED).exclude(previous_status=Status.COMPLETED)
    return qs.annotate(
        s_status=Coalesce(Subquery(journal.values("status")[:1]), Value(Status.NOT_STARTED), output_field=CharField()),
        s_progress=Coalesce(Subquery(journal.values("progress")[:1]), Value(0), output_field=IntegerField()),
        s_last_update=Subquery(journal.values("recorded_at")[:1], output_field=DateTimeField()),
    ).annotate(s_completed_at=_when_completed(run_starts.values("recorded_at")[:1], DateTimeField()))


def _when_completed(subquery, output_field):
    """A fact of the completion run, read only for a task completed by then (as
    the task's own `completed_at`, None otherwise): looking for the run's start
    in an open task's journal would scan all its entries."""
    return Case(
        When(s_status=Status.COMPLETED, then=Subquery(subquery, output_field=output_field)),
        default=Value(None),
        output_field=output_field,
    )


def _annotate_process_state(qs: QuerySet[Task], *, as_of: date, today: date) -> QuerySet[Task]:
    """`s_due_date` (in force), `s_extended`, `s_pending_request` and `s_confirmed` as of `as_of`."""
    completions = ProgressUpdate.objects.filter(task=OuterRef("pk"), status=Status.COMPLETED).exclude(
        previous_status=Status.COMPLETED
    )
    if as_of >= today:
        return qs.annotate(
            s_due_date=F("due_date"),
            s_extended=Exists(DueDateChange.objects.filter(task=OuterRef("pk"))),
            s_pending_request=Exists(TaskRequest.objects.filter(task=OuterRef("pk"), state=RequestState.PENDING)),
            s_completion_id=_when_completed(
                completions.order_by("-recorded_at", "-id").values("pk")[:1], IntegerField()
            ),
            s_confirmed=Exists(CompletionReview.objects.filter(update_id=OuterRef("s_completion_id"))),
        )
    cutoff = cutoff_for(as_of)
    changes = DueDateChange.objects.filter(task=OuterRef("pk"))
    run_starts = completions.filter(recorded_at__lt=cutoff).order_by("-recorded_at", "-id")
    return qs.annotate(
        # The due date in force: set by the latest change effective by the
        # end of `as_of`; before any change, the original one.
        s_due_date=Coalesce(
            Subquery(
                changes.filter(effective_at__lt=cutoff).order_by("-effective_at", "-id").values("new_due_date")[:1]
            ),
            Subquery(changes.order_by("effective_at", "id").values("old_due_date")[:1]),
            F("due_date"),
            output_field=DateField(),
        ),
        s_extended=Exists(changes.filter(effective_at__lt=cutoff)),
        s_pending_request=Exists(
            TaskRequest.objects.filter(task=OuterRef("pk"), requested_at__lt=cutoff).filter(
                Q(state=RequestState.PENDING) | Q(decided_at__gte=cutoff)
            )
        ),
        s_completion_id=_when_completed(run_starts.values("pk")[:1], IntegerField()),
        s_confirmed=Exists(
            CompletionReview.objects.filter(update_id=OuterRef("s_completion_id"), decided_at__lt=cutoff)
        ),
    )


def _state_and_flags(*, as_of: date) -> dict:
    """`s_state` and the booleans `s_overdue`, `s_at_risk`, `s_stale`,
    `s_awaiting_confirmation`, from the latest state and the due date in force."""
    open_q = Q(s_status__in=OPEN_STATUSES)
    stale_since = day_start(as_of - timedelta(days=settings.STALE_AFTER_DAYS - 1))
    return {
        "s_state": Case(
            When(
                Q(s_status=Status.COMPLETED, s_completed_on__lte=F("s_due_date")), then=Value(STATE_COMPLETED_ON_TIME)
            ),
            When(s_status=Status.COMPLETED, then=Value(STATE_COMPLETED_LATE)),
            When(s_status=Status.CANCELLED, then=Value(STATE_CANCELLED)),
            When(s_due_date__lt=as_of, then=Value(STATE_OPEN_OVERDUE)),
            default=Value(STATE_OPEN_WITHIN_DEADLINE),
            output_field=CharField(),
        ),
        "s_overdue": Case(
            When(open_q & Q(s_due_date__lt=as_of), then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        # A reported completion counts at once; until a decider confirms it, it
        # awaits confirmation (a return reopens the task through the journal).
        "s_awaiting_confirmation": Case(
            When(Q(s_status=Status.COMPLETED, s_confirmed=False), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        "s_at_risk": Case(
            When(open_q & Q(s_expected__gt=F("s_progress") + settings.AT_RISK_MARGIN), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        "s_stale": Case(
            When(
                Q(s_status__in=STALE_STATUSES)
                & (
                    Q(s_last_update__lt=stale_since)
                    | Q(s_last_update__isnull=True, start_date__lte=as_of - timedelta(days=settings.STALE_AFTER_DAYS))
                ),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
    }


def count_aggregates() -> dict:
    """Conditional aggregates over a queryset annotated by task_annotate_as_of."""
    aggregates = {"total": Count("pk")}
    for state in FOUR_WAY_STATES:
        aggregates[state] = Count("pk", filter=Q(s_state=state))
    for status in (Status.NOT_STARTED, Status.IN_PROGRESS, Status.ON_HOLD, Status.CANCELLED):
        aggregates[str(status)] = Count("pk", filter=Q(s_status=status))
    aggregates["at_risk"] = Count("pk", filter=Q(s_at_risk=True))
    aggregates["stale"] = Count("pk", filter=Q(s_stale=True))
    aggregates["extended"] = Count("pk", filter=Q(s_extended=True))
    aggregates["awaiting_confirmation"] = Count("pk", filter=Q(s_awaiting_confirmation=True))
    aggregates["pending_requests"] = Count("pk", filter=Q(s_pending_request=True))
    aggregates["average_progress"] = Avg("s_progress", filter=~Q(s_status=Status.CANCELLED))
    return aggregates


@dataclass(frozen=True)
class PlanFigures:
    plan: WorkPlan
    as_of: date
    counts: dict
    average_progress: float
    by_unit: list[dict]
    by_field: list[dict]


def plan_default_as_of(*, plan: WorkPlan) -> date:
    return local_today()


def plan_figures(
    *, plan: WorkPlan, as_of: date, tasks: QuerySet[Task] | None = None, states: list[dict] | None = None
) -> PlanFigures:
    """Headline counts, per lead unit and per field, as of a date. Two queries
    (one when the caller passes the `states` of task_states(tasks, as_of=as_of)).

    The state of every task is read once (`task_states`: one row per task,
    each fact from the journal computed once), then counted here in one pass;
    the rules are those of task_annotate_as_of, which the task list filters on,
    so a figure equals the rows its link shows (tests compare both on every date)."""
    from .models import Field

    base = tasks if tasks is not None else Task.objects.filter(plan=plan)
    rows = states if states is not None else task_states(base, as_of=as_of)
    whole, per_unit, per_field = _Tally(), {}, {}
    for row in rows:
        keys = row["_counts"]
        whole.add(keys, row)
        (per_unit.get(row["lead_unit_id"]) or per_unit.setdefault(row["lead_unit_id"], _Tally())).add(keys, row)
        (per_field.get(row["field"]) or per_field.setdefault(row["field"], _Tally())).add(keys, row)
    # Every unit (a few dozen rows), so the query runs whatever the tasks: a fixed count.
    # In the database's order (its collation sorts the codes, as the list does).
    units = Unit.objects.order_by("sort_order", "code").values("pk", "code", "name", "name_en")
    by_unit = [
        {"unit": unit["code"], "name": unit["name"], "name_en": unit["name_en"], **per_unit[unit["pk"]].result()}
        for unit in units
        if unit["pk"] in per_unit
    ]
    labels = dict(Field.choices)
    by_field = [
        {"field": field, "label": str(labels.get(field, field)), **tally.result()}
        for field, tally in sorted(per_field.items())
    ]
    total = whole.result()
    average = total.pop("average_progress")
    return PlanFigures(
        plan=plan, as_of=as_of, counts=total, average_progress=average, by_unit=by_unit, by_field=by_field
    )


class _Tally:
    """count_aggregates over classified rows: the COUNT_KEYS counts and the
    average progress of the tasks that are not cancelled."""

    __slots__ = ("counts", "progress_sum", "progress_n")

    def __init__(self):
        self.counts = dict.fromkeys(COUNT_KEYS, 0)
        self.progress_sum = self.progress_n = 0

    def add(self, keys: tuple, row: dict) -> None:
        counts = self.counts
        for key in keys:
            counts[key] += 1
        if row["s_status"] != Status.CANCELLED:
            self.progress_sum += row["s_progress"]
            self.progress_n += 1

    def result(self) -> dict:
        average = round(self.progress_sum / self.progress_n, 1) if self.progress_n else 0.0
        return {**self.counts, "average_progress": average}


STATE_FACTS = (
    "s_status",
    "s_progress",
    "s_last_update",
    "s_completed_at",
    "s_due_date",
    "s_extended",
    "s_pending_request",
    "s_confirmed",
)


def task_states(qs: QuerySet[Task], *, as_of: date) -> list[dict]:
    """Every task of `qs` with its state as of `as_of`, in one query and one pass, by code
    (in the database's collation).

    The query reads each fact once per task (the journal's latest entry by the
    cutoff, the start of the final completed run, only for a completed task,
    the due date in force, the pending request and confirmation): a probe of an
    index each, never repeated inside the classification or an aggregate. The
    classification (`s_state` and the flags) is then derived here by
    `classify_state`, the same rules task_annotate_as_of writes in SQL.
    """
    today = local_today()
    if as_of < today and connection.vendor == "postgresql":
        rows = _past_facts_postgresql(qs, as_of=as_of)
    else:
        annotated = _annotate_process_state(
            _annotate_latest_state(qs.order_by(), as_of=as_of, today=today), as_of=as_of, today=today
        )
        rows = list(
            annotated.order_by("code", "pk").values("pk", "code", "lead_unit_id", "field", "start_date", *STATE_FACTS)
        )
    rules = _StateRules.for_date(as_of)
    for row in rows:
        row.update(rules.classify(row))
    return rows


# The facts of a past date on PostgreSQL: the journal's latest entry by the cutoff
# read once per task by a LATERAL join (its status, progress and time together,
# where the portable annotations probe the index once for each and again inside
# every expression that uses the status), the completed run's start only for a
# completed task. Same facts as _annotate_latest_state/_annotate_process_state;
# tasks/tests/test_states_one_pass.py compares both on every date.
PAST_FACTS_SQL = """
SELECT t.id AS pk, t.code, t.lead_unit_id, t.field, t.start_date,
       COALESCE(latest.status, %s) AS s_status,
       COALESCE(latest.progress, 0) AS s_progress,
       latest.recorded_at AS s_last_update,
       run.recorded_at AS s_completed_at,
       COALESCE(moved.new_due_date, first_change.old_due_date, t.due_date) AS s_due_date,
       COALESCE(moved.found, FALSE) AS s_extended,
       EXISTS (SELECT 1 FROM {request} r WHERE r.task_id = t.id AND r.requested_at < %s
               AND (r.state = %s OR r.decided_at >= %s)) AS s_pending_request,
       EXISTS (SELECT 1 FROM {review} v WHERE v.update_id = run.id AND v.decided_at < %s) AS s_confirmed
FROM {task} t
LEFT JOIN LATERAL (SELECT u.status, u.progress, u.recorded_at FROM {update} u
                   WHERE u.task_id = t.id AND u.recorded_at < %s
                   ORDER BY u.recorded_at DESC, u.id DESC LIMIT 1) latest ON TRUE
LEFT JOIN LATERAL (SELECT u.id, u.recorded_at FROM {update} u
                   WHERE latest.status = %s AND u.task_id = t.id AND u.recorded_at < %s
                     AND u.status = %s AND u.previous_status <> %s
                   ORDER BY u.recorded_at DESC, u.id DESC LIMIT 1) run ON TRUE
LEFT JOIN LATERAL (SELECT TRUE AS found, d.new_due_date FROM {change} d
                   WHERE d.task_id = t.id AND d.effective_at < %s
                   ORDER BY d.effective_at DESC, d.id DESC LIMIT 1) moved ON TRUE
LEFT JOIN LATERAL (SELECT d.old_due_date FROM {change} d WHERE d.task_id = t.id
                   ORDER BY d.effective_at, d.id LIMIT 1) first_change ON TRUE
WHERE t.id IN ({scope})
ORDER BY t.code, t.id
"""


def _past_facts_postgresql(qs: QuerySet[Task], *, as_of: date) -> list[dict]:
    scope, scope_params = qs.order_by().values("pk").query.sql_with_params()
    cutoff, done = cutoff_for(as_of), Status.COMPLETED.value
    sql = PAST_FACTS_SQL.format(
        task=Task._meta.db_table,
        update=ProgressUpdate._meta.db_table,
        change=DueDateChange._meta.db_table,
        request=TaskRequest._meta.db_table,
        review=CompletionReview._meta.db_table,
        scope=scope,
    )
    params = [Status.NOT_STARTED.value, cutoff, RequestState.PENDING.value, cutoff, cutoff, cutoff]
    params += [done, cutoff, done, done, cutoff, *scope_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass(frozen=True)
class _StateRules:
    """task_annotate_as_of's `_state_and_flags`, in Python, for rows of facts."""

    as_of: date
    stale_since: datetime
    never_updated_stale_from: date
    tz: ZoneInfo

    @classmethod
    def for_date(cls, as_of: date) -> "_StateRules":
        return cls(
            as_of=as_of,
            stale_since=day_start(as_of - timedelta(days=settings.STALE_AFTER_DAYS - 1)),
            never_updated_stale_from=as_of - timedelta(days=settings.STALE_AFTER_DAYS),
            tz=local_tz(),
        )

    def classify(self, row: dict) -> dict:
        status, due = row["s_status"], row["s_due_date"]
        is_open = status in OPEN_STATUSES
        overdue_date = due is not None and due < self.as_of
        if status == Status.COMPLETED:
            done = row["s_completed_at"]
            on_time = done is not None and due is not None and done.astimezone(self.tz).date() <= due
            state = STATE_COMPLETED_ON_TIME if on_time else STATE_COMPLETED_LATE
        elif status == Status.CANCELLED:
            state = STATE_CANCELLED
        else:
            state = STATE_OPEN_OVERDUE if overdue_date else STATE_OPEN_WITHIN_DEADLINE
        last, start = row["s_last_update"], row["start_date"]
        flags = {
            "s_state": state,
            "s_overdue": is_open and overdue_date,
            "s_awaiting_confirmation": status == Status.COMPLETED and not row["s_confirmed"],
            "s_at_risk": is_open and self.expected(start, due) > row["s_progress"] + settings.AT_RISK_MARGIN,
            "s_stale": status in STALE_STATUSES
            and (
                (last is not None and last < self.stale_since)
                or (last is None and start is not None and start <= self.never_updated_stale_from)
            ),
        }
        return flags | {"_counts": self._count_keys(row | flags)}

    @staticmethod
    def _count_keys(row: dict) -> tuple:
        """The COUNT_KEYS this task adds one to (count_aggregates' filters)."""
        keys = ["total"]
        if row["s_state"] in FOUR_WAY_STATES:
            keys.append(row["s_state"])
        if row["s_status"] in COUNTED_STATUSES:
            keys.append(row["s_status"])
        keys += [key for key, flag in COUNTED_FLAGS if row[flag]]
        return tuple(keys)

    def expected(self, start: date | None, due: date | None) -> float:
        """expected_progress: 100 once due, 0 before the start, else the elapsed share."""
        if due is None or start is None:
            return float("-inf")  # SQL: NULL, so never at risk
        if due <= self.as_of:
            return 100.0
        if start >= self.as_of:
            return 0.0
        return 100.0 * (self.as_of - start).days / (due - start).days


def week_bounds(day: date) -> tuple[date, date]:
    """Monday and Sunday of the ISO week containing `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def plan_burnup(
    *, plan: WorkPlan, until: date, tasks: QuerySet[Task] | None = None, full_weeks: dict | None = None
) -> list[dict]:
    """Week by week through the plan: tasks completed, tasks due and average progress.

    Built from the journal's stored deltas (previous_status/previous_progress)
    summed per week in the database; "due" counts each task against the due
    date in force at the end of that week. Four queries whatever the data size.
    `full_weeks`: burnup_deltas_by_week of the same tasks through the plan's end,
    read earlier under the same journal version (a cache): the weeks before
    `until`'s are taken from it and only that last week is read from the journal.
    """
    base = tasks if tasks is not None else Task.objects.filter(plan=plan)
    first_monday, _ = week_bounds(plan.start_date)
    last_day = min(plan.end_date, until)
    if last_day < first_monday:
        return []

    by_week = _burnup_weeks(tasks=base, last_day=last_day, full_weeks=full_weeks)
    moved = _due_date_changes_by_task(tasks=base)
    due_rows = (
        base.order_by()
        .exclude(pk__in=list(moved))
        .annotate(week=TruncWeek("due_date"))
        .values("week")
        .annotate(n=Count("pk"))
    )
    due_by_week = {_as_date(row["week"]): row["n"] for row in due_rows}
    total = base.count() if tasks is not None else Task.objects.filter(plan=plan).count()

    weeks = []
    completed = cancelled_n = progress_sum = 0
    due = sum(n for week, n in due_by_week.items() if week < first_monday)
    monday = first_monday
    while monday <= last_day:
        row = by_week.get(monday)
        if row:
            completed += row["completed_delta"] or 0
            cancelled_n += row["cancelled_delta"] or 0
            progress_sum += row["progress_delta"] or 0
        due += due_by_week.get(monday, 0)
        sunday = monday + timedelta(days=6)
        cutoff = cutoff_for(min(sunday, last_day))
        moved_due = sum(_due_in_force(original, changes, cutoff) <= sunday for original, changes in moved.values())
        active = total - cancelled_n
        iso = monday.isocalendar()
        weeks.append(
            {
                "week": f"{iso.year}-W{iso.week:02d}",
                "start": monday.isoformat(),
                "end": (monday + timedelta(days=6)).isoformat(),
                "completed": completed,
                "due": due + moved_due,
                "average_progress": round(progress_sum / active, 1) if active else 0.0,
            }
        )
        monday += timedelta(days=7)
    return weeks


def _burnup_weeks(*, tasks: QuerySet[Task], last_day: date, full_weeks: dict | None) -> dict[date, dict]:
    if full_weeks is None:
        return burnup_deltas_by_week(tasks=tasks, until=last_day)
    last_monday, _ = week_bounds(last_day)
    by_week = {week: row for week, row in full_weeks.items() if week < last_monday}
    by_week.update(burnup_deltas_by_week(tasks=tasks, until=last_day, since=last_monday))
    return by_week


def burnup_deltas_by_week(*, tasks: QuerySet[Task], until: date, since: date | None = None) -> dict[date, dict]:
    """Per week (its Monday): the change in completed and cancelled tasks and in
    the progress sum over tasks that are not cancelled, from the journal up to the
    end of `until` (and from the start of `since`, a Monday, if given). One query."""
    done = Q(status=Status.COMPLETED)
    was_done = Q(previous_status=Status.COMPLETED)
    cancelled = Q(status=Status.CANCELLED)
    was_cancelled = Q(previous_status=Status.CANCELLED)
    journal = ProgressUpdate.objects.filter(task__in=tasks.values("pk"), recorded_at__lt=cutoff_for(until))
    if since is not None:
        journal = journal.filter(recorded_at__gte=day_start(since))
    deltas = (
        journal.annotate(week=TruncWeek("recorded_at", tzinfo=local_tz()))
        .values("week")
        .annotate(
            completed_delta=Sum(
                Case(
                    When(done & ~was_done, then=1),
                    When(was_done & ~done, then=-1),
                    default=0,
                    output_field=IntegerField(),
                )
            ),
            cancelled_delta=Sum(
                Case(
                    When(cancelled & ~was_cancelled, then=1),
                    When(was_cancelled & ~cancelled, then=-1),
                    default=0,
                    output_field=IntegerField(),
                )
            ),
            # Sum of progress over tasks that are not cancelled.
            progress_delta=Sum(
                Case(
                    When(~cancelled & ~was_cancelled, then=F("progress") - F("previous_progress")),
                    When(cancelled & ~was_cancelled, then=-F("previous_progress")),
                    When(~cancelled & was_cancelled, then=F("progress")),
                    default=0,
                    output_field=IntegerField(),
                )
            ),
        )
        .order_by("week")
    )
    return {_as_date(row["week"]): row for row in deltas}


def _due_date_changes_by_task(*, tasks: QuerySet[Task]) -> dict[int, tuple[date, list]]:
    """Tasks whose due date moved: their original date and their changes
    (effective time, new date), oldest first. Few rows; one query."""
    moved: dict[int, tuple[date, list]] = {}
    for task_id, old, new, effective in (
        DueDateChange.objects.filter(task__in=tasks.values("pk"))
        .order_by("task_id", "effective_at", "id")
        .values_list("task_id", "old_due_date", "new_due_date", "effective_at")
    ):
        moved.setdefault(task_id, (old, []))[1].append((effective, new))
    return moved


def _due_in_force(original: date, changes: list, cutoff: datetime) -> date:
    due = original
    for effective, new in changes:
        if effective < cutoff:
            due = new
    return due


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def plan_updates_between(*, plan: WorkPlan, start: date, end: date) -> QuerySet[ProgressUpdate]:
    """Updates that took effect from `start` to `end` inclusive (local days)."""
    return (
        ProgressUpdate.objects.filter(
            task__plan=plan, recorded_at__gte=day_start(start), recorded_at__lt=cutoff_for(end)
        )
        .select_related("task", "task__lead_unit", "author")
        .order_by("-recorded_at", "-id")
    )


def plan_week_activity(*, plan: WorkPlan, start: date, end: date) -> dict:
    """How many updates, status changes and completions a period saw. One query."""
    return ProgressUpdate.objects.filter(
        task__plan=plan, recorded_at__gte=day_start(start), recorded_at__lt=cutoff_for(end)
    ).aggregate(
        updates=Count("pk"),
        status_changes=Count("pk", filter=~Q(status=F("previous_status"))),
        completed=Count("pk", filter=Q(status=Status.COMPLETED) & ~Q(previous_status=Status.COMPLETED)),
        tasks_updated=Count("task", distinct=True),
    )


def plan_units_not_updated(
    *, plan: WorkPlan, start: date, end: date, states: list[dict] | None = None
) -> QuerySet[Unit]:
    """Lead units with tasks in progress (as of `end`) whose tasks got no update in the period.
    `states`: the plan's task_states as of `end`, when the caller has them (no second pass)."""
    if states is not None:
        in_progress = [row["lead_unit_id"] for row in states if row["s_status"] == Status.IN_PROGRESS] or [0]
    else:
        annotated = task_annotate_as_of(Task.objects.filter(plan=plan), as_of=end)
        in_progress = annotated.filter(s_status=Status.IN_PROGRESS).values("lead_unit")
    updated = ProgressUpdate.objects.filter(
        task__plan=plan,
        task__lead_unit=OuterRef("pk"),
        recorded_at__gte=day_start(start),
        recorded_at__lt=cutoff_for(end),
    )
    return (
        Unit.objects.filter(pk__in=in_progress)
        .annotate(posted=Exists(updated))
        .filter(posted=False)
        .order_by("sort_order", "code")
    )


# --- permissions and lists -----------------------------------------------


def user_can_decide(user) -> bool:
    """Who confirms completions and decides requests: the permission
    `tasks.decide_request` (Leadership by default, assignable in the admin). The permissions are
    read with the person's memberships (user_load_access): no query of its own."""
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_perm_cache"):
        user_load_access(user)
    return user.has_perm("tasks.decide_request")


def task_user_can_record_progress(*, user, task: Task) -> bool:
    """Staff and heads of the lead unit record status and progress; nobody else."""
    return task.lead_unit_id in user_unit_ids(user)


def task_user_contributing_units(*, user, task: Task) -> list[Unit]:
    """The coordinating units of the task the user belongs to (they may post contributions).
    No query when the task's coordinations are prefetched (task_get_detail)."""
    unit_ids = user_unit_ids(user)
    if not unit_ids:
        return []
    if "coordinations" in getattr(task, "_prefetched_objects_cache", {}):
        units = [coordination.unit for coordination in task.coordinations.all() if coordination.unit_id in unit_ids]
        return sorted(units, key=lambda unit: (unit.sort_order, unit.code))
    return list(Unit.objects.filter(pk__in=unit_ids, coordinations__task_id=task.pk).order_by("sort_order", "code"))


def task_user_can_read_attachments(*, user, task: Task) -> bool:
    """Attachments are the units' working documents: members of the lead and
    coordinating units, Leadership, admins and deciders read them."""
    if not user.is_authenticated:
        return False
    if user_is_leadership(user) or user_can_decide(user):
        return True
    unit_ids = user_unit_ids(user)
    if not unit_ids:
        return False
    if task.lead_unit_id in unit_ids:
        return True
    return TaskCoordination.objects.filter(task_id=task.pk, unit_id__in=unit_ids).exists()


def task_annotate_can_update(qs: QuerySet[Task], *, user) -> QuerySet[Task]:
    """Adds `can_update` (lead unit) and `can_contribute` (coordinating unit) to every row, in the same query."""
    unit_ids = list(user_unit_ids(user))
    if not unit_ids:
        return qs.annotate(
            can_update=Value(False, output_field=BooleanField()),
            can_contribute=Value(False, output_field=BooleanField()),
        )
    return qs.annotate(
        can_update=Case(When(lead_unit_id__in=unit_ids, then=Value(True)), default=Value(False)),
        can_contribute=Exists(TaskCoordination.objects.filter(task=OuterRef("pk"), unit_id__in=unit_ids)),
    )


def plan_get_current() -> WorkPlan | None:
    """The plan of the current year, else the latest one."""
    year = local_today().year
    return WorkPlan.objects.filter(year=year).first() or WorkPlan.objects.order_by("-year").first()


# --- staff pages: list, detail, journal, field history ----------------------

TIMELINE_PAGE_SIZE = 20
FIELD_HISTORY_LIMIT = 50


def task_list_base(*, user) -> QuerySet[Task]:
    """Rows of the task list and its exports: everything a row shows, in one query."""
    return task_annotate_can_update(
        Task.objects.select_related("lead_unit", "plan"),
        user=user,
    )


def task_get_detail(*, pk: int) -> Task:
    """A task with its units, parent and sub-tasks loaded (three queries), and its marks of today
    (`s_overdue`, `s_at_risk`, `s_expected`, … by task_annotate_as_of's rules, see task_state_today)."""
    from django.db.models import Prefetch

    task = (
        Task.objects.select_related("lead_unit", "plan", "parent")
        .prefetch_related(
            Prefetch(
                "coordinations",
                queryset=TaskCoordination.objects.select_related("unit").order_by("unit__sort_order", "unit__code"),
            ),
            Prefetch("subtasks", queryset=Task.objects.select_related("lead_unit").order_by("code")),
        )
        .get(pk=pk)
    )
    return task_state_today(task)


def task_state_today(task: Task) -> Task:
    """Set the task's state today from its own fields, which equal its latest journal entry by
    construction (tasks.services keeps them in step): `s_status`, `s_progress`, `s_due_date`,
    `s_expected`, `s_state`, `s_overdue`, `s_at_risk`, `s_stale`, by the rules of
    task_annotate_as_of, without its sub-queries. Not the process marks (extension, pending
    request, awaiting confirmation): the detail page reads those lists itself."""
    rules = _StateRules.for_date(local_today())
    row = {
        "s_status": task.status,
        "s_progress": task.progress,
        "s_last_update": task.last_update_at,
        "s_completed_at": task.completed_at,
        "s_due_date": task.due_date,
        "start_date": task.start_date,
        "s_confirmed": True,
        "s_extended": False,
        "s_pending_request": False,
    }
    flags = rules.classify(row)
    for name in ("s_status", "s_progress", "s_due_date"):
        setattr(task, name, row[name])
    for name in ("s_state", "s_overdue", "s_at_risk", "s_stale"):
        setattr(task, name, flags[name])
    task.s_expected = rules.expected(task.start_date, task.due_date)
    return task


def task_subtask_rollup(*, task: Task) -> float | None:
    """Average progress of the (prefetched) sub-tasks that are not cancelled; None without sub-tasks."""
    progresses = [sub.progress for sub in task.subtasks.all() if sub.status != Status.CANCELLED]
    if not progresses:
        return None
    return round(sum(progresses) / len(progresses), 1)


def task_latest_update(*, task: Task) -> ProgressUpdate | None:
    return ProgressUpdate.objects.filter(task=task).select_related("author").order_by("-recorded_at", "-id").first()


def _display_value(value):
    from django.utils.formats import date_format

    if isinstance(value, date) and not isinstance(value, datetime):
        return date_format(value, "SHORT_DATE_FORMAT")
    return value


def task_field_history(*, task: Task, limit: int = FIELD_HISTORY_LIMIT) -> list[dict]:
    """Edits of the task's plan fields, newest first: who, when and each field's old -> new value.

    Diffs are computed in memory between consecutive history rows; unit ids
    are turned into codes with one query. At most three queries whatever the length.
    """
    records = list(task.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    pairs = []
    for index, record in enumerate(records[:limit]):
        older = records[index + 1] if index + 1 < len(records) else None
        pairs.append((record, record.diff_against(older).changes if older is not None else []))
    unit_ids = {
        value
        for _record, changes in pairs
        for change in changes
        if change.field == "lead_unit"
        for value in (change.old, change.new)
    }
    task_ids = {
        value
        for _record, changes in pairs
        for change in changes
        if change.field == "parent"
        for value in (change.old, change.new)
    }
    units = dict(Unit.objects.filter(pk__in=unit_ids - {None}).values_list("pk", "code")) if unit_ids else {}
    parents = dict(Task.objects.filter(pk__in=task_ids - {None}).values_list("pk", "code")) if task_ids else {}
    names = {field.name: field.verbose_name for field in Task._meta.fields}
    entries = []
    for record, changes in pairs:
        rows = []
        for change in changes:
            old, new = change.old, change.new
            if change.field == "lead_unit":
                old, new = units.get(old, old), units.get(new, new)
            elif change.field == "parent":
                old, new = parents.get(old, old), parents.get(new, new)
            old, new = _display_value(old), _display_value(new)
            rows.append({"field": change.field, "label": names.get(change.field, change.field), "old": old, "new": new})
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "type": record.history_type,
                "reason": record.history_change_reason,
                "changes": rows,
            }
        )
    return entries


# --- the accountable process: timeline, requests, evidence --------------------


def task_attachments(*, task: Task) -> list:
    from .models import Attachment

    return list(Attachment.objects.filter(task=task).select_related("uploaded_by").order_by("-uploaded_at", "-id"))


def task_due_date_changes(*, task: Task) -> list[DueDateChange]:
    """The due-date journal of a task, oldest first (one query)."""
    return list(
        DueDateChange.objects.filter(task=task).select_related("decided_by", "request").order_by("effective_at", "id")
    )


def task_pending_requests(*, task: Task) -> list[TaskRequest]:
    return list(
        TaskRequest.objects.filter(task=task, state=RequestState.PENDING)
        .select_related("requested_by", "unit")
        .order_by("requested_at", "id")
    )


def task_completion_awaiting(*, task: Task) -> ProgressUpdate | None:
    """The journal entry of the task's current completion if nobody confirmed it yet (one query)."""
    if task.status != Status.COMPLETED:
        return None
    entry = (
        ProgressUpdate.objects.filter(task=task, status=Status.COMPLETED)
        .exclude(previous_status=Status.COMPLETED)
        .annotate(reviewed=Exists(CompletionReview.objects.filter(update=OuterRef("pk"))))
        .select_related("author")
        .order_by("-recorded_at", "-id")
        .first()
    )
    return entry if entry is not None and not entry.reviewed else None


def request_list_visible_to(*, user, state: str = "", kind: str = "", unit: Unit | None = None):
    """The request queue. Deciders see every request, pending first; unit
    members see their units' requests; anyone else sees none (None)."""
    qs = TaskRequest.objects.select_related("task", "task__plan", "unit", "requested_by", "decided_by")
    if not user_can_decide(user):
        unit_ids = user_unit_ids(user)
        if not unit_ids:
            return None
        qs = qs.filter(unit_id__in=unit_ids)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        qs = qs.filter(unit=unit)
    pending_first = Case(When(state=RequestState.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.annotate(pending_first=pending_first).order_by("pending_first", "requested_at", "id")


def attachment_get_for_download(*, pk: int, user):
    """The attachment if the user may read it; raises Attachment.DoesNotExist or PermissionDenied."""
    from django.core.exceptions import PermissionDenied

    from .models import Attachment

    attachment = Attachment.objects.select_related("task").get(pk=pk)
    if not task_user_can_read_attachments(user=user, task=attachment.task):
        raise PermissionDenied
    return attachment


# --- talking about tasks (issue 12): comments, mentions, urgings --------------

# Edit window of a comment's author (tasks.comments.COMMENT_EDIT_WINDOW reads it).
COMMENT_EDIT_MINUTES = 15
MENTION_CANDIDATES_LIMIT = 8
URGED_TASKS_LIMIT = 20


def task_user_can_read(*, user, task: Task) -> bool:
    """Who reads a task: everyone signed in with an active account (the task
    pages' rule). Comments follow it: whoever reads a task may comment on it."""
    return bool(user.is_authenticated and user.is_active)


def task_readers(*, task: Task) -> QuerySet:
    """The people who may read the task, as a queryset (task_user_can_read in SQL)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True)


def comment_user_can_change(*, user, comment, now: datetime | None = None) -> bool:
    """The author within COMMENT_EDIT_MINUTES of posting; a superuser at any time."""
    if not user.is_authenticated or comment.deleted_at is not None:
        return False
    if user.is_superuser:
        return True
    now = now or timezone.now()
    return comment.author_id == user.pk and now < comment.created_at + timedelta(minutes=COMMENT_EDIT_MINUTES)


def mention_candidates(*, task: Task, query: str, limit: int = MENTION_CANDIDATES_LIMIT) -> list[dict]:
    """Readers of the task whose user name or full name contains `query`,
    accents and case ignored ("nguyen van" finds "Nguyễn Văn An"). One query:
    the agency has a few hundred accounts, folded in Python because the
    database has no accent-folded copy of the names."""
    from plan_portal.text import normalize_search

    folded = normalize_search(query)
    rows = task_readers(task=task).order_by("username").values_list("username", "first_name", "last_name")
    found = []
    for username, first, last in rows:
        name = " ".join(part for part in (last, first) if part)
        if not folded or folded in normalize_search(f"{username} {name} {first} {last}"):
            found.append({"username": username, "name": name or username})
            if len(found) >= limit:
                break
    return found


def urging_counts_for_unit(*, unit: Unit, plan: WorkPlan | None = None) -> dict:
    """Urgings sent to a unit (of `plan`'s tasks when given): the total and the
    most-urged tasks. Two queries."""
    from .models import Urging

    urgings = Urging.objects.filter(unit=unit)
    if plan is not None:
        urgings = urgings.filter(task__plan=plan)
    total = urgings.count()
    by_task = list(
        urgings.values("task_id", "task__code", "task__title")
        .annotate(n=Count("pk"), last=Max("created_at"))
        .order_by("-n", "-last", "task__code")[:URGED_TASKS_LIMIT]
    )
    return {"total": total, "by_task": by_task}


def urging_counts_by_code(*, plan: WorkPlan, codes: list[str], until: date | None = None) -> dict[str, int]:
    """How many urgings each of the plan's tasks named by `codes` received (one query; a
    list of overdue rows is bounded, so is this). With `until`, only those sent by the
    end of that local day, so a dashboard for a past date never changes."""
    from .models import Urging

    # `or [""]`: asked even for no code (no task has an empty code), so a page's query
    # count does not depend on whether anything is overdue.
    urgings = Urging.objects.filter(task__plan=plan, task__code__in=codes or [""])
    if until is not None:
        urgings = urgings.filter(created_at__lt=cutoff_for(until))
    rows = urgings.values("task__code").annotate(n=Count("pk"))
    return {row["task__code"]: row["n"] for row in rows}


def plan_urgings_between(*, plan: WorkPlan, start: date, end: date, limit: int = URGED_TASKS_LIMIT) -> dict:
    """Urgings sent from `start` to `end` (local days) on the plan's tasks:
    totals, counts per unit and the most-urged tasks (at most `limit`). Three queries."""
    from .models import Urging

    urgings = Urging.objects.filter(task__plan=plan, created_at__gte=day_start(start), created_at__lt=cutoff_for(end))
    totals = urgings.aggregate(
        urgings=Count("pk"), tasks=Count("task", distinct=True), acts=Count("batch", distinct=True)
    )
    by_unit = [
        {"unit": row["unit__code"], "name": row["unit__name"], "urgings": row["n"], "tasks": row["t"]}
        for row in urgings.values("unit__code", "unit__name", "unit__sort_order")
        .annotate(n=Count("pk"), t=Count("task", distinct=True))
        .order_by("unit__sort_order", "unit__code")
    ]
    top_tasks = [
        {"code": row["task__code"], "title": row["task__title"], "unit": row["unit__code"], "urgings": row["n"]}
        for row in urgings.values("task__code", "task__title", "unit__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "task__code")[:limit]
    ]
    return {
        "total": totals["urgings"],
        "tasks": totals["tasks"],
        "acts": totals["acts"],
        "by_unit": by_unit,
        "top_tasks": top_tasks,
        "more_tasks": max(totals["tasks"] - len(top_tasks), 0),
    }
