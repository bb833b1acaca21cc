"""Forms used by the units and people admin."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from .models import Unit

# Deeper trees do not exist in the organisation; the bound keeps the walk cheap.
MAX_TREE_DEPTH = 10


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "name_en", "short_name", "kind", "parent", "is_active", "sort_order", "email", "note"]

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is None or self.instance.pk is None:
            return parent
        # A unit cannot sit under itself, directly or further down its own branch.
        node, depth = parent, 0
        while node is not None and depth < MAX_TREE_DEPTH:
            if node.pk == self.instance.pk:
                raise forms.ValidationError(_("A unit cannot be placed under itself or one of its sub-units."))
            node, depth = node.parent, depth + 1
        return parent


def _usable_keys(model_field, values) -> list:
    target = model_field.target_field
    usable = []
    for value in values:
        try:
            key = target.to_python(value)
        except ValidationError:
            continue
        if isinstance(key, int) and not 0 < key < 2**63:
            continue
        usable.append(value)
    return usable


class KnownObjectsAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks up its selected object with one query
    per widget, so an inline with N rows costs N queries. The inline formset
    below hands each widget the object it already has (select_related)."""

    known: dict | None = None

    def optgroups(self, name, value, attr=None):
        # Django's widget looks the posted value up as a key: "abc" or " " for an
        # integer key raised ValueError while re-rendering the form (a 500
        # instead of "Select a valid choice"). Values that cannot be a key are dropped.
        value = _usable_keys(self.field, value)
        field = self.choices.field
        selected = {str(v) for v in value if str(v) not in field.empty_values}
        if not selected or not self.known or not selected <= set(self.known):
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for key in sorted(selected):
            label = field.label_from_instance(self.known[key])
            options.append(self.create_option(name, key, label, selected, len(options)))
        return [(None, options, 0)]


class KnownObjectsInlineFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if form.instance.pk is None:
            return form
        for name, field in form.fields.items():
            widget = getattr(field.widget, "widget", field.widget)
            if isinstance(widget, KnownObjectsAutocompleteSelect):
                related = getattr(form.instance, name, None)
                widget.known = {str(related.pk): related} if related is not None else {}
        return form


class SafeAutocompleteMixin:
    """For ModelAdmins and inlines: autocomplete widgets that ignore a posted
    value which cannot be a key, instead of failing."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownObjectsAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class KnownObjectsInlineMixin(SafeAutocompleteMixin):
    """For admin inlines: autocomplete fields rendered without a query per row.
    The inline's get_queryset must select_related those fields."""

    formset = KnownObjectsInlineFormSet
