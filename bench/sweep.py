"""B4: the escalation sweep over 1,000,000 open deadlines, on SQLite and PostgreSQL.

    python -m bench.sweep [--open 1000000] [--db sqlite,postgresql] [--rounds 5] [--quick]

Rows are bulk-loaded (executemany on SQLite, COPY on PostgreSQL), not through the services.
All deadlines are open; in each scenario a fraction of them (0 %, 0.1 %, 1 %, 10 %, spread
through the table) has its reminder due at the sweep's `now`, so each due row costs one
claim, one ledger row, one audit event, one in-app notification and one advance. Before
every round the same rows are re-armed and the previous round's
ledger rows deleted (outside the timing; events and notifications accumulate, as in
production); PostgreSQL's deadlines and ledger are VACUUM ANALYZEd after arming.

Timed: `escalation.sweep(...)` end to end with its defaults (deadlines in batches of 500, one
transaction per batch; on PostgreSQL two such transactions side by side once the first batch
comes back full; then the stall scan), and separately the one-statement claim of all due rows
in one batch (a locking SELECT, rolled back), to compare with the figures in GUIDE.md.
Prints a table; writes bench/results/sweep-<db>.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, insert, text

from bench.common import RESULTS, analyze, pg_database, sqlite_database, write_results
from bench.common import environment as common_environment
from engine.clock import FixedClock
from engine.definitions.loader import load_definitions
from engine.oversight import sweep as escalation
from engine.registry import load_registry
from engine.store.db import make_engine
from engine.store.tables import Case, Deadline, Organization, Unit, User
from engine.store.tables_oversight import DeadlineAction
from engine.store.unit_of_work import UnitOfWork

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
FRACTIONS = (0.0, 0.001, 0.01, 0.1)
CHUNK = 50_000


def environment(engine: Engine) -> dict[str, Any]:
    import sqlite3

    with engine.connect() as c:
        server = (
            c.exec_driver_sql("show server_version").scalar()
            if engine.dialect.name == "postgresql"
            else sqlite3.sqlite_version
        )
    return {
        **common_environment(server if engine.dialect.name == "postgresql" else None),
        "nproc": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
        "database": engine.dialect.name,
        "server_version": server,
    }


# ---------------------------------------------------------------- bulk load


def _naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def _deadline_rows(n_open: int) -> Iterator[tuple]:
    """(id, case_id, key, rule, status, anchor_date, due_date, due_at, remind_at, provisional,
    escalation_level, next_action_at, opened_at): two per case, reminders 1..60 days ahead."""
    for i in range(1, n_open + 1):
        case_id = (i + 1) // 2
        key, rule = ("forward_documents", "REG-5") if i % 2 else ("party_org_formation", "REG-8")
        remind = NOW + timedelta(days=1 + (i * 7919) % 60, minutes=i % 1440)
        due = remind + timedelta(days=7)
        yield (
            i, case_id, key, rule, "open", date(2026, 5, 1), due.date(), due, remind, False, 0,
            remind, NOW - timedelta(days=1),
        )  # fmt: skip


DEADLINE_COLS = (
    "id", "case_id", "key", "rule", "status", "anchor_date", "due_date", "due_at", "remind_at",
    "provisional", "escalation_level", "next_action_at", "opened_at",
)  # fmt: skip
CASE_COLS = (
    "id", "procedure", "definition_version", "state", "version", "status", "organization_id",
    "unit_id", "assignee_id", "data", "opened_at", "updated_at",
)  # fmt: skip


def _case_rows(n_cases: int, n_orgs: int) -> Iterator[tuple]:
    opened = NOW - timedelta(days=2)
    for i in range(1, n_cases + 1):
        yield (
            i, "registration", 1, "registered", 5, "open", 1 + i % n_orgs, 3, 1, "{}",
            opened, NOW - timedelta(days=1),
        )  # fmt: skip


def load(engine: Engine, n_open: int) -> float:
    """The unit tree, four users, organizations, n_open/2 cases, n_open deadlines."""
    t0 = time.perf_counter()
    n_cases = (n_open + 1) // 2
    n_orgs = max(1, min(10_000, n_cases))
    with engine.begin() as c:
        c.execute(
            insert(Unit.__table__),
            [
                {"id": 1, "code": "org", "name_zh": "组织部", "name_en": "Organization Dept",
                 "kind": "organization_department", "parent_id": None, "path": "/1/"},
                {"id": 2, "code": "cc", "name_zh": "综合党委", "name_en": "Comprehensive Committee",
                 "kind": "comprehensive_committee", "parent_id": 1, "path": "/1/2/"},
                {"id": 3, "code": "ng", "name_zh": "南关区民政局", "name_en": "Nanguan",
                 "kind": "registration_authority", "parent_id": 2, "path": "/1/2/3/"},
            ],
        )  # fmt: skip
        c.execute(
            insert(User.__table__),
            [
                {"id": 1, "username": "wang", "display_name": "王芳", "role": "caseworker", "unit_id": 3},
                {"id": 2, "username": "li", "display_name": "李强", "role": "supervisor", "unit_id": 3},
                {"id": 3, "username": "chen", "display_name": "陈刚", "role": "supervisor", "unit_id": 2},
                {"id": 4, "username": "admin", "display_name": "管理员", "role": "admin", "unit_id": 1},
            ],
        )  # fmt: skip
        c.execute(
            insert(Organization.__table__),
            [
                {"id": i, "name": f"社会组织{i:05d}", "org_type": "social_group",
                 "category": "industry_association", "unit_id": 3, "status": "registered",
                 "coverage": "none", "coverage_reminder": False, "created_at": NOW}
                for i in range(1, n_orgs + 1)
            ],
        )  # fmt: skip
        if engine.dialect.name == "postgresql":
            raw = c.connection.dbapi_connection
            with raw.cursor() as cur:
                for table, cols, rows in (
                    ("cases", CASE_COLS, _case_rows(n_cases, n_orgs)),
                    ("deadlines", DEADLINE_COLS, _deadline_rows(n_open)),
                ):
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(
                                [_naive(v) if isinstance(v, datetime) else v for v in row]
                            )
            for table in ("units", "users", "organizations", "cases", "deadlines"):
                c.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        else:
            for table, cols, rows in (
                (Case.__table__, CASE_COLS, _case_rows(n_cases, n_orgs)),
                (Deadline.__table__, DEADLINE_COLS, _deadline_rows(n_open)),
            ):
                chunk: list[dict] = []
                for row in rows:
                    d = dict(zip(cols, row, strict=True))
                    if table is Case.__table__:
                        d["data"] = {}
                    chunk.append(d)
                    if len(chunk) >= CHUNK:
                        c.execute(insert(table), chunk)
                        chunk = []
                if chunk:
                    c.execute(insert(table), chunk)
    analyze(engine)
    return time.perf_counter() - t0


def arm(engine: Engine, n_open: int, fraction: float) -> int:
    """Make `fraction` of the deadlines (every k-th id) have their reminder due at NOW."""
    with engine.begin() as c:
        # Only the ledger goes: its (deadline, level) keys must be free again. Events and
        # notifications accumulate round after round, as they do in production (deleting
        # events would also cost a foreign-key scan of deadlines per row).
        c.execute(delete(DeadlineAction.__table__))
        c.execute(
            Deadline.__table__.update()
            .where(Deadline.__table__.c.next_action_at.is_(None))
            .values(next_action_at=Deadline.__table__.c.remind_at)
        )
        c.execute(
            Deadline.__table__.update()
            .where(Deadline.__table__.c.remind_at <= NOW)
            .values(
                remind_at=NOW + timedelta(days=30),
                next_action_at=NOW + timedelta(days=30),
                due_at=NOW + timedelta(days=37),
                reminded_at=None,
            )
        )
        armed = 0
        if fraction > 0:
            step = max(1, round(1 / fraction))
            armed = c.execute(
                Deadline.__table__.update()
                .where(text(f"id % {step} = 0"))
                .values(
                    remind_at=NOW - timedelta(hours=1),
                    next_action_at=NOW - timedelta(hours=1),
                    due_at=NOW + timedelta(days=6),
                    reminded_at=None,
                    escalation_level=0,
                )
            ).rowcount
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE deadlines")
            c.exec_driver_sql("VACUUM ANALYZE deadline_actions")
    return armed


def time_sweep(engine: Engine, defs: Any) -> tuple[float, escalation.SweepResult]:
    uow = UnitOfWork(engine, FixedClock(NOW))
    t0 = time.perf_counter()
    result = escalation.sweep(uow, defs, now=NOW, collect=False)
    return time.perf_counter() - t0, result


def time_claim(engine: Engine, armed: int) -> float:
    """The one claiming statement alone, all due rows in one batch, rolled back."""
    with engine.connect() as c:
        c.begin()
        t0 = time.perf_counter()
        rows = escalation._claim(c, NOW, max(armed, 1))
        took = time.perf_counter() - t0
        c.rollback()
    assert len(rows) == armed, (len(rows), armed)
    return took


def measure(db: str, url: str, n_open: int, rounds: int, quick: bool) -> dict[str, Any]:
    engine = make_engine(url)
    defs = load_definitions(None, load_registry())
    env = environment(engine)
    load_s = load(engine, n_open)
    print(f"[{db}] loaded {n_open:,} open deadlines in {load_s:.1f} s", flush=True)
    scenarios = []
    for fraction in FRACTIONS:
        sweeps, claims, fired = [], [], []
        armed = 0
        for _ in range(rounds):
            armed = arm(engine, n_open, fraction)
            if armed:
                claims.append(time_claim(engine, armed))
            took, result = time_sweep(engine, defs)
            assert result.fired == armed and not result.errors, (result.summary(), armed)
            sweeps.append(took)
            fired.append(result.fired)
        row = {
            "fraction": fraction,
            "due": armed,
            "rounds": rounds,
            "sweep_s": sweeps,
            "sweep_median_s": statistics.median(sweeps),
            "sweep_min_s": min(sweeps),
            "sweep_max_s": max(sweeps),
            "due_per_s": armed / statistics.median(sweeps) if armed else None,
            "claim_s": claims,
            "claim_median_s": statistics.median(claims) if claims else None,
            "loadavg_after": os.getloadavg(),
        }
        scenarios.append(row)
        print(_line(db, n_open, row), flush=True)
    engine.dispose()
    return {
        "bench": "B4 sweep",
        "environment": env,
        "open_deadlines": n_open,
        "batch_size": escalation.DEFAULT_BATCH,
        "workers": escalation.SWEEP_WORKERS if engine.dialect.name == "postgresql" else 1,
        "quick": quick,
        "load_seconds": load_s,
        "scenarios": scenarios,
    }


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v * 1000:,.1f}"


def _line(db: str, n_open: int, r: dict[str, Any]) -> str:
    per_s = f"{r['due_per_s']:,.0f}" if r["due_per_s"] else "-"
    return (
        f"| {db} | {n_open:,} | {r['fraction'] * 100:g} % | {r['due']:,} | "
        f"{_ms(r['sweep_median_s'])} | {_ms(r['sweep_min_s'])}–{_ms(r['sweep_max_s'])} | "
        f"{per_s} | {_ms(r['claim_median_s'])} |"
    )


HEADER = (
    "| db | open deadlines | due | due rows | sweep median ms | min–max ms | due rows/s | "
    "claim only, median ms |\n|---|---:|---:|---:|---:|---|---:|---:|"
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--open", type=int, default=1_000_000, help="open deadlines to load")
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="20,000 deadlines, 3 rounds (smoke)")
    ap.add_argument("--results", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    if args.quick:
        args.open, args.rounds = min(args.open, 20_000), 3
    print(HEADER)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="tongbu-sweep-") as tmp:
        for db in args.db.split(","):
            ctx = sqlite_database(Path(tmp)) if db == "sqlite" else pg_database()
            with ctx as url:
                out[db] = measure(db, url, args.open, args.rounds, args.quick)
            suffix = "-quick" if args.quick else ""
            path = write_results(f"sweep-{db}{suffix}", out[db], folder=args.results)
            print(f"[{db}] results written to {path}", flush=True)
    print("\n" + HEADER)
    for db, res in out.items():
        for r in res["scenarios"]:
            print(_line(db, res["open_deadlines"], r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
