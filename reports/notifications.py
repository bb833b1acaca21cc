"""E-mail for the portal's notifications (issue 12), through the outbox.

tasks writes the notifications; this module turns the rows that want an
e-mail into outbox drafts and sends them, exactly once:

- immediately: one message per notification (outbox key ``notification:<id>``),
  queued by tasks after the commit and swept every few minutes by the beat;
- the daily digest (07:30, Hanoi time): one message per person and day
  (key ``digest:<day>:<user id>``) listing the rows not yet e-mailed.

A row is marked `emailed_at` in the same transaction that records its draft,
so two runs at once draft the same keys (ignored the second time) and a rerun
finds nothing left; sending happens afterwards with no transaction open.
"""

from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tasks.models import EmailChoice, Notification
from tasks.notifications import notification_text

from .models import OutboxMessage
from .outbox import Draft, OutboxIncomplete, draft_from_message, outbox_add, outbox_send
from .rendering.email import from_email

IMMEDIATE_BATCH = "notifications"
# Rows put into the outbox per run; the next run (queued or swept) takes the rest.
RUN_LIMIT = 1000


def _absolute(path: str) -> str:
    base = getattr(settings, "REPORT_BASE_URL", "")
    return f"{base.rstrip('/')}{path}" if base else path


def _item(notification: Notification) -> dict:
    return {
        "text": notification_text(notification),
        "title": notification.task.title if notification.task_id else "",
        "excerpt": notification.excerpt,
        "url": _absolute(notification.url),
        "at": timezone.localtime(notification.created_at),
    }


def _message(*, subject: str, template: str, ctx: dict) -> EmailMultiAlternatives:
    ctx = {**ctx, "settings_url": _absolute(reverse("notification-settings"))}
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{template}.txt", ctx), from_email=from_email(), to=[]
    )
    message.attach_alternative(render_to_string(f"{template}.html", ctx), "text/html")
    return message


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _pending(choice: str, **filters):
    return (
        Notification.objects.filter(email=choice, emailed_at__isnull=True, **filters)
        .select_related("recipient", "task", "actor")
        .order_by("recipient_id", "created_at", "pk")
    )


def _record(drafts: list[Draft], pks: list[int]) -> None:
    """The drafts and the rows' mark, together: never one without the other."""
    with transaction.atomic():
        outbox_add(drafts=drafts)
        Notification.objects.filter(pk__in=pks, emailed_at__isnull=True).update(emailed_at=timezone.now())


def notification_emails_send(*, deadline: float | None = None) -> int:
    """E-mail the notifications whose recipient wants them at once, each once.
    Never inside a transaction. Raises OutboxIncomplete while some message is
    still to send (the job retries); returns the messages this call sent."""
    rows = list(_pending(EmailChoice.IMMEDIATE)[:RUN_LIMIT])
    drafts = []
    with translation.override(settings.LANGUAGE_CODE):
        for row in rows:
            if not row.recipient.email or not row.recipient.is_active:
                continue
            item = _item(row)
            message = _message(
                subject=item["text"], template="emails/notification", ctx={"name": _person(row.recipient), "item": item}
            )
            drafts.append(
                draft_from_message(
                    message,
                    key=f"notification:{row.pk}",
                    batch=IMMEDIATE_BATCH,
                    kind="notification",
                    recipient=row.recipient.email,
                )
            )
    if rows:
        _record(drafts, [row.pk for row in rows])
    result = outbox_send(batch=IMMEDIATE_BATCH, deadline=deadline)
    if result.pending:
        raise OutboxIncomplete(f"notifications: {result.pending} message(s) still to send")
    return result.sent


def _digest_drafts(rows: list[Notification], *, day: date, batch: str) -> tuple[list[Draft], list[int]]:
    by_person: dict[int, list[Notification]] = {}
    for row in rows:
        by_person.setdefault(row.recipient_id, []).append(row)
    keys = {pk: f"{batch}:{pk}" for pk in by_person}
    # A person whose digest for the day already went out: these rows wait for tomorrow's.
    done = set(OutboxMessage.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    drafts, marked = [], []
    for person_id, items in by_person.items():
        if keys[person_id] in done:
            continue
        marked += [row.pk for row in items]
        recipient = items[0].recipient
        if not recipient.email or not recipient.is_active:
            continue
        subject = _("Plan Portal: %(count)d notifications of %(day)s") % {
            "count": len(items),
            "day": day.strftime("%d/%m/%Y"),
        }
        ctx = {"name": _person(recipient), "items": [_item(row) for row in items], "day": day}
        message = _message(subject=subject, template="emails/notification_digest", ctx=ctx)
        drafts.append(
            draft_from_message(message, key=keys[person_id], batch=batch, kind="digest", recipient=recipient.email)
        )
    return drafts, marked


def notification_digest_send(*, now=None, deadline: float | None = None) -> int:
    """The daily digest: one message per person with the notifications they
    chose to get in the digest and not yet e-mailed. Once per person and day,
    however often it runs. Raises OutboxIncomplete while some message is
    still to send; returns the messages this call sent."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    batch = f"digest:{day.isoformat()}"
    rows = list(_pending(EmailChoice.DIGEST, created_at__lt=now))
    if rows:
        with translation.override(settings.LANGUAGE_CODE):
            drafts, marked = _digest_drafts(rows, day=day, batch=batch)
        if marked:
            _record(drafts, marked)
    result = outbox_send(batch=batch, deadline=deadline)
    if result.pending:
        raise OutboxIncomplete(f"{batch}: {result.pending} message(s) still to send")
    return result.sent
