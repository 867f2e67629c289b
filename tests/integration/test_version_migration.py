"""Moving running cases to a new definition version (issue 15 item 4), SQLite and PostgreSQL.

The world: decoupling cases in every non-terminal state of the newest shipped version N, a
v(N+1) that renames a state and adds a step (tests/integration/migration_support.py), and
the plan that maps one onto the other. The big test moves 1,000 running cases, kills the run
with SIGKILL part way, resumes it, and holds the database against the dry run case by case.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.cases import migration
from engine.cases.migration import CasePlan, MigrationReport
from engine.store.tables import Case, Deadline, Event
from tests.integration import migration_support as ms
from tests.world import make_world

ROOT = Path(__file__).resolve().parents[2]
RUNNING = ("handing_over", "transferring", "leadership", "monitoring")
cases_t, deadlines_t, events_t = Case.__table__, Deadline.__table__, Event.__table__

CHILD = """
import sys
from datetime import datetime
from engine.cases import migration
from engine.clock import FixedClock
from engine.config import Config
from web.runtime import build_runtime

url, folder, plan_file, n, m, now = sys.argv[1:]
cfg = Config(database_url=url, scheduler=False, testing=True, definitions_dir=folder)
rt = build_runtime(cfg, clock=FixedClock(datetime.fromisoformat(now)))
plan = migration.load_plan(open(plan_file, encoding="utf-8").read())
migration.migrate(
    rt.uow(), rt.definitions, plan, "decoupling", int(n), int(m),
    on_case=lambda o: print(o.outcome, o.case_id, flush=True),
)
print("done", flush=True)
"""


def _dry(w: Any, plan: migration.MigrationPlan, n: int, m: int) -> MigrationReport:
    return migration.plan_migration(w.uow(), w.rt.definitions, plan, ms.PROCEDURE, n, m)


def _run(w: Any, plan: migration.MigrationPlan, n: int, m: int, **kw: Any) -> Any:
    return migration.migrate(w.uow(), w.rt.definitions, plan, ms.PROCEDURE, n, m, **kw)


def _kill_after(cmd: list[str], k: int, timeout_s: float = 300) -> tuple[int, str]:
    """Run `cmd`, SIGKILL it once it has reported `k` migrated cases: (cases it reported, its
    stderr). The kill lands wherever the child is — often inside the next case's transaction."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stderr is not None
    seen = 0
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while seen < k:
            if not sel.select(timeout_s):
                proc.kill()
                pytest.fail(f"the migration reported {seen} cases in {timeout_s}s")
            line = proc.stdout.readline()
            if not line:
                proc.wait()
                pytest.fail(f"the migration ended after {seen} cases:\n{proc.stderr.read()}")
            seen += line.startswith("migrated ")
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    return seen, proc.stderr.read()


def _world(db_url: str, clock: Any, tmp_path: Path) -> tuple[Any, Path, dict[str, int]]:
    folder = ms.definitions_folder(tmp_path)
    w = make_world(db_url, clock, definitions_dir=folder)
    return w, folder, ms.templates(w)


