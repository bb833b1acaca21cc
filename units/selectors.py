"""Reads about units and who belongs where."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet

from .models import Membership, Unit


def user_is_leadership(user) -> bool:
    """Leadership and admins read everything. Cached on the user object per request."""
    if not user.is_authenticated:
        return False
    user_load_access(user)
    return user._is_leadership


def user_unit_ids(user) -> frozenset[int]:
    """Ids of the units a user belongs to (any role). Cached per request (user_load_access)."""
    if not user.is_authenticated:
        return frozenset()
    user_load_access(user)
    return user._unit_ids


def _access_sql() -> str:
    """Memberships, the Leadership group and the permissions (as ModelBackend reads them) in one query."""
    user_model = get_user_model()
    groups = user_model.groups.field.remote_field.through._meta.db_table
    user_perms = user_model.user_permissions.field.remote_field.through._meta.db_table
    group_perms = Group.permissions.field.remote_field.through._meta.db_table
    perm, ctype, group = Permission._meta.db_table, ContentType._meta.db_table, Group._meta.db_table
    name = f"{ctype}.app_label || '.' || {perm}.codename"
    return (
        f"SELECT 'm', unit_id, NULL FROM {Membership._meta.db_table} WHERE user_id = %s"
        f" UNION ALL SELECT 'l', NULL, NULL FROM {groups} INNER JOIN {group} ON {group}.id = {groups}.group_id"
        f" WHERE {groups}.user_id = %s AND {group}.name = %s"
        f" UNION ALL SELECT 'u', NULL, {name} FROM {user_perms}"
        f" INNER JOIN {perm} ON {perm}.id = {user_perms}.permission_id"
        f" INNER JOIN {ctype} ON {ctype}.id = {perm}.content_type_id WHERE {user_perms}.user_id = %s"
        f" UNION ALL SELECT 'g', NULL, {name} FROM {groups}"
        f" INNER JOIN {group_perms} ON {group_perms}.group_id = {groups}.group_id"
        f" INNER JOIN {perm} ON {perm}.id = {group_perms}.permission_id"
        f" INNER JOIN {ctype} ON {ctype}.id = {perm}.content_type_id WHERE {groups}.user_id = %s"
    )


def user_load_access(user) -> None:
    """Reads, once per request and in one query, what every page asks about the signed-in person:
    the units they belong to, whether they are in Leadership, and their permissions (filled into
    ModelBackend's own caches, so `user.has_perm` asks nothing more; a superuser's are left to it)."""
    if hasattr(user, "_unit_ids"):
        return
    with connection.cursor() as cursor:
        cursor.execute(_access_sql(), [user.pk, user.pk, settings.LEADERSHIP_GROUP, user.pk, user.pk])
        rows = cursor.fetchall()
    user._unit_ids = frozenset(unit_id for kind, unit_id, _ in rows if kind == "m")
    user._is_leadership = user.is_staff or user.is_superuser or any(kind == "l" for kind, _, _ in rows)
    if user.is_active and not user.is_superuser and not hasattr(user, "_perm_cache"):
        user._user_perm_cache = {name for kind, _, name in rows if kind == "u"}
        user._group_perm_cache = {name for kind, _, name in rows if kind == "g"}
        user._perm_cache = user._user_perm_cache | user._group_perm_cache


def user_head_unit_ids(user) -> frozenset[int]:
    if not user.is_authenticated:
        return frozenset()
    return frozenset(Membership.objects.filter(user=user, role=Membership.Role.HEAD).values_list("unit_id", flat=True))


def unit_list(*, active_only: bool = True) -> QuerySet[Unit]:
    qs = Unit.objects.select_related("parent")
    return qs.active() if active_only else qs


def unit_get_by_code(*, code: str) -> Unit:
    return Unit.objects.select_related("parent").get(code=code.upper())
