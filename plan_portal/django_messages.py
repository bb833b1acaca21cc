"""Messages of Django itself that its Vietnamese catalogue leaves in English.

Listed here (never called) so that `makemessages` keeps them in the project's
catalogue, whose translations take precedence over Django's: a person who
types a NUL byte or a malformed value gets the explanation in Vietnamese too.
"""

from django.utils.translation import gettext_noop

DJANGO_MESSAGES = [
    gettext_noop("Null characters are not allowed."),
]
