"""The deadline sweep: claim due deadlines, record each (deadline, level) once, notify."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, Select, literal_column, select

from engine.calendar import local_date
from engine.config import DEFAULT_SWEEP_BATCH, SmtpSettings
from engine.definitions.model import DeadlineDef, Definitions
from engine.errors import NotFound
from engine.oversight.ladder import (
    Action,
    Plan,
    event_row,
    message_for,
    plan_deadline,
    report_item,
)
from engine.oversight.notifications import notify
from engine.oversight.recipients import Directory, owner_now
from engine.oversight.stalls import sweep_stalled
from engine.store.bulk import insert_gated, update_rows
from engine.store.tables import Case, Deadline, Event, Organization, User
from engine.store.tables_oversight import DeadlineAction
from engine.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

deadlines_t = Deadline.__table__

cases_t = Case.__table__

events_t = Event.__table__

orgs_t = Organization.__table__

users_t = User.__table__

ledger_t = DeadlineAction.__table__

OPEN = deadlines_t.c.status == literal_column("'open'")

DEFAULT_BATCH = DEFAULT_SWEEP_BATCH

SWEEP_WORKERS = 2


"""Transactions one sweep runs side by side on PostgreSQL once more than a batch is due.

A batch's cost is about half Python (planning, messages, JSON) and half server; with two,
one batch is planned while the other's statements run (B4: `python -m bench.sweep`)."""

RETRY_UNPLANNABLE = timedelta(days=1)


@dataclass
class SweepResult:
    """What one sweep did (or, dry-run, would do): counts plus the items for printing."""

    now: datetime
    dry_run: bool = False
    reminders: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)
    stalled: list[dict[str, Any]] = field(default_factory=list)
    claimed: int = 0
    batches: int = 0
    conflicts: int = 0
    notifications: int = 0
    errors: list[str] = field(default_factory=list)

    def merge(self, other: SweepResult) -> None:
        """Add what another worker of the same sweep did."""
        self.reminders += other.reminders
        self.escalations += other.escalations
        self.stalled += other.stalled
        self.claimed += other.claimed
        self.batches += other.batches
        self.conflicts += other.conflicts
        self.notifications += other.notifications
        self.errors += other.errors

    @property
    def fired(self) -> int:
        return len(self.reminders) + len(self.escalations)

    def summary(self) -> str:
        if self.dry_run:
            return (
                f"would remind {len(self.reminders)}, escalate {len(self.escalations)}, "
                f"flag {len(self.stalled)} stalled (deadlines due: {self.claimed})"
            )
        return (
            f"reminded {len(self.reminders)}, escalated {len(self.escalations)}, "
            f"flagged {len(self.stalled)} stalled "
            f"(deadlines claimed {self.claimed}, notifications {self.notifications})"
        )


_DUE_COLUMNS = (
    deadlines_t.c.id,
    deadlines_t.c.case_id,
    deadlines_t.c.key,
    deadlines_t.c.rule,
    deadlines_t.c.due_at,
    deadlines_t.c.remind_at,
    deadlines_t.c.reminded_at,
    deadlines_t.c.escalation_level,
    # What planning, the recipients and the messages need of the case, read in the same
    # statement (one round trip per batch fewer).
    cases_t.c.procedure,
    cases_t.c.definition_version,
    cases_t.c.version.label("case_version"),
    cases_t.c.unit_id,
    cases_t.c.assignee_id,
    cases_t.c.delegate_id,
    cases_t.c.delegated_until,
    orgs_t.c.name.label("org_name"),
)

NOT_SUSPENDED = cases_t.c.suspended_at.is_(None)
"""A suspended case's deadlines wait (issue 15): a filter on the case row the claim joins
anyway (by its primary key), so the scan stays on the partial index and the plan is unchanged.
Their `next_action_at` is left as it is, so on resume the next sweep takes whatever fell due
meanwhile, each level once, as after downtime."""


