"""A plan with its journal as one JSON document, and back.

`plan_backup_export` writes everything the plan's figures depend on: the
units (all of them: the tree is small and parents matter), the people who
wrote the journal or belong to a unit (without passwords), their groups and
memberships, the plan, its tasks with their coordinating units, and every
journal entry with its timestamps. `plan_backup_restore` loads it into a
database that does not hold the plan yet; the dashboard's figures
(`tasks.selectors.plan_figures`) then come out the same for every date.

This complements, and does not replace, the database backup (pg_dump) in
README's *Security and operations*: it is portable between databases and
readable, and it moves one plan.
"""

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import Membership, Unit

from .models import ProgressUpdate, Task, TaskCoordination, WorkPlan

FORMAT = "plan-portal-plan-backup"
VERSION = 1
BATCH_SIZE = 1000

UNIT_FIELDS = ["code", "name", "name_en", "short_name", "kind", "is_active", "sort_order", "email", "note"]
USER_FIELDS = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"]
PLAN_FIELDS = ["year", "title", "title_en", "decision_ref", "start_date", "end_date", "description"]
TASK_FIELDS = [
    "code",
    "title",
    "title_en",
    "description",
    "field",
    "legal_basis",
    "expected_output",
    "expected_output_en",
    "source_quote",
    "start_date",
    "due_date",
    "status",
    "progress",
    "completed_at",
    "last_update_at",
    "created_at",
    "updated_at",
    "version",
]
TASK_DATE_FIELDS = {"start_date", "due_date"}
TASK_DATETIME_FIELDS = {"completed_at", "last_update_at", "created_at", "updated_at"}
JOURNAL_FIELDS = ["recorded_at", "created_at", "status", "progress", "note", "previous_status", "previous_progress"]


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(instance, fields) -> dict:
    return {name: _json_value(getattr(instance, name)) for name in fields}


def _units_parents_first() -> list[Unit]:
    units = list(Unit.objects.select_related("parent").order_by("sort_order", "code"))
    ordered, placed = [], set()
    while len(ordered) < len(units):
        progress = False
        for unit in units:
            if unit.pk not in placed and (unit.parent_id is None or unit.parent_id in placed):
                ordered.append(unit)
                placed.add(unit.pk)
                progress = True
        if not progress:  # pragma: no cover - the admin refuses cycles
            raise ValidationError("The unit tree has a cycle.")
    return ordered


def plan_backup_export(*, plan: WorkPlan) -> dict:
    """The plan, its journal and everything they refer to, as JSON-ready data."""
    User = get_user_model()
    tasks = list(
        Task.objects.filter(plan=plan)
        .select_related("lead_unit", "parent")
        .prefetch_related("coordinations__unit")
        .order_by("code")
    )
    journal = list(
        ProgressUpdate.objects.filter(task__plan=plan).select_related("task", "author").order_by("recorded_at", "id")
    )
    users = (
        User.objects.filter(
            Q(pk__in={update.author_id for update in journal}) | Q(memberships__isnull=False) | Q(groups__isnull=False)
        )
        .distinct()
        .prefetch_related("groups")
        .order_by("username")
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "units": [
            {**_row(unit, UNIT_FIELDS), "parent": unit.parent.code if unit.parent else None}
            for unit in _units_parents_first()
        ],
        "groups": sorted(Group.objects.filter(user__in=users).values_list("name", flat=True).distinct()),
        "users": [
            {**_row(user, USER_FIELDS), "groups": sorted(group.name for group in user.groups.all())} for user in users
        ],
        "memberships": [
            {"user": m.user.get_username(), "unit": m.unit.code, "role": m.role}
            for m in Membership.objects.select_related("user", "unit").order_by("unit__code", "user__username")
        ],
        "plan": _row(plan, PLAN_FIELDS),
        "tasks": [
            {
                **_row(task, TASK_FIELDS),
                "lead_unit": task.lead_unit.code,
                "parent": task.parent.code if task.parent else None,
                "coordinating_units": sorted(c.unit.code for c in task.coordinations.all()),
            }
            for task in tasks
        ],
        "journal": [
            {**_row(update, JOURNAL_FIELDS), "task": update.task.code, "author": update.author.get_username()}
            for update in journal
        ],
    }


