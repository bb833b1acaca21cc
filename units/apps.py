from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Units and people")

    def ready(self):
        from django.conf import settings
        from django.contrib.auth.models import Group

        # The Leadership group's name is a key the code looks up (settings.LEADERSHIP_GROUP), so it stays
        # English in the database; people see it in their language wherever the admin names a group.
        names = {settings.LEADERSHIP_GROUP: _("Leadership")}

        def group_str(group) -> str:
            return str(names.get(group.name, group.name))

        Group.__str__ = group_str