def _due(now: datetime, limit: int) -> Select[Any]:
    """Due open deadlines with their case, in the order of the partial index
    ix_deadlines_open_next_action_at_id, so the scan stops at `limit`. `'open'` is a literal,
    not a parameter: only then can the planner (PostgreSQL's generic plans, SQLite's always)
    prove the index's WHERE."""
    return (
        select(*_DUE_COLUMNS)
        .join(cases_t, cases_t.c.id == deadlines_t.c.case_id)
        .join(orgs_t, orgs_t.c.id == cases_t.c.organization_id)
        .where(OPEN, deadlines_t.c.next_action_at <= now, NOT_SUSPENDED)
        .order_by(deadlines_t.c.next_action_at, deadlines_t.c.id)
        .limit(limit)
    )


def _claim(conn: Connection, now: datetime, batch: int) -> list[Any]:
    """Take up to `batch` due open deadlines in ONE statement (see the module docstring).

    A lock, not a write: ``SELECT … FOR UPDATE OF deadlines SKIP LOCKED`` on PostgreSQL (the
    plan is Limit over LockRows, so rows skipped as locked do not count against the LIMIT; the
    joined case is read, not locked), a plain SELECT inside SQLite's ``BEGIN IMMEDIATE``. The
    same transaction then advances every claimed row (`_process_batch`), so the row is
    rewritten once, not twice: each rewrite of a deadline moves an indexed column and so
    inserts into every index of the table.
    """
    pick = _due(now, batch)
    if conn.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True, of=deadlines_t)
    return conn.execute(pick).all()


def _due_preview(conn: Connection, now: datetime, limit: int) -> list[Any]:
    return conn.execute(_due(now, limit)).all()


def _cases(rows: Iterable[Any]) -> dict[int, Any]:
    """case_id -> a claimed row of that case (its case columns: see `_DUE_COLUMNS`)."""
    return {r.case_id: r for r in rows}


def _owners(conn: Connection, cases: Mapping[int, Any], now: datetime) -> tuple[dict, set[int]]:
    """case_id -> who owns it at `now` (`owner_now`: the running delegate, else the owner),
    and which of them are active."""
    people = [u for c in cases.values() for u in (c.assignee_id, c.delegate_id)]
    active = _active_users(conn, people)
    today = local_date(now)
    owners = {
        cid: owner_now(c.assignee_id, c.delegate_id, c.delegated_until, today, active)
        for cid, c in cases.items()
    }
    return owners, active


def _active_users(conn: Connection, user_ids: Iterable[int | None]) -> set[int]:
    ids = sorted({u for u in user_ids if u is not None})
    if not ids:
        return set()
    return set(
        conn.execute(
            select(users_t.c.id).where(users_t.c.id.in_(ids), users_t.c.active.is_(True))
        ).scalars()
    )


def _spec(defs: Definitions, case: Any, key: str) -> DeadlineDef:
    spec = defs.get(case.procedure, case.definition_version).deadline(key)
    if spec is not None:
        return spec
    raise NotFound("deadline definition", f"{case.procedure} v{case.definition_version} {key}")


def _plan_batch(
    rows: Sequence[Any], defs: Definitions, now: datetime
) -> tuple[dict[int, Plan], dict[int, DeadlineDef], list[str]]:
    """Plan each claimed row (it carries its case's procedure and definition version)."""
    plans: dict[int, Plan] = {}
    specs: dict[int, DeadlineDef] = {}
    errors: list[str] = []
    for row in rows:
        try:
            spec = _spec(defs, row, row.key)
        except NotFound as exc:
            errors.append(f"deadline {row.id} (case {row.case_id}, {row.key}): {exc}")
            continue
        specs[row.id] = spec
        plans[row.id] = plan_deadline(row, spec, now)
    return plans, specs, errors


