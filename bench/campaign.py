"""B8: the 60-day drive (REG-10) opening over 10,000 organizations in one pass.

    python -m bench.campaign [--orgs 10000] [--db sqlite,postgresql] [--rounds 5] [--quick]

One registration authority with `--orgs` registered, uncovered organizations with three full
members among the full-time staff, bulk-loaded (not through the services), a tenth of them
with a coverage case already running. Each round opens a new drive (a new first day) with
`engine.cases.campaigns.open_campaign` — one transaction: the campaign, the ledger and the
cases in one INSERT … ON CONFLICT DO NOTHING, the opened events, the two deadlines each case
opens with (COV-1's formation period and the drive's 60 days), and for the running cases a
ledger row, an event and the drive's deadline — then runs the same drive again (timed too),
which must open and join nothing: checked in every round. Writes
bench/results/campaign-<db>.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from bench.common import (
    RESULTS,
    bench_unit,
    pg_database,
    registered_rows,
    sqlite_database,
    write_results,
)
from engine.access.actor import SYSTEM
from engine.cases import campaigns
from engine.clock import FixedClock
from engine.config import Config
from engine.store import bulk
from engine.store.tables import Case, Organization
from web.runtime import build_runtime

NOW = datetime(2026, 8, 1, 2, tzinfo=UTC)
HEADER = (
    "db           orgs      opened+joined/run   first run s (min–max)    second run s (min–max)"
)


def _load(rt: Any, n: int) -> int:
    unit_id = bench_unit(rt)
    with rt.uow() as uow:
        rows = registered_rows(
            unit_id, n, "存量社会组织", NOW, full_members=3, full_time_full_members=3
        )
        ids = bulk.insert_returning_ids(uow.conn, Organization.__table__, rows)
        running = [
            {
                "procedure": "coverage",
                "definition_version": 1,
                "state": "surveying",
                "version": 1,
                "status": "open",
                "organization_id": oid,
                "unit_id": unit_id,
                "data": {},
                "opened_at": NOW,
                "updated_at": NOW,
            }
            for oid in ids[::10]
        ]
        bulk.insert_rows(uow.conn, Case.__table__, running)
        uow.commit()
    return unit_id


def _round(
    rt: Any, unit_id: int, kind: Any, starts_on: date, first_case_id: int
) -> tuple[float, float, int]:
    def run() -> campaigns.CampaignResult:
        return campaigns.open_campaign(
            rt.uow(),
            rt.definitions,
            kind,
            unit_id=unit_id,
            starts_on=starts_on,
            title="bench",
            actor=SYSTEM,
        )

    t0 = time.perf_counter()
    first = run()
    t1 = time.perf_counter()
    second = run()
    t2 = time.perf_counter()
    if second.opened or second.joined or second.already != first.opened + first.joined:
        raise AssertionError(f"the second run was not idempotent: {second}")
    # The round's new cases are closed, so the next round opens as many afresh (the tenth
    # running from the start stays running and is joined again).
    with rt.uow() as uow:
        t = Case.__table__
        uow.conn.execute(
            update(t).where(t.c.id > first_case_id, t.c.status == "open").values(status="closed")
        )
        uow.commit()
    return t1 - t0, t2 - t1, first.opened + first.joined


def measure(db: str, n: int, rounds: int) -> dict[str, Any]:
    ctx = pg_database() if db == "postgresql" else sqlite_database(Path(tempfile.mkdtemp()))
    with ctx as url:
        rt = build_runtime(
            Config(database_url=url, scheduler=False, testing=True), clock=FixedClock(NOW)
        )
        unit_id = _load(rt, n)
        kind = campaigns.campaign_kinds(rt.definitions)["formation_drive"]
        with rt.reader() as r:
            last = r.conn.execute(select(func.max(Case.__table__.c.id))).scalar_one()
        firsts, seconds, counts = [], [], []
        for r in range(rounds):
            a, b, c = _round(rt, unit_id, kind, date(2026, 8, 1) + timedelta(days=r), last)
            firsts.append(a)
            seconds.append(b)
            counts.append(c)
        rt.engine.dispose()
    return {
        "db": db,
        "organizations": n,
        "rounds": rounds,
        "first_runs_s": firsts,
        "second_runs_s": seconds,
        "first_run_s": statistics.median(firsts),
        "second_run_s": statistics.median(seconds),
        "per_run": counts,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orgs", type=int, default=10_000)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    n = 1_000 if args.quick else args.orgs
    print(HEADER)
    for db in args.db.split(","):
        res = measure(db, n, args.rounds)
        f, s = res["first_runs_s"], res["second_runs_s"]
        print(
            f"{db:12} {n:<9,} {res['per_run'][0]:<19,} "
            f"{statistics.median(f):.3f} ({min(f):.3f}–{max(f):.3f})    "
            f"{statistics.median(s):.3f} ({min(s):.3f}–{max(s):.3f})"
        )
        write_results(f"campaign-{db}{'-quick' if args.quick else ''}", res, RESULTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
