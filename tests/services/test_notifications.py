"""The outbox goes out over real SMTP (aiosmtpd in-process): delivered once, retried on temporary
failures with a doubling delay, dead-lettered on refusal or exhaustion, kept when the server is
down or silent; the compliance messages carry the policy and the deadline and no client data."""

from __future__ import annotations

import asyncio
import socket
import warnings
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from models.clients import Client
from models.enums import AccessLevel, Duty
from models.outbox import DeliveryStatus, OutboxMessage
from services import compliance
from services.notifications import (
    NotConfigured,
    Notice,
    SmtpConfig,
    deliver_pending,
    queue,
    requeue_dead,
)
from tests.factories import make_agency, make_user

NOW = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
TZ = ZoneInfo("America/New_York")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An SMTP server's handler: keeps what arrives, refuses some addresses, fails on demand."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse: set[str] = set()
        self.fail_data = 0  # answer DATA with 451 this many times

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_data:
            self.fail_data -= 1
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, SmtpConfig]]:
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield (
            mailbox,
            SmtpConfig(
                host="127.0.0.1",
                port=port,
                tls="none",
                timeout=5,
                retry_seconds=300,
                max_attempts=3,
            ),
        )
    finally:
        controller.stop()


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """Accepts connections and never says a word (an SMTP server that hangs)."""

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def _notices(*addresses: str) -> None:
    await queue(
        [
            Notice(
                kind="test",
                subject=f"Subject {a}",
                body=f"Body for {a}",
                dedupe_key=f"t:{a}",
                to_address=a,
            )
            for a in addresses
        ],
        now=NOW,
    )


async def test_queued_messages_arrive_once(app: object, smtp: tuple[Mailbox, SmtpConfig]) -> None:
    mailbox, config = smtp
    user = await make_user(
        "ann", email="Ann@Harbor.example.org", email_normalized="ann@harbor.example.org"
    )
    await queue(
        [
            Notice(
                kind="test",
                subject="Hello Ann",
                body="Text",
                dedupe_key="t:ann",
                recipient_id=user.id,
            )
        ],
        now=NOW,
    )
    await _notices("director@harbor.example.org")
    # when
    counts = await deliver_pending(config=config, now=NOW)
    again = await deliver_pending(config=config, now=NOW + timedelta(minutes=5))
    # then
    assert counts["sent"] == 2
    assert again["sent"] == 0
    assert sorted(m["X-Envelope-To"] for m in mailbox.messages) == [
        "Ann@Harbor.example.org",
        "director@harbor.example.org",
    ]
    assert {m["Subject"] for m in mailbox.messages} == {
        "Hello Ann",
        "Subject director@harbor.example.org",
    }
    assert all(m["Message-ID"] and m["From"] == config.sender for m in mailbox.messages)
    rows = await OutboxMessage.all()
    assert {r.status for r in rows} == {DeliveryStatus.SENT}
    assert all(r.delivered_at == NOW for r in rows)


async def test_queueing_the_same_message_twice_sends_it_once(
    app: object, smtp: tuple[Mailbox, SmtpConfig]
) -> None:
    mailbox, config = smtp
    await _notices("a@x.org")
    await _notices("a@x.org")
    await deliver_pending(config=config, now=NOW)
    assert len(mailbox.messages) == 1
    assert await OutboxMessage.all().count() == 1


async def test_a_temporary_failure_is_retried_later_and_then_delivered(
    app: object, smtp: tuple[Mailbox, SmtpConfig]
) -> None:
    mailbox, config = smtp
    mailbox.fail_data = 2
    await _notices("a@x.org")
    # when: first attempt fails (451)
    first = await deliver_pending(config=config, now=NOW)
    row = await OutboxMessage.get()
    # then: still queued, retry in 5 minutes
    assert first["retry"] == 1
    assert row.status == DeliveryStatus.PENDING
    assert row.attempts == 1
    assert row.next_attempt_at == NOW + timedelta(seconds=300)
    assert "451" in row.last_error
    # not due yet: nothing tried
    assert (await deliver_pending(config=config, now=NOW + timedelta(seconds=299)))["retry"] == 0
    # second attempt fails: the delay doubles
    await deliver_pending(config=config, now=NOW + timedelta(seconds=300))
    row = await OutboxMessage.get()
    assert row.attempts == 2
    assert row.next_attempt_at == NOW + timedelta(seconds=900)
    # third attempt succeeds
    assert (await deliver_pending(config=config, now=NOW + timedelta(seconds=900)))["sent"] == 1
    assert len(mailbox.messages) == 1
    assert (await OutboxMessage.get()).status == DeliveryStatus.SENT


async def test_a_refused_address_is_dead_at_once_and_the_others_still_go(
    app: object, smtp: tuple[Mailbox, SmtpConfig]
) -> None:
    mailbox, config = smtp
    mailbox.refuse = {"gone@x.org"}
    await _notices("gone@x.org", "here@x.org")
    counts = await deliver_pending(config=config, now=NOW)
    assert counts == {"sent": 1, "retry": 0, "dead": 1, "skipped": 0}
    dead = await OutboxMessage.get(to_address="gone@x.org")
    assert dead.status == DeliveryStatus.DEAD
    assert "550" in dead.last_error
    # an operator fixes it and requeues the dead letters
    mailbox.refuse = set()
    assert await requeue_dead(now=NOW + timedelta(hours=1)) == 1
    await deliver_pending(config=config, now=NOW + timedelta(hours=1))
    assert (await OutboxMessage.get(to_address="gone@x.org")).status == DeliveryStatus.SENT