def _process_batch(
    conn: Connection,
    rows: Sequence[Any],
    defs: Definitions,
    directory: Directory,
    now: datetime,
    smtp: SmtpSettings | None,
    result: SweepResult,
    collect: bool,
) -> None:
    cases = _cases(rows)
    plans, specs, errors = _plan_batch(rows, defs, now)
    result.errors.extend(errors)
    for e in errors:
        log.warning("sweep cannot plan %s; retrying in %s", e, RETRY_UNPLANNABLE)
    actions = [a for p in plans.values() for a in p.actions]
    # Who is told and what the event says are worked out for every action: a ledger conflict
    # (another sweeper got there first) is rare, and its event row is simply not inserted.
    owners, active = _owners(conn, {a.case_id: cases[a.case_id] for a in actions}, now)
    recipients = [
        directory.recipients(a.target, cases[a.case_id].unit_id, owners[a.case_id], active)
        for a in actions
    ]
    messages = [message_for(a, cases[a.case_id], specs[a.deadline_id].label, None) for a in actions]
    fired = insert_gated(
        conn,
        ledger_t,
        [
            {
                "deadline_id": a.deadline_id,
                "case_id": a.case_id,
                "level": a.level,
                "kind": a.kind,
                "target": a.target,
                "fell_due_at": a.fell_due_at,
                "fired_at": now,
            }
            for a in actions
        ],
        unique_on=["deadline_id", "level"],
        link="event_id",
        table=events_t,
        rows=[
            event_row(a, cases[a.case_id], who, msg, now)
            for a, who, msg in zip(actions, recipients, messages, strict=True)
        ],
    )
    result.conflicts += len(actions) - len(fired)
    deliveries = []
    for i, eid in fired:
        msg = replace(messages[i], event_id=eid)
        deliveries += [(f"event:{eid}:{uid}", uid, msg) for uid in recipients[i]]
    result.notifications += notify(conn, deliveries, now, smtp)
    advance = [
        {
            "id": did,
            "next_action_at": p.next_action_at,
            "escalation_level": p.escalation_level,
            "reminded_at": now if p.reminded else None,
        }
        for did, p in plans.items()
    ]
    advance += [
        {
            "id": r.id,
            "next_action_at": now + RETRY_UNPLANNABLE,
            "escalation_level": r.escalation_level,
            "reminded_at": None,
        }
        for r in rows
        if r.id not in plans
    ]
    update_rows(conn, deadlines_t, advance, keep_when_null=["reminded_at"])
    _collect(
        result,
        [actions[i] for i, _ in fired],
        cases,
        {(actions[i].deadline_id, actions[i].level): recipients[i] for i, _ in fired},
        collect,
    )


def _collect(
    result: SweepResult,
    actions: Sequence[Action],
    cases: Mapping[int, Any],
    recipients: Mapping[tuple[int, int], list[int]],
    collect: bool,
) -> None:
    for a in actions:
        item = (
            report_item(a, cases[a.case_id], recipients.get((a.deadline_id, a.level), ()))
            if collect
            else {"deadline_id": a.deadline_id, "level": a.level}
        )
        if a.kind == "reminder":
            result.reminders.append(item)
        else:
            result.escalations.append(item)


