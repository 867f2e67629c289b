"""B9: what the dashboard's charts cost per request (issue 17 item 6).

    python -m bench.charts [--cases 10000] [--db sqlite,postgresql] [--rounds 5]

`--cases` registration cases over one unit, bulk-loaded (not through the services): each with
its organization (registered on a day of the last two years), four state events a few days to
a month apart and two deadlines (one met, one open), a third of the cases closed. Each round
reads what the dashboard reads for its charts, `engine.oversight.history.dashboard_trends` (coverage and overdue at
twelve month ends, the days in each step of every procedure for the stays that ended in the
last 365 days) — the first request of a day (its cache emptied: everything computed) and the
later ones (only today's point read) — and the three parts on their own, uncached. Prints the median
and range of the rounds and writes bench/results/charts-<db>.json.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.common import pg_database, sqlite_database, write_results
from engine.access.actor import SYSTEM
from engine.clock import FixedClock
from engine.config import Config
from engine.directory import service as directory
from engine.oversight import history
from engine.store.tables import Case, Deadline, Event, Organization, Unit
from web.runtime import build_runtime

NOW = datetime(2026, 6, 1, 2, tzinfo=UTC)
STATES = ("applied", "charter_review", "registration_review", "registered")


def _load(rt: Any, n: int) -> None:
    """The cases, their events and deadlines, in four bulk statements (seeded: repeatable)."""
    rnd = random.Random(17)
    directory.create_unit(
        rt.uow(),
        {"code": "bench-charts", "name_zh": "基准", "name_en": "Bench", "kind":
         "registration_authority", "parent": None, "district": "南关区"},
    )  # fmt: skip
    with rt.uow() as u:
        uid = u.conn.execute(select(Unit.__table__.c.id)).scalar_one()
        u.conn.execute(
            insert(Organization.__table__),
            [
                {"name": f"org {i}", "org_type": "social_group", "category": "other",
                 "unit_id": uid, "status": "registered", "coverage": "none",
                 "registered_on": (NOW - timedelta(days=rnd.randint(1, 700))).date(),
                 "coverage_reminder": False, "created_at": NOW}
                for i in range(n)
            ],
        )  # fmt: skip
        oids = list(u.conn.execute(select(Organization.__table__.c.id)).scalars())
        cases = []
        for i, oid in enumerate(oids):
            opened = NOW - timedelta(days=rnd.randint(1, 500))
            cases.append(
                {"procedure": "registration", "definition_version": 3, "state": STATES[-1],
                 "version": 4, "status": "open" if i % 3 else "closed", "organization_id": oid,
                 "unit_id": uid, "data": {}, "opened_at": opened, "updated_at": opened,
                 "closed_at": None if i % 3 else opened + timedelta(days=60)}
            )  # fmt: skip
        u.conn.execute(insert(Case.__table__), cases)
        events, deadlines = [], []
        for cid, opened in u.conn.execute(select(Case.__table__.c.id, Case.__table__.c.opened_at)):
            at = opened
            for k, state in enumerate(STATES):
                events.append(
                    {"case_id": cid, "kind": "opened" if k == 0 else "transition",
                     "from_state": None if k == 0 else STATES[k - 1], "to_state": state,
                     "case_version": k + 1, "actor_name": "bench", "at": at}
                )  # fmt: skip
                at += timedelta(days=rnd.randint(1, 30))
            for j in range(2):
                due = opened + timedelta(days=30 * (j + 1))
                deadlines.append(
                    {"case_id": cid, "key": f"d{j}", "rule": "REG-5", "status": "open" if j else
                     "met", "anchor_date": opened.date(), "due_date": due.date(), "due_at": due,
                     "provisional": False, "escalation_level": 0, "opened_at": opened,
                     "closed_at": None if j else opened + timedelta(days=20)}
                )  # fmt: skip
        u.conn.execute(insert(Event.__table__), events)
        u.conn.execute(insert(Deadline.__table__), deadlines)
        u.commit()


def _time(fn: Callable[[], Any], rounds: int) -> dict[str, float]:
    seconds = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - t0)
    return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds)}


def run(url: str, n: int, rounds: int) -> dict[str, Any]:
    rt = build_runtime(
        Config(database_url=url, scheduler=False, testing=True), clock=FixedClock(NOW)
    )
    _load(rt, n)
    procedures = [d.procedure for d in rt.definitions.latest()]
    days = history.last_months(NOW)
    since = NOW - timedelta(days=365)

    def part(fn: Callable[[Any], Any]) -> Callable[[], Any]:
        def go() -> Any:
            with rt.reader() as r:
                return fn(r)

        return go

    def warm() -> Any:
        return history.dashboard_trends(rt.reader(), SYSTEM, NOW, procedures)

    def cold() -> Any:
        history._DAILY.clear()
        return warm()

    out = {
        "cases": n,
        # the first request of the day computes the past points; the later ones read them
        "dashboard_first_of_day": _time(cold, rounds),
        "dashboard_later": _time(warm, rounds),
        "coverage_12_points": _time(part(lambda r: history.coverage_series(r, None, days)), rounds),
        "overdue_12_points": _time(part(lambda r: history.overdue_series(r, None, days, NOW)), rounds),
        "step_times_registration": _time(part(lambda r: history.step_times(r, None, "registration", since, NOW)), rounds),
    }  # fmt: skip
    rt.engine.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args(argv)
    for db in a.db.split(","):
        database = (
            sqlite_database(Path(tempfile.mkdtemp(prefix="tongbu-bench-")))
            if db == "sqlite"
            else pg_database()
        )
        with database as url:
            res = run(url, a.cases, a.rounds)
        write_results(f"charts-{db}", res)
        print(db, f"{res['cases']} cases, {a.rounds} rounds, seconds median (min–max):")
        for key in (
            "dashboard_first_of_day",
            "dashboard_later",
            "coverage_12_points",
            "overdue_12_points",
            "step_times_registration",
        ):
            t = res[key]
            print(f"  {key:<26} {t['median']:.3f} ({t['min']:.3f}–{t['max']:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
