"""Writes about units and memberships."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import Membership, Unit


def unit_tasks_blocking_delete(*, unit: Unit) -> list[str]:
    """Codes of the tasks that keep a unit from being deleted (it leads or coordinates them)."""
    # Through the reverse relations: units sit below tasks and never import them.
    led = unit.led_tasks.values_list("code", flat=True)
    coordinated = unit.coordinated_tasks.values_list("code", flat=True)
    return sorted(set(led) | set(coordinated))


@transaction.atomic
def unit_delete(*, unit: Unit) -> None:
    """Delete a unit that no task refers to.

    Raises ValidationError naming the tasks otherwise; the way out is to
    deactivate the unit, which keeps the plan's history intact.
    """
    codes = unit_tasks_blocking_delete(unit=unit)
    if codes:
        raise ValidationError(
            _(
                "Unit %(unit)s leads or coordinates %(count)d task(s) (%(codes)s) and cannot be deleted; deactivate it instead."
            )
            % {"unit": unit.code, "count": len(codes), "codes": ", ".join(codes)},
            code="unit_in_use",
        )
    unit.delete()


@transaction.atomic
def units_set_active(*, units: QuerySet[Unit], active: bool) -> int:
    """Activate or deactivate units (a unit in use is deactivated, never
    deleted). Units already in that state are left alone, so the history only
    records real changes. Returns how many changed."""
    count = 0
    # By id: the admin's queryset carries annotations that FOR UPDATE refuses.
    ids = list(units.values_list("pk", flat=True))
    for unit in Unit.objects.filter(pk__in=ids, is_active=not active).order_by("pk").select_for_update():
        unit.is_active = active
        if not active:
            unit._change_reason = "deactivated in admin"
        unit.save(update_fields=["is_active"])
        count += 1
    return count


@transaction.atomic
def membership_set(*, user, unit: Unit, role: str) -> Membership:
    """Put a user in a unit with a role; changes the role if already a member."""
    membership, created = Membership.objects.get_or_create(user=user, unit=unit, defaults={"role": role})
    if not created and membership.role != role:
        membership.role = role
        membership.full_clean()
        membership.save(update_fields=["role"])
    return membership


def units_sync(*, rows: list[dict]) -> dict[str, int]:
    """Create or update units from data rows (code, name, name_en, kind, parent,
    sort_order, note). Idempotent: a second run changes nothing."""
    from plan_portal.sync import save_if_changed

    stats = {"created": 0, "updated": 0, "unchanged": 0}
    existing = {unit.code: unit for unit in Unit.objects.all()}
    with transaction.atomic():
        # Parents first, whatever the file's order.
        pending = list(rows)
        while pending:
            progressed = False
            for row in list(pending):
                parent_code = row.get("parent")
                if parent_code and parent_code not in existing:
                    continue
                unit = existing.get(row["code"]) or Unit(code=row["code"])
                created = unit.pk is None
                values = {
                    "name": row["name"],
                    "name_en": row.get("name_en", ""),
                    "kind": row["kind"],
                    "parent": existing[parent_code] if parent_code else None,
                    "sort_order": row.get("sort_order", 0),
                    "note": row.get("note", ""),
                }
                if save_if_changed(unit, values):
                    stats["created" if created else "updated"] += 1
                else:
                    stats["unchanged"] += 1
                existing[unit.code] = unit
                pending.remove(row)
                progressed = True
            if not progressed:
                missing = sorted({row["parent"] for row in pending})
                raise ValidationError(_("Unknown parent unit(s): %(codes)s") % {"codes": ", ".join(missing)})
    return stats
