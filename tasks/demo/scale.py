"""A large, deterministic data set for benchmarks (`seed_demo --scale large|N`).

Scale 100 ("large") is the size named in issue 14: 60 units, 600 people, 5,000
tasks of which 4,600 in one plan (2015, a year of 53 ISO weeks), 250,000
progress updates. Scale N is N/100 of that (at least a few units).

Every journal invariant holds, as if each update had gone through
tasks.services.task_record_progress: each entry records the state it replaced
(previous_status/previous_progress), entries are in recorded_at order, a
completed entry has progress 100, the task's status, progress, last_update_at
and completed_at (the start of its final run of completed entries) equal its
latest entry, and `version` is 1 + the number of entries. The journal is
computed in Python first, then written in bulk: tasks with bulk_create, the
journal with COPY on PostgreSQL (bulk_create in batches elsewhere).
"""

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from tqdm import tqdm

from plan_portal.text import normalize_search
from tasks.models import Field, ProgressUpdate, Status, Task, TaskCoordination, WorkPlan
from units.models import Membership, Unit, UnitKind

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LARGE = 100
BIG_PLAN_YEAR = 2015  # 53 ISO weeks, like the 2020 plan
OTHER_PLAN_YEARS = (2016, 2017, 2018, 2019)
# One task of the big plan has exactly this many updates (the detail page's worst case).
LONG_JOURNAL = 320
BATCH = 5000

NOTES = (
    "Đã xây dựng kế hoạch chi tiết, phân công cán bộ thực hiện.",
    "Đang tổng hợp ý kiến góp ý của các đơn vị liên quan.",
    "Đã hoàn thành dự thảo lần 1, gửi xin ý kiến.",
    "Tiếp tục triển khai theo kế hoạch; chưa phát sinh vướng mắc.",
    "Đã trình Lãnh đạo Tổng cục; đang chỉnh sửa theo ý kiến chỉ đạo.",
)
HOLD_NOTE = "Tạm dừng chờ ý kiến chỉ đạo của Lãnh đạo Tổng cục."
CANCEL_NOTE = "Dừng thực hiện theo chỉ đạo; nội dung lồng ghép vào nhiệm vụ khác."
DONE_NOTE = "Đã hoàn thành, gửi sản phẩm về Văn phòng Tổng cục."


@dataclass(frozen=True)
class Size:
    units: int
    people: int
    big_plan_tasks: int
    other_tasks: int
    updates: int


def size_for(scale: int) -> Size:
    """Scale 100 is issue 14's data set; smaller scales shrink every figure alike."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    return Size(
        units=max(3, round(60 * scale / LARGE)),
        people=max(6, 6 * scale),
        big_plan_tasks=46 * scale,
        other_tasks=4 * scale,
        updates=2500 * scale,
    )


@dataclass
class Entry:
    at: datetime
    status: str
    progress: int
    note: str
    previous_status: str
    previous_progress: int


@dataclass
class TaskPlan:
    code: str
    year: int
    field: str
    lead: int  # index into the units
    coordinators: list[int]
    start: date
    due: date
    entries: list[Entry] = field(default_factory=list)


def _update_counts(*, tasks: int, total: int, rng: random.Random) -> list[int]:
    """How many updates each task gets: exactly `total`, task 0 has LONG_JOURNAL (when it fits)."""
    long_one = min(LONG_JOURNAL, total // 2) if tasks > 1 else total
    rest = total - long_one
    mean = rest / max(1, tasks - 1)
    counts = [long_one] + [max(0, round(rng.uniform(0.2, 1.8) * mean)) for _ in range(tasks - 1)]
    step = 1 if sum(counts) < total else -1
    i = 1
    while sum(counts) != total and tasks > 1:
        if counts[i] + step >= 0 and (step > 0 or counts[i] > 1):
            counts[i] += step
        i = i + 1 if i + 1 < tasks else 1
    return counts


def _journal(*, count: int, start: date, end: date, rng: random.Random) -> list[Entry]:
    """`count` entries between start and end, following one task's fate."""
    if count == 0:
        return []
    first = datetime.combine(start, time(8, 0), tzinfo=TZ)
    span = (datetime.combine(end, time(17, 0), tzinfo=TZ) - first).total_seconds()
    moments = sorted(first + timedelta(seconds=int(rng.random() * span)) for _ in range(count))
    fate = rng.choices(["completed", "in_progress", "on_hold", "cancelled"], weights=[55, 30, 9, 6])[0]
    finish = count - rng.randint(1, min(3, count)) if fate == "completed" else count
    reopen = fate == "completed" and finish > 4 and rng.random() < 0.1  # completed once, reopened
    entries: list[Entry] = []
    status, progress = Status.NOT_STARTED.value, 0
    for k, at in enumerate(moments):
        previous = (status, progress)
        if k >= finish or reopen and k == finish // 2:
            status, progress, note = Status.COMPLETED.value, 100, DONE_NOTE
        elif k == count - 1 and fate in ("on_hold", "cancelled"):
            status = fate
            note = HOLD_NOTE if fate == "on_hold" else CANCEL_NOTE
        elif status != Status.IN_PROGRESS and status != Status.NOT_STARTED and rng.random() < 0.7:
            status, note = status, rng.choice(NOTES)  # a note while on hold / completed
            if status == Status.ON_HOLD:
                note = HOLD_NOTE
        elif rng.random() < 0.02:
            status, note = Status.ON_HOLD.value, HOLD_NOTE
        else:
            goal = round(95 * (k + 1) / max(1, finish))
            status = Status.IN_PROGRESS.value
            progress = min(95, max(0 if progress == 100 else progress, goal + rng.randrange(-3, 4)))
            note = rng.choice(NOTES)
        entries.append(Entry(at, status, progress, note, *previous))
    return entries


