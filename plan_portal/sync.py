"""Idempotent "make this row look like that" helper used by the data loaders."""

from django.db import models


def save_if_changed(instance: models.Model, values: dict) -> bool:
    """Set `values` on `instance` and save only when something differs.

    Saving unchanged rows would still write audit-history rows, so a second
    run of a loader would not be a no-op.
    """
    if instance.pk is None:
        changed = list(values)
    else:
        changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(instance, name, values[name])
    instance.full_clean()
    instance.save()
    return True