def _migrated_events(w: Any, case_ids: list[int]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    with w.rt.engine.connect() as c:
        q = select(events_t).where(events_t.c.kind == "migrated", events_t.c.case_id.in_(case_ids))
        for e in c.execute(q.order_by(events_t.c.id)):
            out[e.case_id].append(e)
    return out


def _assert_as_predicted(w: Any, report: MigrationReport, m: int) -> None:
    """The database after the run is what the dry run said, case by case and row by row."""
    ids = [p.case_id for p in report.cases]
    with w.rt.engine.connect() as c:
        cases = {r.id: r for r in c.execute(select(cases_t).where(cases_t.c.id.in_(ids)))}
        deadlines: dict[int, dict[int, Any]] = defaultdict(dict)
        for d in c.execute(select(deadlines_t).where(deadlines_t.c.case_id.in_(ids))):
            deadlines[d.case_id][d.id] = d
    events = _migrated_events(w, ids)
    for p in report.cases:
        _assert_case(p, cases[p.case_id], deadlines[p.case_id], events[p.case_id], report, m)


def _assert_case(
    p: CasePlan,
    row: Any,
    rows: dict[int, Any],
    events: list[Any],
    report: MigrationReport,
    m: int,
) -> None:
    where = f"case {p.case_id} ({p.old_state})"
    assert (row.definition_version, row.state, row.version) == (
        m,
        p.new_state,
        p.case_version + 1,
    ), where
    assert row.data == p.data, where
    [event] = events
    assert (event.from_state, event.to_state, event.case_version) == (
        p.old_state,
        p.new_state,
        row.version,
    ), where
    assert event.payload["plan_sha256"] == report.plan_sha256
    logged = {(d["action"], d["key"]): d for d in event.payload["deadlines"]}
    expected_open: dict[str, Any] = {}
    for d in p.deadlines:
        if d.action == "carried":
            r = rows[d.deadline_id]
            assert (r.status, r.key, r.due_date, r.anchor_date) == (
                "open",
                d.new_key,
                d.new_due,
                d.anchor_date,
            ), where
            expected_open[d.new_key] = d.new_due
        elif d.action == "cancelled":
            r = rows[d.deadline_id]
            assert (r.status, r.closed_by_event_id) == ("cancelled", event.id), where
        elif d.action == "opened":
            [r] = [r for r in rows.values() if r.opened_by_event_id == event.id]
            assert (r.key, r.due_date, r.anchor_date) == (d.new_key, d.new_due, d.anchor_date)
            expected_open[d.new_key] = d.new_due
        if d.changes:
            assert logged[(d.action, d.key)]["new_due"] == (
                d.new_due.isoformat() if d.new_due else None
            ), where
    assert {r.key: r.due_date for r in rows.values() if r.status == "open"} == expected_open, where
    assert len(logged) == sum(1 for d in p.deadlines if d.changes), where


@pytest.mark.slow
def test_thousand_cases_move_as_the_dry_run_said_killed_and_resumed_exactly_once(
    db_url, clock, tmp_path
):
    w, folder, t = _world(db_url, clock, tmp_path)
    ms.clone(w, [t[s] for s in RUNNING], 1000 - len(RUNNING))
    closed = [*ms.clone(w, [t["normal"]], 9), t["normal"]]
    n, m = ms.load_next_version(w, db_url, folder)

    # A plan that leaves a state of running cases unmapped is refused, and writes nothing.
    unmapped = {s: s for s in ("handing_over", "transferring")} | {
        "leadership": "verifying_transfer"
    }
    bad = migration.load_plan(ms.plan_text(n, states=unmapped))
    refused = _dry(w, bad, n, m)
    assert refused.refused
    assert [p.field for p in refused.plan_problems] == ["states.monitoring"]
    by_problem = Counter((c.old_state, bool(c.problems)) for c in refused.cases)
    assert by_problem == {(s, s == "monitoring"): 250 for s in RUNNING}
    assert {p.code for c in refused.cases for p in c.problems} == {"state_unmapped"}
    with pytest.raises(migration.MigrationRefused):
        _run(w, bad, n, m)
    assert _migrated_events(w, [c.case_id for c in refused.cases]) == {}

    # The dry run: 1,000 cases, 250 per state, every change listed.
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(ms.plan_text(n), encoding="utf-8")
    plan = migration.load_plan(plan_file.read_text(encoding="utf-8"))
    report = _dry(w, plan, n, m)
    assert not report.refused and len(report.cases) == 1000
    assert Counter((c.old_state, c.new_state) for c in report.cases) == {
        ("handing_over", "handing_over"): 250,
        ("transferring", "transferring"): 250,
        ("leadership", "verifying_transfer"): 250,
        ("monitoring", "monitoring"): 250,
    }
    actions = Counter(
        (c.old_state, d.action, d.key, d.new_key) for c in report.cases for d in c.deadlines
    )
    assert actions == {
        ("handing_over", "carried", "archives_handover", "archives_handover"): 250,
        ("transferring", "carried", "party_org_transfer", "org_transfer"): 250,
        ("transferring", "cancelled", "leadership_relation", None): 250,
        ("leadership", "cancelled", "leadership_relation", None): 250,
        ("leadership", "carried", "normal_operation", "normal_operation"): 250,
        ("leadership", "opened", "transfer_check", "transfer_check"): 250,
        ("monitoring", "carried", "normal_operation", "normal_operation"): 250,
    }

    # The run, in another process, killed with SIGKILL after 137 cases.
    now = w.clock.now().isoformat()
    cmd = [sys.executable, "-c", CHILD, db_url, str(folder), str(plan_file), str(n), str(m), now]
    reported, _ = _kill_after(cmd, 137)
    with w.rt.engine.connect() as c:
        done = c.execute(select(func.count()).where(cases_t.c.definition_version == m)).scalar_one()
    assert 137 <= done < 1000 and reported == 137

    # Resumed: only the cases not yet moved; a third run finds nothing to do.
    resumed = _run(w, plan, n, m)
    assert resumed.report.migrated_before == done
    assert resumed.count("migrated") == 1000 - done and resumed.count("refused") == 0
    again = _run(w, plan, n, m)
    assert again.report.cases == [] and again.report.migrated_before == 1000

    # Exactly once, and exactly as predicted; closed cases stay on the version they ended on.
    events = _migrated_events(w, [c.case_id for c in report.cases] + closed)
    assert Counter(len(v) for v in events.values()) == {1: 1000}
    assert not set(events) & set(closed)
    _assert_as_predicted(w, report, m)
    with w.rt.engine.connect() as c:
        left = c.execute(
            select(cases_t.c.definition_version, cases_t.c.state).where(cases_t.c.id.in_(closed))
        ).all()
    assert set(left) == {(n, "normal")}