def scale_plan(scale: int) -> tuple[Size, list[TaskPlan]]:
    """Every task and its journal, computed deterministically (no database)."""
    size = size_for(scale)
    rng = random.Random(f"plan-portal-scale-{scale}")
    total_tasks = size.big_plan_tasks + size.other_tasks
    counts = _update_counts(tasks=total_tasks, total=size.updates, rng=rng)
    fields = list(Field.values)
    plans: list[TaskPlan] = []
    for i in range(total_tasks):
        year = BIG_PLAN_YEAR if i < size.big_plan_tasks else OTHER_PLAN_YEARS[i % len(OTHER_PLAN_YEARS)]
        start = date(year, 1, 2) + timedelta(days=rng.randrange(0, 60))
        due = min(date(year, 12, 31), start + timedelta(days=rng.randrange(60, 330)))
        lead = rng.randrange(size.units)
        coordinators = sorted({rng.randrange(size.units) for _ in range(rng.randrange(0, 3))} - {lead})
        task_rng = random.Random(f"plan-portal-scale-{scale}-{i}")
        plans.append(
            TaskPlan(
                code=f"L{year}-{i + 1:05d}",
                year=year,
                field=fields[i % len(fields)],
                lead=lead,
                coordinators=coordinators,
                start=start,
                due=due,
                entries=_journal(count=counts[i], start=start, end=date(year, 12, 31), rng=task_rng),
            )
        )
    return size, plans


def _final_state(entries: list[Entry]) -> dict:
    """The task's current fields, as task_record_progress would have left them."""
    if not entries:
        return {"status": Status.NOT_STARTED.value, "progress": 0, "completed_at": None, "last_update_at": None}
    last = entries[-1]
    completed_at = None
    if last.status == Status.COMPLETED:
        run_start = len(entries) - 1
        while run_start > 0 and entries[run_start - 1].status == Status.COMPLETED:
            run_start -= 1
        completed_at = entries[run_start].at
    return {
        "status": last.status,
        "progress": last.progress,
        "completed_at": completed_at,
        "last_update_at": last.at,
    }


def _units(size: Size) -> list[Unit]:
    existing = list(Unit.objects.internal().order_by("sort_order", "code"))
    missing = size.units - len(existing)
    if missing > 0:
        parent = Unit.objects.filter(code="TCDLCL").first()
        new = []
        for n in range(1, missing + 1):
            code, name = f"DV-{n:02d}", f"Đơn vị thử tải {n:02d}"
            new.append(
                Unit(
                    code=code,
                    name=name,
                    name_en=f"Load-test unit {n:02d}",
                    kind=UnitKind.DEPARTMENT,
                    parent=parent,
                    sort_order=1000 + n,
                    search_text=normalize_search(f"{code} {name} Load-test unit {n:02d}"),
                )
            )
        Unit.objects.bulk_create(new, batch_size=BATCH)
        existing = list(Unit.objects.internal().order_by("sort_order", "code"))
    return existing[: size.units]


def _people(size: Size, units: list[Unit], password: str) -> list[list]:
    """`size.people` accounts `scale-NNNN`, spread over the units (the first of each unit is its head).
    Returns each unit's members' ids. One password hash for all: hashing 600 would take minutes."""
    User = get_user_model()
    encoded = make_password(password)
    users = [
        User(username=f"scale-{n:04d}", email=f"scale-{n:04d}@plan-portal.example", password=encoded)
        for n in range(size.people)
    ]
    User.objects.bulk_create(users, batch_size=BATCH, ignore_conflicts=True)
    ids = dict(User.objects.filter(username__startswith="scale-").values_list("username", "pk"))
    members: list[list] = [[] for _ in units]
    rows = []
    for n in range(size.people):
        slot = n % len(units)
        role = Membership.Role.HEAD if n < len(units) else Membership.Role.STAFF
        members[slot].append(ids[f"scale-{n:04d}"])
        rows.append(Membership(user_id=ids[f"scale-{n:04d}"], unit=units[slot], role=role))
    Membership.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return members


