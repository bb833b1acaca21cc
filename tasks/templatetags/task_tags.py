"""Small display helpers for the task pages (no queries)."""

import re

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import escape, format_html, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from plan_portal.text import highlight_ranges
from tasks.labels import COUNT_LABELS
from tasks.models import Field, Status

register = template.Library()

_STATUS_LABELS = dict(Status.choices)
_FIELD_LABELS = dict(Field.choices)


@register.filter
def status_label(key: str) -> str:
    """Translated label of a status key (works on annotations such as s_status)."""
    return str(_STATUS_LABELS.get(key, key))


@register.filter
def count_label(key: str) -> str:
    """Label of a figure (tasks.labels, the one table), e.g. "open_overdue"."""
    return str(COUNT_LABELS.get(key, key))


@register.filter
def field_label(key: str) -> str:
    return str(_FIELD_LABELS.get(key, key))


@register.filter
def task_title(task) -> str:
    """The English title when the page is in English and one exists."""
    if (get_language() or "").startswith("en") and task.title_en:
        return task.title_en
    return task.title


@register.filter
def unit_name(unit) -> str:
    if (get_language() or "").startswith("en") and unit.name_en:
        return unit.name_en
    return unit.name


@register.filter
def signed(value) -> str:
    """+5 / −3 / 0 for a progress change."""
    value = int(value or 0)
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"−{abs(value)}"
    return "0"


@register.filter
def get_field_label(form, name: str) -> str:
    field = form.fields.get(name)
    return str(field.label) if field is not None and field.label else name


@register.filter
def getlist(querydict, name: str) -> list[str]:
    return querydict.getlist(name)


@register.filter
def highlight(text, query) -> str:
    """`text`, escaped, with the search words of `query` in <mark> (accents and case ignored)."""
    text = "" if text is None else str(text)
    parts, position = [], 0
    for start, end in highlight_ranges(text, str(query or "")):
        parts.append(escape(text[position:start]))
        parts.append(format_html("<mark>{}</mark>", text[start:end]))
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))


@register.filter
def age_in_days(moment, today) -> int:
    """Whole days from a datetime (local day) to `today`."""
    from django.utils import timezone

    if not moment or not today:
        return 0
    return max((today - timezone.localdate(moment)).days, 0)


# `@name` as tasks.comments.MENTION_RE finds it (an escaped character before
# the "@" ends in ";", which the pattern allows as the raw character is).
_MENTION_HTML = re.compile(r"(?<![\w@/.:=+-])@([\w.+-]*[\w+-])")


@register.filter(needs_autoescape=True)
def comment_body(comment, autoescape=True):
    """A comment as HTML: escaped, links clickable (Django's urlize), line breaks
    kept, and `@username` of the people it mentions (prefetched) marked as mentions."""
    html = urlize(comment.body, nofollow=True, autoescape=True)
    people = {person.username: person for person in comment.mentions.all()}

    def mention(match):
        person = people.get(match.group(1))
        if person is None:
            return match.group(0)
        title = escape(person.get_full_name() or person.username)
        return f'<span class="mention" title="{title}" data-testid="mention">@{escape(person.username)}</span>'

    if people:
        html = _outside_tags(html, lambda text: _MENTION_HTML.sub(mention, text))
    return mark_safe(linebreaksbr(mark_safe(html), autoescape=False))


def _outside_tags(html: str, change) -> str:
    """Apply `change` to the text between tags only, never inside an <a ...> tag."""
    parts = re.split(r"(<[^>]*>)", html)
    return "".join(part if part.startswith("<") else change(part) for part in parts)
