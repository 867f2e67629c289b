"""One instant per unit of work: a tick reads the clock once and everything it judges and
writes carries that instant (GUIDE: "the sweep reads the clock once per tick").

The clock here moves a minute every time it is read, so a second read anywhere below a tick
would show up as a second instant in the rows the tick wrote.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from engine.oversight.scheduler import SchedulerSettings, Ticker
from engine.store.tables import Event, User
from engine.store.tables_oversight import (
    DeadlineAction,
    EmailOutbox,
    Notification,
    SchedulerState,
    StallFlag,
)
from tests.integration.test_escalation import deadline, level_at, registered_cases
from tests.integration.test_notifications_smtp import Inbox, free_port, smtp, smtp_server
from tests.world import make_world


class CountingClock:
    """A clock that moves on by a minute after every read, and counts the reads."""

    def __init__(self, start: datetime) -> None:
        self.at = start
        self.read: list[datetime] = []

    def now(self) -> datetime:
        self.read.append(self.at)
        self.at += timedelta(minutes=1)
        return self.read[-1]


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


def column(world, col, *where) -> Counter:
    with world.rt.reader() as r:
        return Counter(r.conn.execute(select(col).where(*where)).scalars())


def test_a_sweep_tick_reads_the_clock_once_and_writes_everything_at_that_instant(world):
    ids = registered_cases(world, 3)
    # Months later: every level of both deadlines is due and every case is stalled.
    start = level_at(world, deadline(world, ids[0], "party_org_formation"), 3) + timedelta(days=1)
    clock = CountingClock(start)
    settings = SchedulerSettings(digest_hour=None, smtp=smtp(free_port()))
    ticker = Ticker(world.rt.engine, world.rt.definitions, settings, clock=clock)

    result = ticker.sweep()

    assert clock.read == [start]
    assert result.now == start
    assert len(result.escalations) == 3 * 2 * 3 and len(result.stalled) == 3
    system = Event.__table__.c.actor_name == "system"
    assert column(world, Event.__table__.c.at, system) == {start: 3 * 2 * 3 + 3}
    assert column(world, DeadlineAction.__table__.c.fired_at) == {start: 18}
    assert column(world, StallFlag.__table__.c.flagged_at) == {start: 3}
    assert set(column(world, Notification.__table__.c.created_at)) == {start}
    assert set(column(world, EmailOutbox.__table__.c.created_at)) == {start}
    assert set(column(world, EmailOutbox.__table__.c.next_attempt_at)) == {start}
    assert set(column(world, SchedulerState.__table__.c.updated_at)) == {start}


def test_a_digest_tick_reads_the_clock_once(world):
    registered_cases(world, 2)
    start = world.clock.now() + timedelta(days=60)  # 10:00 Shanghai, past a digest hour of 8
    clock = CountingClock(start)
    ticker = Ticker(
        world.rt.engine,
        world.rt.definitions,
        SchedulerSettings(digest_hour=8),
        clock=clock,
    )
    assert ticker.digest() == 2
    assert clock.read == [start]
    digest = Notification.__table__.c.kind == "digest"
    assert column(world, Notification.__table__.c.created_at, digest) == {start: 2}


def test_the_mail_job_reads_the_clock_once_per_batch_and_stamps_each_batch_with_it(world):
    """The mail job's unit of work is one claimed batch: its lease must start when it is
    claimed, however long the batches before it took to send."""
    port = free_port()
    settings = smtp(port)
    registered_cases(world, 2)
    sweep_at = world.clock.now() + timedelta(days=60)
    Ticker(
        world.rt.engine,
        world.rt.definitions,
        SchedulerSettings(digest_hour=None, smtp=settings),
        clock=CountingClock(sweep_at),
    ).sweep()
    queued = sum(column(world, EmailOutbox.__table__.c.id).values())
    assert queued >= 5
    clock = CountingClock(sweep_at + timedelta(hours=1))
    ticker = Ticker(
        world.rt.engine,
        world.rt.definitions,
        SchedulerSettings(digest_hour=None, smtp=settings),
        clock=clock,
    )
    with smtp_server(port, Inbox()) as inbox:
        out = ticker.deliver(batch=2)
    assert out.sent == queued == len(inbox.messages)
    full, rest = divmod(queued, 2)
    assert len(clock.read) == full + 1  # the last claim comes back short (or empty)
    sent_at = column(world, EmailOutbox.__table__.c.sent_at)
    assert sent_at == Counter(
        {at: 2 for at in clock.read[:full]} | ({clock.read[full]: 1} if rest else {})
    )
    assert ticker.runs["mail"] == 1
