"""The APScheduler tick in-process: it sweeps at start (catch-up) and on its interval.

Restarting it after downtime escalates what fell due meanwhile once, not once per missed tick.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from engine.oversight import accountability
from engine.oversight.figures import Moment
from engine.oversight.scheduler import SchedulerSettings, Ticker, build_scheduler
from engine.store.tables_oversight import DeadlineAction, Notification
from tests.integration.test_escalation import deadline, level_at, registered_cases
from tests.world import make_world


def ledger(world) -> Counter:
    with world.rt.reader() as r:
        rows = r.conn.execute(
            select(DeadlineAction.__table__.c.deadline_id, DeadlineAction.__table__.c.level)
        ).all()
    return Counter((d, lv) for d, lv in rows)


def wait_for(predicate, seconds: float = 20.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def run_scheduler(world, settings: SchedulerSettings, until, seconds: float = 20.0):
    """Run an in-process scheduler until `until(ticker)` holds (or `seconds` pass); return
    whether it held, and the ticker, whose `runs` count the ticks that did their work."""
    ticker = Ticker(
        world.rt.engine,
        world.rt.definitions,
        settings,
        clock=world.clock,
        calendar=world.rt.calendar,
    )
    scheduler = build_scheduler(ticker, blocking=False)
    scheduler.start()
    try:
        return wait_for(lambda: until(ticker), seconds), ticker
    finally:
        scheduler.shutdown(wait=True)


def ticked(job: str, n: int = 3):
    """`until` for a quiet window: it ends once `job` has run `n` times in it, so whatever
    the test then finds unchanged had ticks that could have changed it."""
    return lambda ticker: ticker.runs[job] >= n


@pytest.fixture
def world(db_url, clock):
    return make_world(db_url, clock)


def test_restart_after_downtime_escalates_each_missed_deadline_once(world):
    ids = registered_cases(world, 2)
    settings = SchedulerSettings(interval_seconds=0.2, digest_hour=None)
    # Up at registration: nothing due; three ticks sweep and escalate nothing.
    ran, _ = run_scheduler(world, settings, ticked("sweep"))
    assert ran and ledger(world) == Counter()
    # Down for four months; restarted with everything overdue.
    d5 = deadline(world, ids[0], "forward_documents")
    world.clock.at = level_at(world, deadline(world, ids[0], "party_org_formation"), 3)
    expected = {
        (d["id"], level) for c in ids for d in world.case(c)["deadlines"] for level in (1, 2, 3)
    }
    ran, _ = run_scheduler(world, settings, lambda _t: set(ledger(world)) == expected)
    assert ran
    assert set(ledger(world).values()) == {1}
    # A second restart at the same time, ticking three times, changes nothing.
    before = ledger(world)
    ran, _ = run_scheduler(world, settings, ticked("sweep"))
    assert ran and ledger(world) == before
    assert d5["id"] in {d for d, _ in before}


def test_the_digest_catches_up_at_start_once_its_hour_has_passed(world):
    registered_cases(world, 1)
    world.clock.advance(days=60)  # 10:00 Shanghai: past a digest hour of 8
    settings = SchedulerSettings(interval_seconds=0.2, digest_hour=8)

    def digests() -> int:
        with world.rt.reader() as r:
            return r.conn.execute(
                select(func.count()).where(Notification.__table__.c.kind == "digest")
            ).scalar_one()

    ran, _ = run_scheduler(world, settings, lambda _t: digests() == 2)
    assert ran
    # Restarted the same day: the catch-up digest runs again and writes nothing new.
    ran, ticker = run_scheduler(world, settings, ticked("digest", 1))
    assert ran and ticker.runs["sweep"] >= 1
    assert digests() == 2
    at = Moment.of(world.rt.definitions, world.clock.now())
    rows = accountability.accountability(world.uow(), world.actors["li"], at)
    assert rows and rows[0]["overdue"] == 1


def test_the_first_sweep_of_a_scheduler_and_of_each_day_is_a_full_stall_scan(world, monkeypatch):
    from engine.oversight import sweep as escalation

    seen = []
    real = escalation.sweep

    def spy(*a, **kw):
        seen.append(kw["full_stall_scan"])
        return real(*a, **kw)

    monkeypatch.setattr(escalation, "sweep", spy)
    ticker = Ticker(world.rt.engine, world.rt.definitions, SchedulerSettings(), clock=world.clock)
    ticker.sweep()
    ticker.sweep()
    world.clock.advance(days=1)
    ticker.sweep()
    ticker.sweep()
    assert seen == [True, False, True, False]


def test_a_failing_job_does_not_stop_the_scheduler(world, monkeypatch):
    from engine.oversight import sweep as escalation

    calls = []

    def broken(*a, **kw):
        calls.append(1)
        raise RuntimeError("database went away")

    monkeypatch.setattr(escalation, "sweep", broken)
    settings = SchedulerSettings(interval_seconds=0.1, digest_hour=None)
    ran, _ = run_scheduler(world, settings, lambda _t: len(calls) >= 3, seconds=10)
    assert ran
