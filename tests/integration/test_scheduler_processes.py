"""Four `tongbu scheduler` processes against one PostgreSQL database (issue 5, ACC-1).

Real OS processes running the real command, with the real APScheduler tick: each reminder
and escalation level ends up as exactly one ledger row and one audit event, and each stopped
cleanly on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.store.tables import Event
from engine.store.tables_oversight import DeadlineAction
from tests.integration.test_escalation import registered_cases
from tests.world import make_world

_SCRIPT = Path(sys.executable).with_name("tongbu")
# The installed console script, or the same entry point through this interpreter.
TONGBU = (
    [str(_SCRIPT)]
    if _SCRIPT.exists()
    else [sys.executable, "-c", "import sys; from web.cli import main; sys.exit(main())"]
)


def wait_until(predicate, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.postgres
@pytest.mark.slow
def test_acc1_four_tongbu_scheduler_processes_escalate_each_level_once(pg_url, clock, tmp_path):
    """The four schedulers are started first and are all ticking before any case exists; the
    cases are then registered one by one while they sweep, so all four compete for them."""
    world = make_world(pg_url, clock)
    env = {
        **os.environ,
        "TONGBU_DATABASE_URL": pg_url,
        "TONGBU_SWEEP_BATCH": "2",
        "TONGBU_DIGEST_HOUR": "off",
        "TONGBU_SMTP_HOST": "",
    }
    # Their clocks run from mid-2027: every level of every deadline opened in 2026 is due.
    logs = [tmp_path / f"scheduler-{i}.log" for i in range(4)]
    procs = [
        subprocess.Popen(
            [
                *TONGBU,
                "scheduler",
                "--interval",
                "0.3",
                "--now",
                "2027-06-01",
                "--log-level",
                "debug",
            ],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]

    def rows() -> list[tuple[int, int]]:
        with world.rt.reader() as r:
            return [
                (d, lv)
                for d, lv in r.conn.execute(
                    select(DeadlineAction.__table__.c.deadline_id, DeadlineAction.__table__.c.level)
                )
            ]

    def started() -> bool:
        return all("tongbu scheduler: sweep every" in log.read_text() for log in logs)

    def ticks() -> list[int]:
        """Sweeps each process has finished so far (at debug level every tick logs a line)."""
        return [log.read_text().count(" sweep at ") for log in logs]

    try:
        assert wait_until(started, 60), [log.read_text() for log in logs]
        ids = registered_cases(world, 8)
        expected = {
            (d["id"], level) for c in ids for d in world.case(c)["deadlines"] for level in (1, 2, 3)
        }
        wait_until(lambda: set(rows()) == expected, 60)
        assert all(p.poll() is None for p in procs), "a scheduler died"
        # Three more ticks of each of the four: nothing may be added by any of them.
        before = ticks()
        assert wait_until(
            lambda: all(n >= b + 3 for n, b in zip(ticks(), before, strict=True)), 30
        ), (
            before,
            ticks(),
        )
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
    outputs = [log.read_text() for log in logs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    assert all("tongbu scheduler stopped" in out for out in outputs), outputs
    assert Counter(rows()) == Counter(dict.fromkeys(expected, 1))
    with world.rt.reader() as r:
        payloads = r.conn.execute(
            select(Event.__table__.c.payload).where(Event.__table__.c.kind == "escalation")
        ).scalars()
        assert Counter((p["deadline_id"], p["level"]) for p in payloads) == Counter(
            dict.fromkeys(expected, 1)
        )
    swept = [out.count("sweep at ") for out in outputs]
    print(f"sweeps that escalated something, per process: {swept}")