def _plans() -> dict[int, WorkPlan]:
    plans = {}
    for year in (BIG_PLAN_YEAR, *OTHER_PLAN_YEARS):
        plans[year], _ = WorkPlan.objects.get_or_create(
            year=year,
            defaults={
                "title": f"Kế hoạch công tác năm {year} (dữ liệu thử tải)",
                "title_en": f"{year} work plan (load-test data)",
                "start_date": date(year, 1, 1),
                "end_date": date(year, 12, 31),
            },
        )
    return plans


def _task_rows(plans: list[TaskPlan], *, by_year: dict, units: list[Unit]) -> list[Task]:
    rows = []
    for item in plans:
        title = f"Nhiệm vụ thử tải {item.code}: {Field(item.field).label}"
        rows.append(
            Task(
                plan=by_year[item.year],
                code=item.code,
                title=title,
                title_en=f"Load-test task {item.code}",
                field=item.field,
                lead_unit=units[item.lead],
                start_date=item.start,
                due_date=item.due,
                version=1 + len(item.entries),
                search_text=normalize_search(f"{item.code} {title} Load-test task {item.code}"),
                **_final_state(item.entries),
            )
        )
    return rows


def _journal_rows(plans: list[TaskPlan], task_ids: list[int], members: list[list], leads: list[int]):
    """Yields one dict per journal entry, in the order the service would have written them."""
    for item, task_id, lead in zip(plans, task_ids, leads, strict=True):
        people = members[lead]
        for k, entry in enumerate(item.entries):
            yield {
                "task_id": task_id,
                "author_id": people[k % len(people)],
                "recorded_at": entry.at,
                "created_at": entry.at,
                "status": entry.status,
                "progress": entry.progress,
                "note": entry.note,
                "previous_status": entry.previous_status,
                "previous_progress": entry.previous_progress,
            }


def _write_journal(rows, *, total: int, progress: tqdm) -> None:
    """COPY on PostgreSQL (about 10x bulk_create), bulk_create in batches elsewhere."""
    fields = [f for f in ProgressUpdate._meta.concrete_fields if not f.primary_key]
    if connection.vendor != "postgresql":
        batch = []
        for row in rows:
            batch.append(ProgressUpdate(**row))
            if len(batch) == BATCH:
                ProgressUpdate.objects.bulk_create(batch)
                progress.update(len(batch))
                batch = []
        ProgressUpdate.objects.bulk_create(batch)
        progress.update(len(batch))
        return
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(ProgressUpdate._meta.db_table)
    with connection.cursor() as cursor:
        buffer, writer, pending = io.StringIO(), None, 0
        writer = csv.writer(buffer)
        for row in rows:
            # Columns added later (with a Python default) are filled from the model.
            values = (row[f.attname] if f.attname in row else f.get_default() for f in fields)
            # NULL is spelt \N, so an empty string (e.g. output_ref's default) stays an empty string.
            writer.writerow([r"\N" if value is None else value for value in values])
            pending += 1
            if pending == BATCH:
                _copy(cursor, table, columns, buffer)
                progress.update(pending)
                buffer, pending = io.StringIO(), 0
                writer = csv.writer(buffer)
        _copy(cursor, table, columns, buffer)
        progress.update(pending)


def _copy(cursor, table: str, columns: str, buffer: io.StringIO) -> None:
    buffer.seek(0)
    cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)


def seed_scale(*, scale: int, password: str, show_progress: bool = True) -> dict:
    """Write the data set of `scale`; returns what was written. Does nothing if the big plan has tasks."""
    if Task.objects.filter(plan__year=BIG_PLAN_YEAR).exists():
        return {"skipped": True}
    size, plans = scale_plan(scale)
    with transaction.atomic():
        units = _units(size)
        members = _people(size, units, password)
        by_year = _plans()
        tasks = Task.objects.bulk_create(_task_rows(plans, by_year=by_year, units=units), batch_size=BATCH)
        TaskCoordination.objects.bulk_create(
            [
                TaskCoordination(task=t, unit=units[c])
                for t, p in zip(tasks, plans, strict=True)
                for c in p.coordinators
            ],
            batch_size=BATCH,
        )
        rows = _journal_rows(plans, [t.pk for t in tasks], members, [p.lead for p in plans])
        with tqdm(total=size.updates, unit="update", disable=not show_progress, desc="journal") as progress:
            _write_journal(rows, total=size.updates, progress=progress)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ProgressUpdate._meta.db_table}, {Task._meta.db_table}")
    return {"units": len(units), "people": size.people, "tasks": len(tasks), "updates": size.updates}
