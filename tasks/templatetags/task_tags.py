"""Small display helpers for the task pages (no queries)."""

import re

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape, format_html, urlize
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


# --- the task list's rows, in Python ------------------------------------------
# The list shows 50 rows; as 50 template includes they were most of the page's
# time. `task_row_open` writes the same HTML as the template did (the row
# partial, tasks/partials/task_row.html, uses it too, so there is one source).


def _row_labels() -> dict:
    """Per page: the translated words, the date format and the URL maker of every row."""
    from django.utils.formats import get_format
    from django.utils.translation import gettext, gettext_noop

    # gettext_noop marks the words for makemessages (gettext of a variable is not
    # extracted: `make makemessages` would drop them from the catalogue).
    return {
        "date_format": get_format("SHORT_DATE_FORMAT"),
        "urls": _RowUrls(),
    } | {
        key: escape(gettext(text))
        for key, text in {
            "updated": gettext_noop("updated"),
            "awaiting": gettext_noop("Awaiting confirmation"),
            "pending": gettext_noop("Request pending"),
            "saved": gettext_noop("Saved"),
            "extended": gettext_noop("Extended"),
            "overdue": gettext_noop("Overdue"),
            "at_risk": gettext_noop("Behind schedule"),
            "update": gettext_noop("Update"),
            "contribute": gettext_noop("Contribute"),
            "decide": gettext_noop("Decide"),
            "progress": gettext_noop("Progress"),
        }.items()
    }


def _short_date(value, date_format: str) -> str:
    """The `date:"SHORT_DATE_FORMAT"` filter (local time for a datetime), with the format looked up once."""
    from django.utils import dateformat, timezone

    if not value:
        return ""
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return escape(dateformat.format(value, date_format))


class _RowUrls:
    """tasks:detail and tasks:update-create of any task, from one reverse() each (`<int:pk>` paths)."""

    MARK = 987654321

    def __init__(self):
        from django.urls import reverse

        self.detail = reverse("tasks:detail", args=[self.MARK]).split(str(self.MARK))
        self.update = reverse("tasks:update-create", args=[self.MARK]).split(str(self.MARK))

    def __call__(self, kind: str, pk: int) -> str:
        before, after = getattr(self, kind)
        return f"{before}{int(pk)}{after}"


def _row_action(task, *, detail: str, labels: dict, inline_updates, can_decide, form) -> str:
    if inline_updates and task.can_update and not form:
        update = labels["urls"]("update", task.pk)
        return (
            f'\n    <a class="btn btn-sm btn-outline-primary text-nowrap" href="{detail}#update"\n'
            f'       data-hx-get="{update}" data-hx-target="#task-{task.pk}" data-hx-swap="outerHTML"\n'
            f'       data-testid="open-update">{labels["update"]}</a>\n    '
        )
    if inline_updates and task.can_contribute:
        return (
            f'\n    <a class="btn btn-sm btn-outline-secondary text-nowrap" href="{detail}#contribute"\n'
            f'       data-testid="open-contribute">{labels["contribute"]}</a>\n    '
        )
    if inline_updates and can_decide and (task.s_awaiting_confirmation or task.s_pending_request):
        return (
            f'\n    <a class="btn btn-sm btn-outline-success text-nowrap" href="{detail}#decide"\n'
            f'       data-testid="open-decide">{labels["decide"]}</a>\n    '
        )
    return ""


def _row_marks(task, *, labels: dict, saved) -> str:
    awaiting = (
        f'<span class="badge text-bg-light border" data-mark="awaiting">{labels["awaiting"]}</span>'
        if task.s_awaiting_confirmation
        else ""
    )
    pending = (
        f'<span class="badge text-bg-light border" data-mark="pending-request">{labels["pending"]}</span>'
        if task.s_pending_request
        else ""
    )
    done = (
        f'<span class="badge text-bg-success" role="status" data-testid="saved">{labels["saved"]}</span>'
        if saved
        else ""
    )
    return f"    {awaiting}\n    {pending}\n    {done}\n"


def _row_due(task, *, labels: dict) -> str:
    extended = (
        f'<div class="small text-body-secondary" data-mark="extended">{labels["extended"]}</div>'
        if task.s_extended
        else ""
    )
    overdue = f'<div class="mark-overdue small" data-mark="overdue">{labels["overdue"]}</div>' if task.s_overdue else ""
    at_risk = f'<div class="mark-at-risk small" data-mark="at-risk">{labels["at_risk"]}</div>' if task.s_at_risk else ""
    return (
        f'  <td class="text-nowrap">\n    {_short_date(task.s_due_date, labels["date_format"])}\n'
        f"    {extended}\n    {overdue}\n    {at_risk}\n  </td>\n"
    )


def _row_status_progress(task, *, labels: dict) -> str:
    status = escape(task.s_status)
    value = escape(task.s_progress)
    return (
        f'  <td><span class="badge status-{status}" data-status="{status}">{escape(status_label(task.s_status))}</span>\n</td>\n'
        f'  <td><span class="task-progress">\n'
        f'  <progress class="task-progress-bar" max="100" value="{value}" aria-label="{labels["progress"]}">{value}%</progress>\n'
        f'  <span class="task-progress-value">{value}%</span>\n</span>\n</td>\n'
    )


