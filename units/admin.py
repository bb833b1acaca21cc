"""Admin for units and people.

Units show as a tree (ancestors › unit), are searched accent-insensitively on
their folded `search_text`, and are never deleted while a task refers to them:
deactivating is the way out, so the plan's history stays intact.
"""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from plan_portal.text import normalize_search

from .forms import KnownObjectsInlineMixin, SafeAutocompleteMixin, UnitAdminForm
from .models import Membership, Unit
from .services import unit_delete, unit_tasks_blocking_delete, units_set_active

User = get_user_model()

# Ancestors fetched with the unit in one JOINed query; the organisation is
# three levels deep (ministry › directorate › department).
TREE_SELECT = "parent__parent__parent"


def folded_search(queryset, search_term: str):
    """Every word of the term must appear in the folded search column, so
    "do luong", "Đo lường" and "ĐO LƯỜNG" find the same rows."""
    for word in normalize_search(search_term).split():
        queryset = queryset.filter(search_text__contains=word)
    return queryset


def _blocked_message(unit: Unit, codes: list[str]) -> str:
    return ngettext(
        "Unit %(unit)s cannot be deleted: it leads or coordinates task %(codes)s. Deactivate it instead.",
        "Unit %(unit)s cannot be deleted: it leads or coordinates %(count)d tasks (%(codes)s). Deactivate it instead.",
        len(codes),
    ) % {"unit": unit.code, "count": len(codes), "codes": ", ".join(codes)}


class MembershipInline(KnownObjectsInlineMixin, admin.TabularInline):
    model = Membership
    fk_name = "unit"
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role"]
    verbose_name = _("member")
    verbose_name_plural = _("members")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "unit")


