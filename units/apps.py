from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Units and people")

    def ready(self):
        _name_groups_in_the_readers_language()
        _name_sign_in_records_in_the_readers_language()


def _name_groups_in_the_readers_language():
    from django.conf import settings
    from django.contrib.auth.models import Group

    # The Leadership group's name is a key the code looks up (settings.LEADERSHIP_GROUP), so it stays
    # English in the database; people see it in their language wherever the admin names a group.
    names = {settings.LEADERSHIP_GROUP: _("Leadership")}

    def group_str(group) -> str:
        return str(names.get(group.name, group.name))

    Group.__str__ = group_str


def _name_sign_in_records_in_the_readers_language():
    """django-axes names its records in English f-strings ("Access Log for …"), shown in the admin."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.utils.formats import date_format
    from django.utils.timezone import localtime

    def when(record) -> str:
        return date_format(localtime(record.attempt_time), "SHORT_DATETIME_FORMAT")

    AccessLog.__str__ = lambda log: (
        _("Access log for %(username)s at %(time)s")
        % {
            "username": log.username,
            "time": when(log),
        }
    )
    AccessFailureLog.__str__ = lambda log: (
        _("Failed sign-in of %(username)s at %(time)s from %(ip)s")
        % {
            "username": log.username,
            "time": when(log),
            "ip": log.ip_address,
        }
    )
    AccessAttempt.__str__ = lambda attempt: _("Sign-in attempt at %(time)s") % {"time": when(attempt)}
