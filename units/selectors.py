"""Reads about units and who belongs where."""

from django.conf import settings
from django.db.models import QuerySet

from .models import Membership, Unit


def user_is_leadership(user) -> bool:
    """Leadership and admins read everything. Cached on the user object per request."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_is_leadership", None)
    if cached is None:
        cached = user.is_staff or user.is_superuser or user.groups.filter(name=settings.LEADERSHIP_GROUP).exists()
        user._is_leadership = cached
    return cached


def user_unit_ids(user) -> frozenset[int]:
    """Ids of the units a user belongs to (any role). One query, cached per request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_unit_ids", None)
    if cached is None:
        cached = frozenset(Membership.objects.filter(user=user).values_list("unit_id", flat=True))
        user._unit_ids = cached
    return cached


def user_head_unit_ids(user) -> frozenset[int]:
    if not user.is_authenticated:
        return frozenset()
    return frozenset(Membership.objects.filter(user=user, role=Membership.Role.HEAD).values_list("unit_id", flat=True))


def unit_list(*, active_only: bool = True) -> QuerySet[Unit]:
    qs = Unit.objects.select_related("parent")
    return qs.active() if active_only else qs


def unit_get_by_code(*, code: str) -> Unit:
    return Unit.objects.select_related("parent").get(code=code.upper())