@admin.register(Unit)
class UnitAdmin(SafeAutocompleteMixin, SimpleHistoryAdmin):
    form = UnitAdminForm
    list_display = ["tree_name", "code", "kind", "is_active", "member_count_display"]
    list_display_links = ["tree_name"]
    list_filter = ["is_active", "kind"]
    search_fields = ["search_text"]  # enables the search box; get_search_results does the work
    search_help_text = _("Code or name, with or without Vietnamese accents.")
    list_select_related = [TREE_SELECT]
    list_per_page = 100
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]
    actions = ["deactivate", "activate"]
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "short_name", "kind", "parent"]}),
        (_("Status and display"), {"fields": ["is_active", "sort_order", "email", "note"]}),
    ]

    def get_queryset(self, request):
        # GROUP BY drops the model's default ordering; restore it for the
        # autocomplete view, which paginates this queryset.
        return (
            super()
            .get_queryset(request)
            .annotate(member_count=Count("memberships", distinct=True))
            .order_by(*Unit._meta.ordering)
        )

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return folded_search(queryset, search_term), False

    @admin.display(description=_("unit"), ordering="sort_order")
    def tree_name(self, unit: Unit):
        ancestors = []
        node = unit.parent
        # The select_related above covers three levels; stop there instead of
        # querying further (deeper trees do not occur).
        for _level in range(3):
            if node is None:
                break
            ancestors.append(node.code)
            node = node.parent
        ancestors.reverse()
        path = format_html_join("", '<span class="unit-tree-ancestor">{} › </span>', ((code,) for code in ancestors))
        return format_html(
            '<span class="unit-tree unit-tree-depth-{}">{}<strong>{}</strong> – {}</span>',
            len(ancestors),
            path,
            unit.code,
            unit.name,
        )

    @admin.display(description=_("members"), ordering="member_count")
    def member_count_display(self, unit: Unit) -> int:
        return unit.member_count

    @admin.action(description=_("Deactivate selected units"), permissions=["change"])
    def deactivate(self, request, queryset):
        count = units_set_active(units=queryset, active=False)
        self.message_user(
            request,
            ngettext("%(count)d unit deactivated.", "%(count)d units deactivated.", count) % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Activate selected units"), permissions=["change"])
    def activate(self, request, queryset):
        count = units_set_active(units=queryset, active=True)
        self.message_user(
            request,
            ngettext("%(count)d unit activated.", "%(count)d units activated.", count) % {"count": count},
            messages.SUCCESS,
        )

    # --- Deleting: refused while tasks refer to the unit -----------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                UnitAdmin.delete_selected_units,
                "delete_selected",
                actions["delete_selected"][2],
            )
        return actions

    def delete_selected_units(self, request, queryset):
        blocked = self._blocked(queryset)
        if blocked:
            for unit, codes in blocked:
                self.message_user(request, _blocked_message(unit, codes), messages.ERROR)
            return None  # back to the change list, nothing deleted
        return delete_selected(self, request, queryset)

    def _blocked(self, units) -> list[tuple[Unit, list[str]]]:
        units = list(units)
        ids = [unit.pk for unit in units]
        # Through the reverse relations (units never import tasks); one query.
        scope = Unit.objects.filter(pk__in=ids).order_by()
        rows = scope.values_list("pk", "led_tasks__code").union(
            scope.values_list("pk", "coordinated_tasks__code"), all=True
        )
        codes: dict[int, set[str]] = {}
        for unit_id, code in rows:
            if code is not None:
                codes.setdefault(unit_id, set()).add(code)
        return [(unit, sorted(codes[unit.pk])) for unit in units if unit.pk in codes]

    def delete_view(self, request, object_id, extra_context=None):
        unit = self.get_object(request, object_id)
        # Permission first: without it the answer is 403, whether the unit is in use or not.
        if unit is not None and self.has_delete_permission(request, unit):
            codes = unit_tasks_blocking_delete(unit=unit)
            if codes:
                self.message_user(request, _blocked_message(unit, codes), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:units_unit_change", args=[unit.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        try:
            unit_delete(unit=obj)
        except ValidationError as error:  # a task was attached between the check and the confirmation
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def delete_queryset(self, request, queryset):
        for unit in queryset:
            unit_delete(unit=unit)


@admin.register(Membership)
class MembershipAdmin(SafeAutocompleteMixin, SimpleHistoryAdmin):
    list_display = ["user", "unit", "role", "created_at"]
    list_filter = ["role", ("unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["user", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__code"]


# --- People ----------------------------------------------------------------


class UserMembershipInline(KnownObjectsInlineMixin, admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 1
    autocomplete_fields = ["unit"]
    fields = ["unit", "role"]
    verbose_name = _("unit membership")
    verbose_name_plural = _("units and roles")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit", "user")

    def get_extra(self, request, obj=None, **kwargs):
        # One empty row on the add page, so unit and role are set on the same screen.
        return 1 if obj is None else 0


class MembershipUnitFilter(admin.SimpleListFilter):
    title = _("unit")
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        return [(unit.pk, unit.code) for unit in Unit.objects.filter(memberships__isnull=False).distinct()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(memberships__unit_id=self.value()).distinct()
        return queryset


class MembershipRoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [*Membership.Role.choices, ("none", _("No unit"))]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(memberships__isnull=True)
        if self.value() in Membership.Role.values:
            return queryset.filter(memberships__role=self.value()).distinct()
        return queryset


admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(DjangoUserAdmin):
    inlines = [UserMembershipInline]
    list_display = ["username", "full_name", "email", "units_display", "is_staff", "is_active"]
    list_filter = [MembershipUnitFilter, MembershipRoleFilter, "groups", "is_staff", "is_superuser", "is_active"]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "usable_password", "password1", "password2"],
            },
        ),
        (
            _("Person"),
            {
                "fields": ["first_name", "last_name", "email", "is_staff", "groups"],
                "description": _(
                    "Put the person in a unit below (staff or head of unit). Add the Leadership group for"
                    " directors, who read every unit's tasks. Tick staff status only for administrators."
                ),
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships__unit")

    @admin.display(description=pgettext_lazy("a person's full name", "name"), ordering="last_name")
    def full_name(self, user) -> str:
        return user.get_full_name()

    @admin.display(description=_("units and roles"))
    def units_display(self, user) -> str:
        return ", ".join(
            f"{membership.unit.code} ({membership.get_role_display()})" for membership in user.memberships.all()
        )