def _parse(fields: dict, *, dates=(), datetimes=()) -> dict:
    parsed = dict(fields)
    for name in dates:
        parsed[name] = date.fromisoformat(parsed[name]) if parsed.get(name) else None
    for name in datetimes:
        parsed[name] = datetime.fromisoformat(parsed[name]) if parsed.get(name) else None
    return parsed


def _restore_people(data: dict) -> tuple[dict, dict]:
    User = get_user_model()
    units: dict[str, Unit] = {unit.code: unit for unit in Unit.objects.all()}
    for row in data["units"]:
        if row["code"] in units:
            continue  # a unit already there is kept as it is
        unit = Unit(**{name: row[name] for name in UNIT_FIELDS}, parent=units.get(row["parent"]))
        unit.full_clean()
        unit.save()
        units[unit.code] = unit
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in data["groups"]}
    users = {user.get_username(): user for user in User.objects.all()}
    for row in data["users"]:
        if row["username"] in users:
            continue
        user = User(**{name: row[name] for name in USER_FIELDS})
        user.set_unusable_password()  # backups carry no password hashes; use "forgot password"
        user.save()
        user.groups.set([groups[name] for name in row["groups"]])
        users[user.get_username()] = user
    for row in data["memberships"]:
        Membership.objects.get_or_create(
            user=users[row["user"]], unit=units[row["unit"]], defaults={"role": row["role"]}
        )
    return units, users


@transaction.atomic
def plan_backup_restore(*, data: dict) -> WorkPlan:
    """Load a plan exported by `plan_backup_export`. The plan's year must not
    exist yet; units and people already present are kept and reused.
    Raises ValidationError for a foreign file or an existing plan."""
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ValidationError(
            _("This file is not a plan backup of this portal (version %(version)s).") % {"version": VERSION}
        )
    year = data["plan"]["year"]
    if WorkPlan.objects.filter(year=year).exists():
        raise ValidationError(
            _("The plan %(year)s already exists: restore into a database without it.") % {"year": year}
        )
    units, users = _restore_people(data)
    plan = WorkPlan(**_parse(data["plan"], dates=("start_date", "end_date")))
    plan.full_clean()
    plan.save()

    tasks: dict[str, Task] = {}
    # Parents before sub-tasks.
    for row in sorted(data["tasks"], key=lambda r: (r["parent"] is not None, r["code"])):
        values = _parse(
            {name: row[name] for name in TASK_FIELDS}, dates=TASK_DATE_FIELDS, datetimes=TASK_DATETIME_FIELDS
        )
        task = Task(
            plan=plan,
            lead_unit=units[row["lead_unit"]],
            parent=tasks[row["parent"]] if row["parent"] else None,
            coordinating_unit_codes=", ".join(row["coordinating_units"]),
            **values,
        )
        task._change_reason = "Restored from backup"
        task.save()
        task.created_at, task.updated_at = values["created_at"], values["updated_at"]
        tasks[task.code] = task
    # auto_now / auto_now_add set "now" on save; bulk_update writes the exported times back.
    Task.objects.bulk_update(tasks.values(), ["created_at", "updated_at"], batch_size=BATCH_SIZE)
    TaskCoordination.objects.bulk_create(
        [
            TaskCoordination(task=tasks[row["code"]], unit=units[code])
            for row in data["tasks"]
            for code in row["coordinating_units"]
        ],
        batch_size=BATCH_SIZE,
    )
    entries = [
        ProgressUpdate(
            task=tasks[row["task"]],
            author=users[row["author"]],
            **_parse({name: row[name] for name in JOURNAL_FIELDS}, datetimes=("recorded_at", "created_at")),
        )
        for row in data["journal"]
    ]
    created_at = [entry.created_at for entry in entries]
    ProgressUpdate.objects.bulk_create(entries, batch_size=BATCH_SIZE)
    for entry, stamp in zip(entries, created_at, strict=True):
        entry.created_at = stamp
    ProgressUpdate.objects.bulk_update(entries, ["created_at"], batch_size=BATCH_SIZE)
    return plan
