"""Forms used by the units and people admin."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Unit

# Deeper trees do not exist in the organisation; the bound keeps the walk cheap.
MAX_TREE_DEPTH = 10


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = "__all__"

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
