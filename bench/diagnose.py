"""Where a fire's time goes: the measurements behind the explanations in docs/performance.md.

    python -m bench.diagnose pages        # SQLite pages written per transaction, fire vs floor
    python -m bench.diagnose commit-cost  # SQLite commit cost per dirty page on this machine
    python -m bench.diagnose statements   # PostgreSQL statements per fire and their cost

Not part of `make bench` (they explain its figures rather than add to them); each prints what
it measured. `pages` reads the growth of the WAL file with automatic checkpoints off, so every
page a transaction dirties is one 4 KiB frame; `statements` wraps the driver's cursors so it
counts every statement sent, whoever built it, then times one round trip over TCP and over
the Unix socket. Page and statement counts are exact; times move with the machine's load.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench import fire
from bench.common import pg_available, pg_database, sqlite_database

FRAME = 4096 + 24  # a WAL frame: the page and its header


def _wal(path: str) -> int:
    wal = path + "-wal"
    return os.path.getsize(wal) if os.path.exists(wal) else 0


def _actors(rt: Any) -> dict[str, Any]:
    from engine.access import actor as access

    return {u: access.actor_for(rt.uow(), u) for u in ("cw", "sv")}


def _drive(rt: Any, case_ids: list[int], actors: dict[str, Any], after: Any = None) -> int:
    """Every step of the P1 path on each case through `case_service.fire`; `after(trigger)` runs
    after each fire. Returns the number of fires."""
    from engine.cases import service as case_service

    fires = 0
    party = fire.party_unit_id(rt)
    for cid in case_ids:
        version = 1
        for trigger, payload, user in fire.steps(cid, party):
            version = case_service.fire(
                rt.uow(),
                rt.definitions,
                cid,
                trigger,
                payload,
                actor=actors[user],
                expected_version=version,
            )["version"]
            fires += 1
            if after is not None:
                after(trigger)
    return fires


def pages(n_cases: int) -> None:
    """Pages each kind of fire dirties (WAL frames per commit), and the floor's."""
    with sqlite_database(Path(tempfile.mkdtemp(prefix="tongbu-diag-"))) as url:
        path = url.split("///", 1)[1]
        ids = fire.prepare(url, 2 * n_cases)
        rt = fire._runtime(url)

        @event.listens_for(rt.engine, "connect")
        def _no_checkpoint(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")

        rt.engine.dispose()
        keep = sqlite3.connect(path, isolation_level=None)  # keeps the WAL file in place
        keep.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        per: dict[str, list[float]] = collections.defaultdict(list)
        mark = [_wal(path)]

        def count(trigger: str) -> None:
            per[trigger].append((_wal(path) - mark[0]) / FRAME)
            mark[0] = _wal(path)

        _drive(rt, ids[:n_cases], _actors(rt), count)
        rt.engine.dispose()
        print("| step | pages written per commit |\n|---|---:|")
        for trigger, counts in per.items():
            print(f"| {trigger} | {sum(counts) / len(counts):.1f} |")
        every = [c for counts in per.values() for c in counts]
        print(f"| **fire, mean over the path** | **{sum(every) / len(every):.1f}** |")

        keep.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = _wal(path)
        n, _secs, _lat = _floor_no_checkpoint(url, ids[n_cases:])
        print(f"| **floor (UPDATE + INSERT)** | **{(_wal(path) - before) / FRAME / n:.1f}** |")
        keep.close()


def _floor_no_checkpoint(url: str, case_ids: list[int]) -> tuple[int, float, list[float]]:
    original = fire.raw_connection

    def no_checkpoint(u: str, synchronous: str) -> Any:
        conn, ph, is_sqlite = original(u, synchronous)
        conn.execute("PRAGMA wal_autocheckpoint=0")
        return conn, ph, is_sqlite

    fire.raw_connection = no_checkpoint
    try:
        return fire.floor_worker(url, "NORMAL", case_ids, 0.0)
    finally:
        fire.raw_connection = original


def commit_cost(rows: int) -> None:
    """One-row INSERT transactions into a table with 0–15 indexes on random keys: each index
    adds a dirty page per commit, so the slope is the cost of a page at commit."""
    print("| indexes | µs per transaction | of which COMMIT |\n|---:|---:|---:|")
    rng = random.Random(1)
    for n_indexes in (0, 2, 5, 10, 15):
        folder = tempfile.mkdtemp(prefix="tongbu-diag-")
        c = sqlite3.connect(f"{folder}/x.db", isolation_level=None)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, "
            + ", ".join(f"c{i} INTEGER" for i in range(16))
            + ")"
        )
        for i in range(n_indexes):
            c.execute(f"CREATE INDEX ix{i} ON t(c{i}, c{(i + 1) % 16})")
        sql = (
            f"INSERT INTO t ({', '.join(f'c{i}' for i in range(16))}) "
            f"VALUES ({', '.join('?' * 16)})"
        )
        data = [tuple(rng.randint(0, 10**9) for _ in range(16)) for _ in range(rows + 5000)]
        for r in data[:5000]:
            c.execute(sql, r)
        commit = 0.0
        t0 = time.perf_counter()
        for r in data[5000:]:
            c.execute("BEGIN IMMEDIATE")
            c.execute(sql, r)
            s = time.perf_counter()
            c.execute("COMMIT")
            commit += time.perf_counter() - s
        total = time.perf_counter() - t0
        c.close()
        print(f"| {n_indexes} | {total / rows * 1e6:.0f} | {commit / rows * 1e6:.0f} |")


