"""Four sweeping OS processes on one PostgreSQL database: one event per deadline and level.

The processes start each sweep together (a barrier), claim in small batches so that they
really interleave, and walk the clock through the reminder, the deadline and both further
levels. Exactly once must come from the claim (no ledger conflicts at all), and nothing due
may be missed.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine.store.tables import Event
from engine.store.tables_oversight import DeadlineAction, Notification, StallFlag
from tests.integration.test_escalation import deadline, level_at, registered_cases
from tests.world import make_world

WORKERS = 4
CASES = 16


def _worker(url: str, instants: list[datetime], barrier, batch: int, out) -> None:
    """A scheduler process: its own engine, definitions and clock; sweeps at each instant."""
    from engine.clock import FixedClock
    from engine.config import Config
    from engine.oversight import sweep as escalation
    from web.runtime import build_runtime

    clock = FixedClock(instants[0])
    rt = build_runtime(Config(database_url=url, scheduler=False), clock=clock)
    done = []
    for at in instants:
        clock.at = at
        barrier.wait(timeout=60)
        r = escalation.sweep(rt.uow(), rt.definitions, now=at, batch_size=batch, collect=False)
        done.append(
            {
                "fired": [(x["deadline_id"], x["level"]) for x in r.reminders + r.escalations],
                "stalled": len(r.stalled),
                "conflicts": r.conflicts,
                "batches": r.batches,
                "errors": r.errors,
            }
        )
    rt.engine.dispose()
    out.put(done)


@pytest.mark.postgres
def test_acc1_four_scheduler_processes_fire_each_deadline_level_exactly_once(pg_url, clock):
    world = make_world(pg_url, clock)
    ids = registered_cases(world, CASES)
    reg5 = deadline(world, ids[0], "forward_documents")
    reg8 = deadline(world, ids[0], "party_org_formation")
    instants = [
        reg5["remind_at"],
        reg5["due_at"],
        level_at(world, reg5, 2),
        level_at(world, reg5, 3),
        reg8["remind_at"],
        reg8["due_at"],
        level_at(world, reg8, 2),
        level_at(world, reg8, 3),
        level_at(world, reg8, 3) + timedelta(days=1),  # nothing left: all must find nothing
    ]
    world.rt.engine.dispose()
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(pg_url, instants, barrier, 3, out))
        for _ in range(WORKERS)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=240) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    # Every worker swept at every instant, so each "nothing fired" below had a sweep behind it.
    assert [len(r) for r in results] == [len(instants)] * WORKERS
    fired = Counter(pair for r in results for tick in r for pair in tick["fired"])
    expected_pairs = {
        (d["id"], level) for c in ids for d in world.case(c)["deadlines"] for level in (0, 1, 2, 3)
    }
    assert set(fired) == expected_pairs  # nothing missed
    assert max(fired.values()) == 1  # nothing twice, as reported by the claiming processes
    assert sum(t["conflicts"] for r in results for t in r) == 0  # the claim alone did it
    assert all(not t["errors"] for r in results for t in r)
    assert sum(t["stalled"] for r in results for t in r) == CASES
    assert all(not t["fired"] for r in results for t in r[-1:])
    # The database agrees: one audit event, one ledger row per (deadline, level).
    with world.rt.reader() as r:
        per_level = r.conn.execute(
            select(DeadlineAction.__table__.c.deadline_id, DeadlineAction.__table__.c.level)
        ).all()
        events = r.conn.execute(
            select(Event.__table__.c.payload).where(
                Event.__table__.c.kind.in_(("reminder", "escalation"))
            )
        ).scalars()
        event_pairs = Counter((p["deadline_id"], p["level"]) for p in events)
        notes = r.conn.execute(
            select(func.count(), func.count(func.distinct(Notification.__table__.c.dedupe_key)))
        ).one()
        stalls = r.conn.execute(select(func.count()).select_from(StallFlag.__table__)).scalar_one()
    assert Counter((d, lv) for d, lv in per_level) == Counter(dict.fromkeys(expected_pairs, 1))
    assert event_pairs == Counter(dict.fromkeys(expected_pairs, 1))
    assert notes[0] == notes[1] and notes[0] >= len(expected_pairs)
    assert stalls == CASES
    # The work was shared, not done by one lucky process (informative; not required).
    workers_that_fired = sum(1 for r in results if any(t["fired"] for t in r))
    print(f"{workers_that_fired} of {WORKERS} processes fired something")