def sweep_deadlines(
    uow: UnitOfWork,
    defs: Definitions,
    *,
    now: datetime,
    smtp: SmtpSettings | None = None,
    batch_size: int = DEFAULT_BATCH,
    workers: int | None = None,
    dry_run: bool = False,
    collect: bool = True,
    result: SweepResult | None = None,
) -> SweepResult:
    """Remind and escalate every open deadline whose next step is due at `now`.

    Works in batches of `batch_size`, one transaction each, until nothing due is left, so
    parallel sweepers share the work and no transaction grows with the backlog. When the
    first batch comes back full, `workers` transactions (default `SWEEP_WORKERS` on
    PostgreSQL, 1 on SQLite) drain the rest side by side, each on its own connection; they
    are parallel sweepers like any other (SKIP LOCKED, the ledger). Every batch, on every
    worker, is judged and stamped at the same `now`.
    """
    result = result or SweepResult(now=now, dry_run=dry_run)
    if dry_run:
        with uow.reader() as r:
            directory = Directory.load(r.conn)
            rows = _due_preview(r.conn, now, limit=100_000)
            cases = _cases(rows)
            plans, _, errors = _plan_batch(rows, defs, now)
            result.errors.extend(errors)
            result.claimed += len(rows)
            actions = [a for p in plans.values() for a in p.actions]
            owners, active = _owners(r.conn, cases, now)
            recipients = {
                (a.deadline_id, a.level): directory.recipients(
                    a.target, cases[a.case_id].unit_id, owners[a.case_id], active
                )
                for a in actions
            }
            _collect(result, actions, cases, recipients, collect)
        return result
    with uow:  # the first batch alone: an empty sweep costs one claim, nothing more
        rows = _claim(uow.conn, now, batch_size)
        if not rows:
            return result
        directory = Directory.load(uow.conn)  # loaded once, and only if something is due
        _process_batch(uow.conn, rows, defs, directory, now, smtp, result, collect)
        uow.commit()
    result.claimed += len(rows)
    result.batches += 1
    if len(rows) < batch_size:
        return result
    drain = partial(
        _drain,
        defs=defs,
        directory=directory,
        now=now,
        smtp=smtp,
        batch_size=batch_size,
        collect=collect,
    )
    if workers is None:
        workers = SWEEP_WORKERS if uow.engine.dialect.name == "postgresql" else 1
    if workers <= 1:
        drain(uow, result)
        return result
    parts = [SweepResult(now=now, dry_run=False) for _ in range(workers - 1)]
    with ThreadPoolExecutor(max_workers=workers - 1, thread_name_prefix="sweep") as pool:
        helpers = [
            pool.submit(drain, UnitOfWork(uow.engine, uow.clock, uow.calendar), part)
            for part in parts
        ]
        drain(uow, result)
        for h in helpers:
            h.result()
    for part in parts:
        result.merge(part)
    return result


def _drain(
    uow: UnitOfWork,
    result: SweepResult,
    *,
    defs: Definitions,
    directory: Directory,
    now: datetime,
    smtp: SmtpSettings | None,
    batch_size: int,
    collect: bool,
) -> None:
    """Claim and process batches, one transaction each, until a claim comes back short."""
    while True:
        with uow:
            rows = _claim(uow.conn, now, batch_size)
            if rows:
                _process_batch(uow.conn, rows, defs, directory, now, smtp, result, collect)
                uow.commit()
        result.claimed += len(rows)
        result.batches += 1 if rows else 0
        if len(rows) < batch_size:
            return


def sweep(
    uow: UnitOfWork,
    defs: Definitions,
    *,
    now: datetime,
    smtp: SmtpSettings | None = None,
    batch_size: int = DEFAULT_BATCH,
    workers: int | None = None,
    dry_run: bool = False,
    advance_watermark: bool = True,
    full_stall_scan: bool = False,
    collect: bool = True,
) -> SweepResult:
    """One full sweep at one instant: deadlines (reminders, escalations), then stalls.

    `now` is the tick's instant (`scheduler.Ticker.sweep`, `tongbu sweep`); every statement,
    timestamp and judgement of the sweep uses it, and nothing below reads a clock.
    Safe to run from any number of processes at once; see the module docstring.
    """
    result = SweepResult(now=now, dry_run=dry_run)
    sweep_deadlines(
        uow,
        defs,
        now=now,
        smtp=smtp,
        batch_size=batch_size,
        workers=workers,
        dry_run=dry_run,
        collect=collect,
        result=result,
    )
    stalls = sweep_stalled(
        uow,
        defs,
        now=now,
        smtp=smtp,
        dry_run=dry_run,
        advance_watermark=advance_watermark,
        full_scan=full_stall_scan,
    )
    result.stalled.extend(stalls.stalled)
    result.notifications += stalls.notifications
    result.conflicts += stalls.conflicts
    return result
