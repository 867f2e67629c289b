"""B5: server time of the inbox, dashboard and case page at 100,000 and 1,000,000 cases, and SQL
statements per page.

    python -m bench.pages [--cases 100000,1000000] [--db sqlite,postgresql] [--requests 60]
                          [--requests-large 20] [--quick] [--no-analyze] [--doc]

The database is filled in bulk (Core executemany, not through the services): a unit tree of
eight districts, one organization per two cases, cases in every P1 state (a fifth closed),
their deadlines (a tenth of the open deadlines overdue, a tenth inside the reminder window)
and one audit event per case. Then `ANALYZE` (SQLite) or `VACUUM ANALYZE` (PostgreSQL) —
`--no-analyze` measures without planner statistics.

Each page is requested through the real Flask app (create_app, the same runtime as
`tongbu serve`) with the WSGI test client, signed in as the user named; the time measured
is the whole request inside the process — routing, session, queries, template — without
the network. Warm-up requests are not counted. Statements are counted with SQLAlchemy's
`before_cursor_execute` event. Results: a table on stdout, bench/results/pages-<db>.json,
and with `--doc` the "Pages (B5)" block of docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select

from bench.common import analyze as analyze_engine
from bench.common import (
    environment,
    measured_line,
    percentile,
    pg_available,
    pg_database,
    sqlite_database,
    write_results,
)
from engine.access import actor as access
from engine.access import sessions
from engine.calendar import end_of_day, local_date
from engine.clock import FixedClock
from engine.config import Config
from engine.store.tables import Case, Deadline, Event, Organization, Unit, User
from web import create_app
from web.runtime import build_runtime

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
GOAL_MS = 150.0
GOAL_CASES = 100_000  # the size the goal is set for
DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
DISTRICTS = 8
OVERDUE_SHARE = 0.1
CHUNK = 10_000

#: P1 states with the share of cases in them, and whether the case is still open there.
STATES = (
    ("applied", 0.10, True),
    ("charter_review", 0.08, True),
    ("correction", 0.03, True),
    ("registration_review", 0.07, True),
    ("registered", 0.14, True),
    ("responsibility", 0.12, True),
    ("coverage_routing", 0.10, True),
    ("forming_party_org", 0.12, True),
    ("awaiting_coverage", 0.04, True),
    ("covered", 0.12, False),
    ("instructor_covered", 0.05, False),
    ("rejected", 0.02, False),
    ("withdrawn", 0.01, False),
)
AFTER_REGISTRATION = {
    "registered",
    "responsibility",
    "coverage_routing",
    "forming_party_org",
    "awaiting_coverage",
    "covered",
    "instructor_covered",
}

#: (label, user, path): the pages measured. li is a district supervisor (an eighth of the
#: cases), chen the city's comprehensive committee (all of them), wang a caseworker.
PAGES = (
    ("inbox (caseworker)", "wang", "/cases"),
    ("inbox overdue (caseworker)", "wang", "/cases?view=overdue"),
    ("inbox page 40 (caseworker)", "wang", "/cases?page=40"),
    ("inbox (committee, all cases)", "chen", "/cases"),
    ("dashboard (district supervisor)", "li", "/dashboard"),
    ("dashboard (committee, all cases)", "chen", "/dashboard"),
    ("organizations (committee)", "chen", "/organizations"),
    ("case page", "wang", "/cases/{case_id}"),
)


def _chunks(rows: list[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def fill(url: str, n_cases: int, seed: int = 2026) -> dict[str, Any]:
    """Bulk-load a realistic database of `n_cases` cases; returns ids the pages need."""
    rng = random.Random(seed)
    rt = build_runtime(Config(database_url=url, scheduler=False), clock=FixedClock(NOW))
    eng = rt.engine
    units, users = Unit.__table__, User.__table__
    orgs, cases = Organization.__table__, Case.__table__
    deadlines, events = Deadline.__table__, Event.__table__
    with eng.begin() as c:
        tree = [
            (1, "jl-org", "吉林省委组织部", "organization_department", None, "/1/"),
            (2, "cc-zh", "长春市社会组织综合党委", "comprehensive_committee", 1, "/1/2/"),
            (3, "cc-mz", "长春市民政局", "registration_authority", 2, "/1/2/3/"),
        ]
        tree += [
            (10 + d, f"d{d}", f"第{d}区民政局", "registration_authority", 3, f"/1/2/3/{10 + d}/")
            for d in range(DISTRICTS)
        ]
        c.execute(
            insert(units),
            [
                {
                    "id": i,
                    "code": code,
                    "name_zh": zh,
                    "name_en": code,
                    "kind": kind,
                    "parent_id": parent,
                    "path": path,
                    "district": None,
                }
                for i, code, zh, kind, parent, path in tree
            ],
        )
        people = [
            ("wang", "caseworker", 10),
            ("li", "supervisor", 10),
            ("chen", "supervisor", 2),
            ("admin", "admin", 1),
        ] + [(f"cw{d}", "caseworker", 10 + d) for d in range(1, DISTRICTS)]
        c.execute(
            insert(users),
            [
                {"username": u, "display_name": u, "role": role, "unit_id": unit, "active": True}
                for u, role, unit in people
            ],
        )
        user_ids = {r.username: r.id for r in c.execute(select(users.c.id, users.c.username))}
    caseworker = {10: user_ids["wang"]} | {10 + d: user_ids[f"cw{d}"] for d in range(1, DISTRICTS)}
    n_orgs = max(1, n_cases // 2)
    org_rows = []
    for i in range(n_orgs):
        unit = 10 + i % DISTRICTS
        registered = rng.random() < 0.8
        cov = rng.random()
        org_rows.append(
            {
                "id": i + 1,
                "name": f"第{i % DISTRICTS}区社会组织{i:06d}",
                "credit_code": None,
                "org_type": "social_group",
                "category": "industry_association",
                "unit_id": unit,
                "status": "registered" if registered else "applying",
                "coverage": "party_org" if cov < 0.45 else ("instructor" if cov < 0.6 else "none"),
                "coverage_reminder": False,
                "created_at": NOW - timedelta(days=500),
                "full_members": rng.randint(0, 12),
            }
        )
    with eng.begin() as c:
        for chunk in _chunks(org_rows):
            c.execute(insert(orgs), chunk)
    weights = [w for _s, w, _o in STATES]
    case_rows, deadline_rows, event_rows = [], [], []
    today = local_date(NOW)
    n_deadlines, open_ids = 0, []

    def flush() -> None:
        # Streamed in chunks of cases, so a million cases never sit in memory at once.
        with eng.begin() as c:
            for table, rows in (
                (cases, case_rows),
                (deadlines, deadline_rows),
                (events, event_rows),
            ):
                if rows:
                    c.execute(insert(table), rows)
        open_ids.extend(r["id"] for r in case_rows if r["status"] == "open" and r["unit_id"] == 10)
        case_rows.clear(), deadline_rows.clear(), event_rows.clear()

    for i in range(n_cases):
        state, _w, is_open = rng.choices(STATES, weights)[0]
        org_id = i % n_orgs + 1
        unit = org_rows[org_id - 1]["unit_id"]
        opened = NOW - timedelta(days=rng.uniform(1, 400))
        updated = opened + (NOW - opened) * rng.random()
        cid = i + 1
        case_rows.append(
            {
                "id": cid,
                "procedure": "registration",
                "definition_version": 1,
                "state": state,
                "version": 1 + rng.randint(0, 8),
                "status": "open" if is_open else "closed",
                "organization_id": org_id,
                "unit_id": unit,
                "assignee_id": caseworker[unit],
                "data": {},
                "opened_at": opened,
                "updated_at": updated,
                "closed_at": updated if not is_open else None,
            }
        )
        event_rows.append(
            {
                "case_id": cid,
                "kind": "opened",
                "to_state": "applied",
                "case_version": 1,
                "actor_id": caseworker[unit],
                "actor_name": "bench",
                "at": opened,
                "payload": {},
                "rules": ["REG-1"],
            }
        )
        if state in AFTER_REGISTRATION:
            # The REG-5 and REG-8 deadlines run from registration. Of the deadlines still
            # open, about a tenth have run out (up to 200 days ago), a tenth are inside
            # their reminder window, the rest run for weeks or months yet.
            for key, rule, days, closes_after in (
                ("forward_documents", "REG-5", 30, state != "registered"),
                ("party_org_formation", "REG-8", 91, not is_open),
            ):
                roll = rng.random()
                if not is_open or closes_after:
                    offset = -rng.randint(1, 300)
                elif roll < OVERDUE_SHARE:
                    offset = -rng.randint(1, 200)
                elif roll < 2 * OVERDUE_SHARE:
                    offset = rng.randint(0, 7)
                else:
                    offset = rng.randint(8, days)
                due_day = today + timedelta(days=offset)
                deadline_rows.append(
                    {
                        "case_id": cid,
                        "key": key,
                        "rule": rule,
                        "status": "met" if closes_after else "open",
                        "anchor_date": due_day - timedelta(days=days),
                        "due_date": due_day,
                        "due_at": end_of_day(due_day),
                        "remind_at": end_of_day(due_day - timedelta(days=8)),
                        "provisional": False,
                        "escalation_level": 0,
                        "next_action_at": None,
                        "opened_at": opened,
                    }
                )
                n_deadlines += 1
        if len(case_rows) >= CHUNK:
            flush()
    flush()
    if eng.dialect.name == "postgresql":
        for table in ("cases", "organizations", "deadlines", "events", "units", "users"):
            with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
    eng.dispose()
    return {
        "cases": n_cases,
        "organizations": n_orgs,
        "deadlines": n_deadlines,
        "events": n_cases,  # one "opened" event per case
        "case_id": open_ids[len(open_ids) // 2],
    }


def analyze(url: str) -> None:
    from engine.store.db import make_engine

    eng = make_engine(url)
    analyze_engine(eng)
    eng.dispose()


def measure(url: str, facts: dict[str, Any], requests: int, warmup: int) -> list[dict[str, Any]]:
    rt = build_runtime(Config(database_url=url, scheduler=False), clock=FixedClock(NOW))
    app = create_app(runtime=rt)
    statements: list[int] = [0]

    @event.listens_for(rt.engine, "before_cursor_execute")
    def _count(*_a: Any, **_k: Any) -> None:
        statements[0] += 1

    out = []
    for label, username, path in PAGES:
        path = path.format(**facts)
        client = app.test_client()
        # A real server-side session (web.auth): its lookup is part of every request measured.
        user_id = access.actor_for(rt.reader(), username).id
        assert user_id is not None
        with client.session_transaction() as s:
            s["sid"] = sessions.start(rt.uow(), user_id)
        for _ in range(warmup):
            assert client.get(path).status_code == 200, path
        times, counts = [], []
        for _ in range(requests):
            statements[0] = 0
            t0 = time.perf_counter()
            resp = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            assert resp.status_code == 200, (path, resp.status_code)
            counts.append(statements[0])
        out.append(
            {
                "page": label,
                "user": username,
                "path": path,
                "p50_ms": percentile(times, 50),
                "p99_ms": percentile(times, 99),
                "max_ms": max(times),
                "statements": max(counts),
                "requests": requests,
            }
        )
    rt.engine.dispose()
    return out


def table(db: str, rows: list[dict[str, Any]], goal: bool = True) -> str:
    """`goal`: the 150 ms goal applies (at 100,000 cases); larger sizes are shown without it."""
    lines = [
        f"| page ({db}) | user | p50 ms | p99 ms | SQL statements | p99 under {GOAL_MS:.0f} ms |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        ok = ("yes" if r["p99_ms"] < GOAL_MS else "NO") if goal else "(no goal at this size)"
        lines.append(
            f"| {r['page']} | {r['user']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['statements']} | {ok} |"
        )
    return "\n".join(lines)


def _heading(db: str, run: dict[str, Any]) -> str:
    f = run["facts"]
    return (
        f"{db}: {f['cases']:,} cases, {f['organizations']:,} organizations, "
        f"{f['deadlines']:,} deadlines, {f['events']:,} events"
        f"{'' if run.get('analyzed', True) else ' (no ANALYZE)'}; {run.get('requests', '?')} "
        f"requests per page after {run.get('warmup', '?')} warm-up"
    )


def doc_section(payloads: list[dict[str, Any]]) -> str:
    """The "Pages (B5)" block from the results (also what `bench.run --render` writes)."""
    if not payloads:
        return "No results."
    env = payloads[0]["environment"]
    parts = [measured_line(env)]
    for payload in payloads:
        for run in payload["runs"]:
            goal = run["facts"]["cases"] <= GOAL_CASES
            parts.append(
                f"{_heading(payload['db'], run)}.\n\n{table(payload['db'], run['pages'], goal)}"
            )
    return "\n\n".join(parts)


def write_doc(section: str) -> None:
    """Replace (or append) our own section of docs/performance.md; other sections untouched."""
    start, end = "<!-- bench:pages -->", "<!-- /bench:pages -->"
    block = f"{start}\n{section}\n{end}"
    for _attempt in range(5):
        text_ = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
        if start in text_:
            head, _, rest = text_.partition(start)
            _, _, tail = rest.partition(end)
            new = head + block + tail
        else:
            new = text_.rstrip() + "\n\n## Pages (B5)\n\n" + block + "\n"
        if not DOC.exists() or DOC.read_text(encoding="utf-8") == text_:
            DOC.write_text(new, encoding="utf-8")
            return
        time.sleep(1)  # someone else is editing the file: read it again
    raise RuntimeError("docs/performance.md kept changing; not written")


def main(argv: list[str] | None = None) -> int:

    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--cases",
        default="100000,1000000",
        help="comma-separated database sizes (the 150 ms goal applies at 100,000)",
    )
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--requests", type=int, default=60)
    ap.add_argument(
        "--requests-large",
        type=int,
        default=20,
        help="requests per page for sizes above 100,000 (each is slower; p99 of 20 is the max)",
    )
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="2,000 cases, 10 requests")
    ap.add_argument("--no-analyze", action="store_true")
    ap.add_argument("--doc", action="store_true", help="write the Pages (B5) block")
    args = ap.parse_args(argv)
    try:
        sizes = [int(x.replace("_", "")) for x in args.cases.split(",") if x.strip()]
    except ValueError:
        ap.error(f"--cases: comma-separated whole numbers, not {args.cases!r}")
    if not sizes or min(sizes) < 100:
        ap.error("--cases: every size must be at least 100")
    if args.quick:
        sizes, args.requests, args.requests_large, args.warmup = [2_000], 10, 10, 2
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    pg_version = pg_available() if "postgresql" in dbs else None
    if "postgresql" in dbs and pg_version is None:
        print("PostgreSQL not reachable: measuring SQLite only", file=sys.stderr)
        dbs.remove("postgresql")
    env = environment(pg_version)
    payloads: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tongbu-pages-") as tmp:
        for db in dbs:
            runs = []
            for n_cases in sizes:
                requests = args.requests if n_cases <= GOAL_CASES else args.requests_large
                ctx = sqlite_database(Path(tmp)) if db == "sqlite" else pg_database()
                with ctx as url:
                    t0 = time.perf_counter()
                    facts = fill(url, n_cases)
                    if not args.no_analyze:
                        analyze(url)
                    fill_s = time.perf_counter() - t0
                    rows = measure(url, facts, requests, args.warmup)
                runs.append(
                    {
                        "facts": facts,
                        "fill_seconds": fill_s,
                        "requests": requests,
                        "warmup": args.warmup,
                        "analyzed": not args.no_analyze,
                        "pages": rows,
                    }
                )
                print(f"\n{_heading(db, runs[-1])} (filled in {fill_s:.0f} s)", flush=True)
                print(table(db, rows, goal=n_cases <= GOAL_CASES), flush=True)
            payload = {"environment": env, "db": db, "runs": runs}
            payloads.append(payload)
            suffix = "-quick" if args.quick else ""
            write_results(f"pages-{db}{suffix}", payload)
    if args.doc and not args.quick:
        write_doc(doc_section(payloads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