def _row_open(task, *, search_q: str, labels: dict, inline_updates, can_decide, saved, form) -> str:
    """<tbody> and the task's row (tasks/partials/task_row.html before its form)."""
    detail = labels["urls"]("detail", task.pk)
    mark = "mark-overdue" if task.s_overdue else "mark-at-risk" if task.s_at_risk else ""
    unit_code = highlight(task.lead_unit.code, search_q)
    last = _short_date(task.s_last_update, labels["date_format"])
    updated = f" · {labels['updated']} {last}" if task.s_last_update else ""
    action = _row_action(
        task, detail=detail, labels=labels, inline_updates=inline_updates, can_decide=can_decide, form=form
    )
    return (
        f'<tbody id="task-{escape(task.pk)}" class="task-group" data-task="{escape(task.code)}">\n'
        f'<tr class="{mark}">\n'
        f'  <td class="text-nowrap task-code-cell"><a href="{detail}">{highlight(task.code, search_q)}</a></td>\n'
        f'  <td class="task-title-cell">\n'
        f'    <a href="{detail}" class="task-title-link">{highlight(task_title(task), search_q)}</a>\n'
        f'    <div class="small text-body-secondary d-md-none">\n'
        f"      {unit_code}{updated}\n    </div>\n"
        f"{_row_marks(task, labels=labels, saved=saved)}  </td>\n"
        f'  <td class="d-none d-md-table-cell text-nowrap" title="{escape(unit_name(task.lead_unit))}">{unit_code}</td>\n'
        f"{_row_status_progress(task, labels=labels)}"
        f"{_row_due(task, labels=labels)}"
        f'  <td class="d-none d-md-table-cell text-nowrap">{last or "—"}</td>\n'
        f'  <td class="text-end">\n    {action}\n  </td>\n</tr>\n'
    )


def _search_q(context) -> str:
    request = context.get("request")
    return (request.GET.get("q") or "") if request is not None else ""


@register.simple_tag(takes_context=True)
def task_row_open(context) -> str:
    """The opening of tasks/partials/task_row.html (context: task, inline_updates, can_decide, saved, form)."""
    return mark_safe(
        _row_open(
            context["task"],
            search_q=_search_q(context),
            labels=_row_labels(),
            inline_updates=context.get("inline_updates"),
            can_decide=context.get("can_decide"),
            saved=context.get("saved"),
            form=context.get("form"),
        )
    )


@register.simple_tag(takes_context=True)
def task_rows(context, tasks) -> str:
    """Every row of the list, as the row partial without a form would render each."""
    labels, search_q = _row_labels(), _search_q(context)
    inline_updates, can_decide = context.get("inline_updates"), context.get("can_decide")
    return mark_safe(
        "".join(
            _row_open(
                task,
                search_q=search_q,
                labels=labels,
                inline_updates=inline_updates,
                can_decide=can_decide,
                saved=False,
                form=None,
            )
            + "\n</tbody>\n"
            for task in tasks
        )
    )


# `@name` as tasks.comments.MENTION_RE finds it (an escaped character before
# the "@" ends in ";", which the pattern allows as the raw character is).
_MENTION_HTML = re.compile(r"(?<![\w@/.:=+-])@([\w.+-]*[\w+-])")


@register.filter(needs_autoescape=True)
def comment_body(comment, autoescape=True):
    """A comment as HTML: escaped, links clickable (Django's urlize), line breaks
    kept, and `@username` of the people it mentions (prefetched) marked as mentions."""
    html = urlize(comment.body, nofollow=True, autoescape=True)
    # The timeline reads them in one query for the whole page (tasks.timeline).
    mentioned = getattr(comment, "mentioned_people", None)
    if mentioned is None:
        mentioned = comment.mentions.all()
    people = {person.username: person for person in mentioned}

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


@register.simple_tag
def page_links(page_obj, query_without_page):
    """The numbered links of partials/_pagination.html, exactly as its loop wrote them (whitespace
    included): first, last, two either side of the current page, an ellipsis beyond. The template
    compared every page of the list (92 on the large plan), about 1 ms a list page."""
    number, last = page_obj.number, page_obj.paginator.num_pages
    prefix = f"?{conditional_escape(query_without_page)}&amp;" if query_without_page else "?"
    parts = []
    for n in page_obj.paginator.page_range:
        if n == number:
            item = f'<li class="page-item active"><span class="page-link" aria-current="page">{localize(n)}</span></li>'
        elif n == 1 or n == last or number - 2 <= n <= number + 2:
            item = (
                f'<li class="page-item"><a class="page-link" href="{prefix}page={localize(n)}">{localize(n)}</a></li>'
            )
        elif n in (number - 3, number + 3):
            item = '<li class="page-item disabled d-none d-sm-block"><span class="page-link">&hellip;</span></li>'
        else:
            parts.append("\n      \n    ")
            continue
        parts.append(f"\n      \n    {item}\n      \n    ")
    return mark_safe("".join(parts))
