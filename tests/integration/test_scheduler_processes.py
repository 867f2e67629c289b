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
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.calendar import SHANGHAI
from engine.models import Event
from engine.models_escalation import DeadlineAction
from tests.integration.test_escalation import deadline, level_at, registered_cases
from tests.world import make_world

TONGBU = Path(sys.executable).with_name("tongbu")


@pytest.mark.postgres
@pytest.mark.slow
def test_acc1_four_tongbu_scheduler_processes_escalate_each_level_once(pg_url, clock):
    world = make_world(pg_url, clock)
    ids = registered_cases(world, 8)
    at = level_at(world, deadline(world, ids[0], "party_org_formation"), 3) + timedelta(hours=1)
    expected = {
        (d["id"], level) for c in ids for d in world.case(c)["deadlines"] for level in (1, 2, 3)
    }
    env = {
        **os.environ,
        "TONGBU_DATABASE_URL": pg_url,
        "TONGBU_SWEEP_BATCH": "2",
        "TONGBU_DIGEST_HOUR": "off",
        "TONGBU_SMTP_HOST": "",
    }
    now = at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    procs = [
        subprocess.Popen(
            [str(TONGBU), "scheduler", "--interval", "0.3", "--now", now],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]

    def rows() -> list[tuple[int, int]]:
        with world.rt.reader() as r:
            return [
                (d, lv)
                for d, lv in r.conn.execute(
                    select(DeadlineAction.__table__.c.deadline_id, DeadlineAction.__table__.c.level)
                )
            ]

    try:
        end = time.monotonic() + 60
        while time.monotonic() < end and set(rows()) != expected:
            assert all(p.poll() is None for p in procs), "a scheduler died"
            time.sleep(0.2)
        time.sleep(1.5)  # several more ticks of all four: nothing may be added
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        outputs = [p.communicate(timeout=30)[0] for p in procs]
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
