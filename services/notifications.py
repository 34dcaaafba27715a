"""E-mail notifications: queued in the outbox with the event that causes them, delivered over SMTP
by the notifications job with retries and a dead-letter state.

Messages are rendered when queued, from templates that name the policy and the deadline. They
carry names of users and agencies, never client data. Delivery is at least once: a message the
SMTP server accepted is marked SENT in the same step; should the process die between the two, the
message goes again with the same Message-ID, which receiving systems use to drop the copy.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, cast
from uuid import UUID

import aiosmtplib
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models.outbox import DeliveryStatus, OutboxMessage
from models.users import User

__all__ = [
    "NotConfigured",
    "Notice",
    "SmtpConfig",
    "deliver_pending",
    "queue",
    "requeue_dead",
]

log = logging.getLogger("hearth.notifications")

MAX_RETRY_DELAY = timedelta(hours=12)
_ERROR_CHARS = 300


class NotConfigured(RuntimeError):
    """No SMTP server is configured: messages stay queued."""


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to queue. ``dedupe_key`` makes queueing it twice a no-op."""

    kind: str
    subject: str
    body: str
    dedupe_key: str
    recipient_id: UUID | None = None
    to_address: str | None = None
    agency_id: UUID | None = None
    payload: dict[str, Any] | None = None


async def queue(notices: Iterable[Notice], *, now: datetime) -> int:
    """Queue messages in the caller's transaction; a message queued before is skipped."""
    rows = [
        OutboxMessage(
            recipient_id=n.recipient_id,
            to_address=n.to_address,
            agency_id=n.agency_id,
            kind=n.kind,
            subject=n.subject[:200],
            body=n.body,
            payload=n.payload or {},
            dedupe_key=n.dedupe_key,
            created_at=now,
            status=DeliveryStatus.PENDING,
        )
        for n in notices
        if n.recipient_id is not None or n.to_address
    ]
    if not rows:
        return 0
    keys = [r.dedupe_key for r in rows]
    existing = set(  # (the cast: Tortoise types a flat values_list as a list of tuples)
        cast(
            "list[str]",
            await OutboxMessage.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True),
        )
    )
    fresh = {r.dedupe_key: r for r in rows if r.dedupe_key not in existing}
    await OutboxMessage.bulk_create(list(fresh.values()), ignore_conflicts=True)
    return len(fresh)


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str | None
    port: int = 587
    tls: str = "starttls"  # starttls | tls | none
    username: str | None = None
    password: str | None = None
    sender: str = "CT HMIS <no-reply@localhost>"
    timeout: float = 10.0
    max_attempts: int = 8
    retry_seconds: int = 300
    batch_size: int = 200

    @classmethod
    def from_settings(cls, settings: Any) -> SmtpConfig:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            tls=settings.smtp_tls,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            sender=settings.smtp_from,
            timeout=settings.smtp_timeout_seconds,
            max_attempts=settings.notification_max_attempts,
            retry_seconds=settings.notification_retry_seconds,
            batch_size=settings.notification_batch_size,
        )


Sender = Callable[[EmailMessage, SmtpConfig], Awaitable[Any]]


async def smtp_send(message: EmailMessage, config: SmtpConfig) -> Any:
    return await aiosmtplib.send(
        message,
        hostname=config.host,
        port=config.port,
        username=config.username,
        password=config.password,
        use_tls=config.tls == "tls",
        start_tls=True if config.tls == "starttls" else False,
        timeout=config.timeout,
    )


def _permanent(error: Exception) -> bool:
    """A 5xx answer (address refused, message rejected): retrying cannot help."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= e.code < 600 for e in error.recipients)
    return isinstance(error, aiosmtplib.SMTPResponseException) and 500 <= error.code < 600


def _connection_failure(error: Exception) -> bool:
    return isinstance(
        error,
        aiosmtplib.SMTPConnectError
        | aiosmtplib.SMTPTimeoutError
        | aiosmtplib.SMTPServerDisconnected
        | OSError,
    ) and not isinstance(error, aiosmtplib.SMTPResponseException)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:_ERROR_CHARS]


def _retry_delay(config: SmtpConfig, attempts: int) -> timedelta:
    return min(timedelta(seconds=config.retry_seconds * 2 ** (attempts - 1)), MAX_RETRY_DELAY)


def _email(row: OutboxMessage, address: str, config: SmtpConfig, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(idstring=str(row.id), domain="hearth")
    message["X-Hearth-Notification"] = row.kind
    message.set_content(row.body or row.subject)
    return message


async def deliver_pending(
    *, config: SmtpConfig, now: datetime, send: Sender = smtp_send
) -> dict[str, int]:
    """Send what is due, one message at a time, each in its own transaction with its row locked
    (``SKIP LOCKED``: a second worker takes other messages). A refused address goes DEAD at
    once; a temporary failure is retried with a doubling delay until ``max_attempts``, then
    DEAD. When the server cannot be reached at all, the run stops instead of trying the rest."""
    counts = {"sent": 0, "retry": 0, "dead": 0, "skipped": 0}
    if not config.host:
        pending = await OutboxMessage.filter(status=DeliveryStatus.PENDING).count()
        counts["skipped"] = pending
        if pending:
            raise NotConfigured(f"HEARTH_SMTP_HOST is not set: {pending} message(s) stay queued")
        return counts
    for _ in range(config.batch_size):
        async with in_transaction() as conn:
            row = await (
                OutboxMessage.filter(status=DeliveryStatus.PENDING)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                .order_by("created_at", "id")
                .select_for_update(skip_locked=True)
                .using_db(conn)
                .first()
            )
            if row is None:
                break
            address = row.to_address
            if address is None and row.recipient_id is not None:
                address = cast(  # Tortoise types a flat values_list as a tuple
                    "str | None",
                    await User.filter(id=row.recipient_id).first().values_list("email", flat=True),
                )
            row.attempts += 1
            stop = False
            if not address:
                row.status, row.last_error = DeliveryStatus.DEAD, "no address for the recipient"
                counts["dead"] += 1
            else:
                try:
                    await send(_email(row, address, config, now), config)
                except Exception as error:  # recorded on the row; the job carries on
                    row.last_error = _describe(error)
                    if _permanent(error) or row.attempts >= config.max_attempts:
                        row.status = DeliveryStatus.DEAD
                        counts["dead"] += 1
                    else:
                        row.next_attempt_at = now + _retry_delay(config, row.attempts)
                        counts["retry"] += 1
                    stop = _connection_failure(error)
                    log.warning("notification %s not delivered: %s", row.id, row.last_error)
                else:
                    row.status, row.delivered_at, row.last_error = DeliveryStatus.SENT, now, None
                    counts["sent"] += 1
            await row.save(using_db=conn)
        if stop:
            break
    return counts


async def requeue_dead(*, now: datetime) -> int:
    """An operator's retry of dead letters (after fixing the address or the server)."""
    return await OutboxMessage.filter(status=DeliveryStatus.DEAD).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, last_error=None
    )


def due_phrase(due_on: date) -> str:
    return f"{due_on:%A, %B} {due_on.day}, {due_on.year}"
