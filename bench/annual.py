"""B7: the yearly bulk opening of the annual inspection (INS-1) over 100,000 organizations.

    python -m bench.annual [--orgs 100000] [--db sqlite,postgresql] [--rounds 5] [--quick]

One registration authority with `--orgs` registered organizations, bulk-loaded (not through
the services). Each round opens a new year's inspection for the whole unit with
`engine.cases.bulk_open.open_for_unit` — one transaction: the organizations, the `case_keys`
ledger and the cases in one INSERT … ON CONFLICT DO NOTHING, then the opened events and the
three deadlines each case opens with — and then runs the same opening again (timed too), which
must open nothing: the idempotence is checked in every round, and the counts of cases, events
and deadlines after the round are checked against one year's worth. Prints a table; writes
bench/results/annual-<db>.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.common import (
    RESULTS,
    bench_unit,
    pg_database,
    registered_rows,
    sqlite_database,
    write_results,
)
from engine.access.actor import SYSTEM
from engine.cases import bulk_open
from engine.clock import FixedClock
from engine.config import Config
from engine.store import bulk
from engine.store.tables import Case, Deadline, Event, Organization
from web.runtime import build_runtime

NOW = datetime(2026, 1, 5, 2, tzinfo=UTC)
HEADER = "db           orgs      opened/run   first run s (min–max)    second run s (min–max)"


def _load(rt: Any, n: int) -> None:
    unit_id = bench_unit(rt)
    with rt.uow() as uow:
        rows = registered_rows(unit_id, n, "基准社会组织", NOW)
        for i in range(0, n, 20_000):
            bulk.insert_rows(uow.conn, Organization.__table__, rows[i : i + 20_000])
        uow.commit()


def _count(rt: Any, table: Any) -> int:
    with rt.reader() as r:
        return r.conn.execute(select(func.count()).select_from(table)).scalar_one()


def measure(db: str, url: str, n: int, rounds: int) -> dict[str, Any]:
    rt = build_runtime(Config(database_url=url, scheduler=False), clock=FixedClock(NOW))
    _load(rt, n)
    first, second = [], []
    per_case = len(rt.definitions.get("inspection").deadlines_opened_by("@open"))
    for r in range(rounds):
        year = 2000 + r

        def run(year: int = year) -> bulk_open.BulkOpenResult:
            return bulk_open.open_for_unit(
                rt.uow(),
                rt.definitions,
                "inspection",
                unit_code="bench-mz",
                series=str(year),
                payload={"year": year},
                actor=SYSTEM,
            )

        t0 = time.perf_counter()
        done = run()
        first.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        again = run()
        second.append(time.perf_counter() - t0)
        if done.opened != n or again.opened != 0 or again.already != n:
            raise AssertionError(f"round {r}: opened {done.opened}, then {again.opened}")
        cases = _count(rt, Case.__table__)
        if (cases, _count(rt, Event.__table__), _count(rt, Deadline.__table__)) != (
            n * (r + 1),
            n * (r + 1),
            n * (r + 1) * per_case,
        ):
            raise AssertionError(f"round {r}: rows do not add up to {r + 1} year(s)")
        print(f"  [{db}] round {r + 1}: {first[-1]:.2f} s, again {second[-1]:.2f} s", flush=True)
    rt.engine.dispose()
    return {
        "organizations": n,
        "deadlines_per_case": per_case,
        "first_run_s": first,
        "second_run_s": second,
        "first_median_s": statistics.median(first),
        "second_median_s": statistics.median(second),
    }


def line(db: str, res: dict[str, Any]) -> str:
    f, s = res["first_run_s"], res["second_run_s"]
    return (
        f"{db:<12} {res['organizations']:>7,}   {res['organizations']:>10,}   "
        f"{statistics.median(f):>6.2f} ({min(f):.2f}–{max(f):.2f})        "
        f"{statistics.median(s):>6.2f} ({min(s):.2f}–{max(s):.2f})"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--orgs", type=int, default=100_000)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="2,000 organizations, 3 rounds")
    ap.add_argument("--results", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    if args.quick:
        args.orgs, args.rounds = min(args.orgs, 2_000), 3
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="tongbu-annual-") as tmp:
        for db in args.db.split(","):
            ctx = sqlite_database(Path(tmp)) if db == "sqlite" else pg_database()
            with ctx as url:
                out[db] = measure(db, url, args.orgs, args.rounds)
            suffix = "-quick" if args.quick else ""
            path = write_results(f"annual-{db}{suffix}", out[db], folder=args.results)
            print(f"[{db}] results written to {path}", flush=True)
    print("\n" + HEADER)
    for db, res in out.items():
        print(line(db, res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