async def test_after_the_last_attempt_a_message_is_dead(
    app: object, smtp: tuple[Mailbox, SmtpConfig]
) -> None:
    mailbox, config = smtp
    mailbox.fail_data = 10
    await _notices("a@x.org")
    moment = NOW
    for _ in range(config.max_attempts):
        await deliver_pending(config=config, now=moment)
        moment += timedelta(days=1)
    row = await OutboxMessage.get()
    assert row.status == DeliveryStatus.DEAD
    assert row.attempts == config.max_attempts
    assert mailbox.messages == []


async def test_a_server_that_is_down_loses_nothing(app: object) -> None:
    config = SmtpConfig(host="127.0.0.1", port=_free_port(), tls="none", timeout=2)
    await _notices("a@x.org", "b@x.org")
    counts = await deliver_pending(config=config, now=NOW)
    # the run stops at the first connection failure; both messages stay queued
    assert counts["sent"] == 0
    assert counts["retry"] == 1
    rows = await OutboxMessage.all()
    assert {r.status for r in rows} == {DeliveryStatus.PENDING}
    assert sorted(r.attempts for r in rows) == [0, 1]


async def test_a_server_that_times_out_loses_nothing(app: object, silent_server: int) -> None:
    config = SmtpConfig(host="127.0.0.1", port=silent_server, tls="none", timeout=0.3)
    await _notices("a@x.org")
    counts = await deliver_pending(config=config, now=NOW)
    row = await OutboxMessage.get()
    assert counts["retry"] == 1
    assert row.status == DeliveryStatus.PENDING
    assert "Timeout" in row.last_error


async def test_without_an_smtp_host_messages_stay_queued_and_the_run_says_why(app: object) -> None:
    await _notices("a@x.org")
    with pytest.raises(NotConfigured, match="HEARTH_SMTP_HOST"):
        await deliver_pending(config=SmtpConfig(host=None), now=NOW)
    assert (await OutboxMessage.get()).status == DeliveryStatus.PENDING


async def test_compliance_messages_name_the_policy_and_deadline_and_no_client(
    app: object, smtp: tuple[Mailbox, SmtpConfig]
) -> None:
    mailbox, config = smtp
    agency = await make_agency("Harbor House")
    hdc = await make_user("hdc", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    ann = await make_user(
        "ann", agencies={agency: AccessLevel.FULL}, email="A@x.org", email_normalized="a@x.org"
    )
    await make_user(
        "bob", agencies={agency: AccessLevel.FULL}, email="a@X.org", email_normalized="a@x.org"
    )
    await Client.create(
        created_by_agency=agency,
        created_by_user=ann,
        first_name="Zelda",
        last_name="Quuxworth",
        ssn="123456789",
        dob=date(1980, 1, 1),
        created_at=NOW,
        updated_at=NOW,
        last_activity_at=NOW,
    )
    await compliance.sweep_shared_contacts(now=NOW, tz=TZ)
    # when
    await deliver_pending(config=config, now=NOW)
    # then
    assert len(mailbox.messages) == 4
    to = {m["X-Envelope-To"] for m in mailbox.messages}
    assert to == {"A@x.org", "a@X.org", hdc.email}
    for message in mailbox.messages:
        text = message.get_payload(decode=True).decode()
        assert "April 15, 2026" in text
        assert "policy 109 and 202" in text
        assert "Zelda" not in text
        assert "Quuxworth" not in text
        assert "123456789" not in text
        assert "no client information" in text


async def test_credentials_from_the_settings_are_used_and_a_wrong_password_loses_nothing(
    app: object,
) -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from api.settings import Settings

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"hearth",
            b"s3cret",
        )
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535

    mailbox = Mailbox()
    port = _free_port()
    # a test server on loopback: AUTH without TLS, which aiosmtpd rightly warns about
    warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        settings = Settings(
            _env_file=None,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_tls="none",
            smtp_username="hearth",
            smtp_password="wrong",
        )  # type: ignore[call-arg]
        await _notices("a@x.org")
        refused = await deliver_pending(config=SmtpConfig.from_settings(settings), now=NOW)
        row = await OutboxMessage.get()
        assert refused["sent"] == 0
        assert row.status != DeliveryStatus.SENT
        assert mailbox.messages == []
        await requeue_dead(now=NOW)
        good = Settings(_env_file=None, **{**settings.model_dump(), "smtp_password": "s3cret"})  # type: ignore[arg-type]
        assert (
            await deliver_pending(
                config=SmtpConfig.from_settings(good), now=NOW + timedelta(hours=1)
            )
        )["sent"] == 1
        assert len(mailbox.messages) == 1
    finally:
        controller.stop()
