"""E-mail through a real (local) SMTP server: a dead server loses nothing and blocks nothing.

The server is aiosmtpd on 127.0.0.1 and a free port, started and stopped by the tests.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from engine.oversight import notifications
from engine.oversight.notifications import SmtpSettings
from engine.oversight.scheduler import SchedulerSettings, Ticker
from engine.store.tables import User
from engine.store.tables_oversight import EmailOutbox
from tests.integration.test_escalation import deadline, registered_cases, sweep_at
from tests.world import make_world


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it accepts, or refuses recipients for good."""

    def __init__(self, refuse: bool = False) -> None:
        self.messages: list = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"


@contextmanager
def smtp_server(port: int, handler: Inbox) -> Iterator[Inbox]:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def world(db_url, clock):
    w = make_world(db_url, clock)
    with w.rt.engine.begin() as c:
        for name in ("wang", "li", "chen"):
            c.execute(
                update(User.__table__)
                .where(User.__table__.c.username == name)
                .values(email=f"{name}@example.org")
            )
    return w


def smtp(port: int, **kw) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, timeout=5, backoff_base=60, **kw)


def outbox(world) -> list[dict]:
    with world.rt.reader() as r:
        return [
            dict(x)
            for x in r.conn.execute(
                select(EmailOutbox.__table__).order_by(EmailOutbox.__table__.c.id)
            ).mappings()
        ]


def deliver(world, settings):
    """One tick of the mail job, at the world's clock."""
    scheduler = SchedulerSettings(smtp=settings)
    return Ticker(world.rt.engine, world.rt.definitions, scheduler, clock=world.clock).deliver()


def test_smtp_down_keeps_the_notification_and_sends_it_later_with_backoff(world):
    port = free_port()  # nothing listens here yet: the server is "down"
    settings = smtp(port)
    (cid,) = registered_cases(world, 1)
    d = deadline(world, cid, "forward_documents")
    r = sweep_at(world, d["remind_at"], smtp=settings)
    assert len(r.reminders) == 1
    (mail,) = outbox(world)
    assert (mail["status"], mail["attempts"], mail["to_addr"]) == ("pending", 0, "wang@example.org")
    wang = world.actors["wang"].id
    assert notifications.unread_count(world.uow(), wang) == 1  # in-app, whatever SMTP does

    first = deliver(world, settings)
    assert (first.sent, first.retried, first.failed) == (0, 1, 0)
    (mail,) = outbox(world)
    assert mail["status"] == "pending" and mail["attempts"] == 1 and mail["last_error"]
    assert mail["next_attempt_at"] == world.clock.now() + timedelta(seconds=60)
    assert deliver(world, settings).retried == 0  # waits for its backoff, no hammering

    world.clock.advance(seconds=60)
    assert deliver(world, settings).retried == 1
    (mail,) = outbox(world)
    assert mail["attempts"] == 2
    assert mail["next_attempt_at"] == world.clock.now() + timedelta(seconds=120)  # doubled

    with smtp_server(port, Inbox()) as inbox:
        world.clock.advance(seconds=119)
        assert deliver(world, settings).sent == 0
        world.clock.advance(seconds=1)
        assert deliver(world, settings).sent == 1
        assert deliver(world, settings).sent == 0  # sent once, not again
    (mail,) = outbox(world)
    assert mail["status"] == "sent" and mail["sent_at"] == world.clock.now()
    (msg,) = inbox.messages
    assert msg.rcpt_tos == ["wang@example.org"]
    parsed = email.message_from_bytes(msg.content, policy=email.policy.default)
    assert "到期提醒" in parsed["Subject"] and "Reminder" in parsed["Subject"]
    assert "REG-5" in parsed.get_content()
    assert notifications.unread_count(world.uow(), wang) == 1


def test_the_sweep_never_waits_for_a_hanging_smtp_server(world):
    """A server that accepts TCP and never answers: the sweep does not even notice."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def hold() -> None:
        conns = []
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(listener.accept()[0])
            except OSError:
                continue
        for c in conns:
            c.close()

    t = threading.Thread(target=hold, daemon=True)
    t.start()
    try:
        settings = SmtpSettings(host="127.0.0.1", port=port, timeout=30)
        registered_cases(world, 2)
        t0 = time.monotonic()
        r = sweep_at(world, world.clock.now() + timedelta(days=60), smtp=settings)
        took = time.monotonic() - t0
        assert r.escalations and took < 10  # a wait on SMTP would cost the 30 s timeout
        assert len(outbox(world)) == r.notifications  # everyone here has an address
        assert all(m["status"] == "pending" for m in outbox(world))
    finally:
        stop.set()
        t.join(timeout=5)
        listener.close()


def test_a_permanent_refusal_is_not_retried_but_kept_for_the_operator(world):
    port = free_port()
    settings = smtp(port)
    (cid,) = registered_cases(world, 1)
    sweep_at(world, deadline(world, cid, "forward_documents")["remind_at"], smtp=settings)
    with smtp_server(port, Inbox(refuse=True)):
        out = deliver(world, settings)
    assert (out.sent, out.retried, out.failed) == (0, 0, 1)
    (mail,) = outbox(world)
    assert mail["status"] == "failed" and "550" in mail["last_error"]
    assert notifications.retry_failed(world.uow()) == 1
    with smtp_server(port, Inbox()) as inbox:
        assert deliver(world, settings).sent == 1
    assert len(inbox.messages) == 1


def test_gives_up_after_the_configured_attempts(world):
    settings = smtp(free_port(), max_attempts=2)
    (cid,) = registered_cases(world, 1)
    sweep_at(world, deadline(world, cid, "forward_documents")["remind_at"], smtp=settings)
    assert deliver(world, settings).retried == 1
    world.clock.advance(hours=1)
    assert deliver(world, settings).failed == 1
    (mail,) = outbox(world)
    assert mail["status"] == "failed" and mail["attempts"] == 2


def test_no_email_without_smtp_or_without_an_address(world):
    (cid,) = registered_cases(world, 1)
    d = deadline(world, cid, "forward_documents")
    sweep_at(world, d["remind_at"])  # SMTP not configured: in-app only
    assert outbox(world) == []
    with world.rt.engine.begin() as c:
        c.execute(update(User.__table__).values(email=None))
    sweep_at(world, d["due_at"], smtp=smtp(free_port()))
    assert outbox(world) == []
    assert notifications.unread_count(world.uow(), world.actors["wang"].id) == 2