def statements(n_cases: int) -> None:
    """Statements the engine sends per fire on PostgreSQL, and what one costs here."""
    import psycopg

    if pg_available() is None:
        print("PostgreSQL not reachable", file=sys.stderr)
        return
    with pg_database() as url:
        ids = fire.prepare(url, n_cases)
        rt = fire._runtime(url)
        actors = _actors(rt)  # before the trace: only the fires are counted
        sent: collections.Counter[str] = collections.Counter()

        class Tracing(psycopg.Cursor):
            """Every statement the driver sends, whoever builds it (SQLAlchemy or hotsql)."""

            def execute(self, query: Any, params: Any = None, **kw: Any) -> Any:
                sent[str(query).split(None, 1)[0].upper()] += 1
                return super().execute(query, params, **kw)

            def executemany(self, query: Any, params_seq: Any, **kw: Any) -> Any:
                sent[str(query).split(None, 1)[0].upper() + " (many)"] += 1
                return super().executemany(query, params_seq, **kw)

        @event.listens_for(rt.engine, "connect")
        def _trace(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.cursor_factory = Tracing

        rt.engine.dispose()
        fires = _drive(rt, ids, actors)
        rt.engine.dispose()
        print(f"Statements per fire over {fires} fires (BEGIN and COMMIT are sent by psycopg):")
        for kind, n in sorted(sent.items()):
            print(f"  {kind}: {n / fires:.2f}")
        print(f"  + BEGIN 1.00, COMMIT 1.00; total {sum(sent.values()) / fires + 2:.2f}")

        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        for label, target in (("TCP 127.0.0.1", dsn), ("Unix socket", None)):
            try:
                conn = (
                    psycopg.connect(target, autocommit=True)
                    if target
                    else psycopg.connect(
                        dbname=dsn.rsplit("/", 1)[1], user="postgres", autocommit=True
                    )
                )
            except psycopg.Error as exc:
                print(f"  {label}: not measured ({exc.__class__.__name__})")
                continue
            cur = conn.cursor()
            t0 = time.perf_counter()
            for i in range(3000):
                cur.execute("SELECT %s::int", (i,))
                cur.fetchone()
            print(f"  one round trip ({label}): {(time.perf_counter() - t0) / 3000 * 1e6:.0f} µs")
            conn.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("what", choices=("pages", "commit-cost", "statements"))
    ap.add_argument("--cases", type=int, default=100, help="P1 cases driven along the path")
    ap.add_argument("--rows", type=int, default=15_000, help="commit-cost: transactions")
    args = ap.parse_args(argv)
    if args.cases < 1 or args.rows < 1:
        ap.error("--cases and --rows must be positive")
    if args.what == "pages":
        pages(args.cases)
    elif args.what == "commit-cost":
        commit_cost(args.rows)
    else:
        statements(args.cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
