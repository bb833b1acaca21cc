"""The e-mail outbox: every message is recorded first, then sent outside any transaction.

Why: an SMTP run can take minutes (a server answering in 4 s a message). Held
inside a transaction, PostgreSQL ends the idle transaction, the job retries
and everyone gets the report again. Here each recipient's message is a row
(`OutboxMessage`) with a unique key; a sender claims a pending row with a
short lease (one UPDATE in autocommit), talks to SMTP with no transaction
open, then marks the row sent. A retry, or a second run at the same time,
sends only what is still pending.

Any feature that e-mails people adds drafts with `outbox_add` and sends its
batch with `outbox_send`; the catch-up job sends whatever is left.
"""

import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Count, F, Q
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)


class OutboxIncomplete(Exception):
    """Some messages of the batch are still pending (SMTP failed or another
    sender holds them): the job retries later and sends only those."""


@dataclass(frozen=True)
class Draft:
    key: str
    batch: str
    kind: str
    recipient: str
    subject: str
    body_text: str
    body_html: str = ""
    from_email: str = ""
    attachment_path: str = ""  # a default_storage name, read when sending
    attachment_name: str = ""
    attachment_mimetype: str = ""


@dataclass(frozen=True)
class SendResult:
    sent: int  # sent by this call
    pending: int  # still pending in the batch(es) looked at
    failed: int  # given up (OUTBOX_MAX_ATTEMPTS) in the batch(es) looked at


def draft_from_message(
    message: EmailMultiAlternatives, *, key: str, batch: str, kind: str, recipient: str, attachment=("", "", "")
) -> Draft:
    """A rendered message (no attachment) as a draft for one recipient."""
    html = next((content for content, mime in message.alternatives if mime == "text/html"), "")
    path, name, mimetype = attachment
    return Draft(
        key=key,
        batch=batch,
        kind=kind,
        recipient=recipient,
        subject=message.subject,
        body_text=message.body,
        body_html=html,
        from_email=message.from_email,
        attachment_path=path,
        attachment_name=name,
        attachment_mimetype=mimetype,
    )


def outbox_add(*, drafts: list[Draft]) -> None:
    """Record the drafts; a key already there (prepared before) is left as it is."""
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                key=d.key[:255],
                batch=d.batch,
                kind=d.kind,
                recipient=d.recipient,
                from_email=d.from_email or settings.DEFAULT_FROM_EMAIL,
                subject=d.subject,
                body_text=d.body_text,
                body_html=d.body_html,
                attachment_path=d.attachment_path,
                attachment_name=d.attachment_name,
                attachment_mimetype=d.attachment_mimetype,
            )
            for d in drafts
        ],
        ignore_conflicts=True,
    )


def in_transaction() -> bool:
    """True inside a real transaction (the test case's own wrapping does not count)."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _message(row: OutboxMessage) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=row.subject, body=row.body_text, from_email=row.from_email, to=[row.recipient]
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    if row.attachment_path:
        with default_storage.open(row.attachment_path, "rb") as handle:
            message.attach(
                row.attachment_name or row.attachment_path.rsplit("/", 1)[-1],
                handle.read(),
                row.attachment_mimetype or None,
            )
    return message


def _claim(pk: int) -> bool:
    now = timezone.now()
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    return bool(
        OutboxMessage.objects.filter(pk=pk, state=OutboxMessage.State.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + lease, attempts=F("attempts") + 1)
    )


def _mark(pk: int, **values) -> None:
    """Record the outcome. A dropped database connection right after SMTP
    accepted must not leave the row to be sent again: reconnect once."""
    try:
        OutboxMessage.objects.filter(pk=pk).update(claimed_until=None, **values)
    except DatabaseError:
        close_old_connections()
        connection.close()
        OutboxMessage.objects.filter(pk=pk).update(claimed_until=None, **values)


def _close(smtp) -> None:
    if smtp is not None:
        with contextlib.suppress(Exception):  # closing a connection that may be broken already
            smtp.close()


def _send_one(row: OutboxMessage, smtp):
    """Send one claimed row; returns the SMTP connection to reuse (None after a failure)."""
    try:
        message = _message(row)
        if smtp is None:
            smtp = get_connection(fail_silently=False)
            smtp.open()
        smtp.send_messages([message])
    except DatabaseError:
        raise
    except Exception as exc:  # SMTP refusals, timeouts, a missing attachment: retry later
        logger.warning("E-mail %s to %s not sent (attempt %d): %r", row.key, row.recipient, row.attempts, exc)
        _close(smtp)
        given_up = row.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        _mark(
            row.pk,
            state=OutboxMessage.State.FAILED if given_up else OutboxMessage.State.PENDING,
            last_error=repr(exc)[:2000],
        )
        return None
    _mark(row.pk, state=OutboxMessage.State.SENT, sent_at=timezone.now(), last_error="")
    return smtp


def outbox_send(*, batch: str | None = None, deadline: float | None = None) -> SendResult:
    """Send the pending messages of one batch (or of all batches), oldest first.

    Never inside a transaction (raises RuntimeError). Each message is claimed
    for OUTBOX_LEASE_SECONDS, so two senders never send the same row; one that
    fails goes back to pending (given up after OUTBOX_MAX_ATTEMPTS attempts).
    `deadline` (time.monotonic()) stops claiming new rows before a job's time limit.
    """
    if in_transaction():
        raise RuntimeError("E-mail is never sent inside a database transaction.")
    rows = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING)
    if batch is not None:
        rows = rows.filter(batch=batch)
    sent = 0
    smtp = None
    try:
        for pk in list(rows.order_by("pk").values_list("pk", flat=True)):
            if deadline is not None and time.monotonic() > deadline:
                break
            if not _claim(pk):
                continue  # another sender has it, or it went out meanwhile
            smtp = _send_one(OutboxMessage.objects.get(pk=pk), smtp)
            sent += smtp is not None
    finally:
        _close(smtp)
    left = OutboxMessage.objects.exclude(state=OutboxMessage.State.SENT)
    if batch is not None:
        left = left.filter(batch=batch)
    counts = dict(left.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return SendResult(sent=sent, pending=counts.get("pending", 0), failed=counts.get("failed", 0))
