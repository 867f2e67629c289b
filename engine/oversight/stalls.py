"""Stalled cases: open, and no activity for `stalled_after_days` (ACC-1), flagged once per stall.

A case waiting by design (a state its definition marks `waiting`, with an open deadline) is
not stalled: the one predicate, `figures.stalled`, says so for the flag and the figure alike.

"Activity" is `cases.updated_at`, which every step moves; the sweep's own events do not count.
A stall is identified by (case, the `updated_at` it began with): UNIQUE (case_id,
stalled_since) on `stall_flags` makes each flag, its audit event and its notifications
exactly once, whoever scans. See docs/operations.md ("Catch-up after downtime").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, select, text
from sqlalchemy.dialects import postgresql, sqlite

from engine.calendar import local_date
from engine.definitions.model import Definitions
from engine.oversight import figures
from engine.oversight.figures import Moment
from engine.oversight.notifications import Message, SmtpSettings, notify
from engine.oversight.recipients import SYSTEM_ACTOR, Directory
from engine.store.bulk import insert_gated
from engine.store.tables import Case, Event, Organization
from engine.store.tables_oversight import SchedulerState, StallFlag
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
events_t = Event.__table__
orgs_t = Organization.__table__
stalls_t = StallFlag.__table__
state_t = SchedulerState.__table__

STALL_WATERMARK = "stall_watermark"
STALL_LOCK_KEY = 0x746F6E67  # PostgreSQL advisory lock: one stall scan at a time ("tong")


@dataclass
class StallSweep:
    """What one stall scan flagged (or, dry run, would flag)."""

    stalled: list[dict[str, Any]] = field(default_factory=list)
    notifications: int = 0
    conflicts: int = 0


def _stall_message(case: Any, days: int, since: datetime, event_id: int | None) -> Message:
    last = local_date(since).isoformat()
    return Message(
        kind="stalled",
        level=None,
        case_id=case.id,
        event_id=event_id,
        subject_zh=f"停滞案件：#{case.id} 已 {days} 天无进展",
        subject_en=f"Stalled case: #{case.id} has had no activity for {days} days",
        body_zh=f"{case.org_name}：案件自 {last} 起无任何进展（ACC-1），请督促承办人。",
        body_en=f"{case.org_name}: no activity on this case since {last} (ACC-1); "
        "please follow up with the caseworker.",
    )


def _stalled_candidates(
    conn: Connection, at: Moment, after: datetime | None, exclude_flagged: bool
) -> list[Any]:
    """Open cases stalled at `at` (`figures.stalled`, the figure's own test), optionally only
    those that became stalled after the watermark, or not yet flagged for this stall."""
    q = (
        select(
            cases_t.c.id,
            cases_t.c.unit_id,
            cases_t.c.version,
            cases_t.c.updated_at,
            orgs_t.c.name.label("org_name"),
        )
        .join(orgs_t, orgs_t.c.id == cases_t.c.organization_id)
        .where(figures.open_case(), figures.stalled(at))
        .order_by(cases_t.c.id)
    )
    if after is not None:
        q = q.where(cases_t.c.updated_at > after)
    if exclude_flagged:
        flagged = (
            select(stalls_t.c.id)
            .where(
                stalls_t.c.case_id == cases_t.c.id,
                stalls_t.c.stalled_since == cases_t.c.updated_at,
            )
            .exists()
        )
        q = q.where(~flagged)
    return conn.execute(q).all()


def _watermark(conn: Connection) -> datetime | None:
    return conn.execute(
        select(state_t.c.value_at).where(state_t.c.name == STALL_WATERMARK)
    ).scalar_one_or_none()


def _raise_watermark(conn: Connection, value: datetime, now: datetime) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(state_t).values(name=STALL_WATERMARK, value_at=value, updated_at=now)
    higher = case(
        (
            (state_t.c.value_at.is_(None)) | (state_t.c.value_at < stmt.excluded.value_at),
            stmt.excluded.value_at,
        ),
        else_=state_t.c.value_at,
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["name"], set_={"value_at": higher, "updated_at": now}
        )
    )


def sweep_stalled(
    uow: UnitOfWork,
    defs: Definitions,
    *,
    now: datetime,
    smtp: SmtpSettings | None = None,
    dry_run: bool = False,
    advance_watermark: bool = True,
    full_scan: bool = False,
) -> StallSweep:
    """Flag the cases stalled at `now` (`figures.stalled`), once per stall (ACC-1).

    Activity is `cases.updated_at`, which every step moves; the sweep's own events do not.
    UNIQUE (case_id, stalled_since) makes the flag, its event and its notifications exactly
    once. Normally only cases that became stalled since the last scan are read (a watermark
    in `scheduler_state`), so the cost follows new stalls, not all open cases. A case written
    with an `updated_at` already behind the watermark (an import, back-dated demo data) is
    not seen that way: `full_scan` reads every stalled open case not yet flagged for its
    current stall. The scheduler does one full scan when it starts and one a day; a manual
    `tongbu sweep` and every dry run always do.
    `advance_watermark=False` is for sweeps at a chosen time (`tongbu sweep --now`): they flag
    what is stalled at that time but leave the watermark to the real scheduler.
    """
    result = StallSweep()
    at = Moment.of(defs, now)
    days, cutoff = at.stalled_after_days, at.stall_cutoff
    if dry_run:
        with uow.reader() as r:
            rows = _stalled_candidates(r.conn, at, None, exclude_flagged=True)
            for c in rows:
                result.stalled.append(_stall_item(c, days))
        return result
    with uow:
        conn = uow.conn
        after = None if full_scan else _watermark(conn)
        if after is not None and after >= cutoff:
            return result  # nothing can have become stalled since the last scan
        if conn.dialect.name == "postgresql":
            got = conn.execute(
                text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": STALL_LOCK_KEY}
            ).scalar_one()
            if not got:
                return result  # another sweeper is scanning right now; it covers this range
            after = None if full_scan else _watermark(conn)  # as that one may have left it
        rows = _stalled_candidates(conn, at, after, exclude_flagged=full_scan)
        # The flag is the gate: only a flag that is new writes its audit event (one statement
        # on PostgreSQL), the same ledger mechanism the deadline sweep uses.
        fired = insert_gated(
            conn,
            stalls_t,
            [{"case_id": c.id, "stalled_since": c.updated_at, "flagged_at": now} for c in rows],
            unique_on=["case_id", "stalled_since"],
            link="event_id",
            table=events_t,
            rows=[
                {
                    "case_id": c.id,
                    "kind": "stalled",
                    "trigger": None,
                    "from_state": None,
                    "to_state": None,
                    "case_version": c.version,
                    "actor_id": None,
                    "actor_name": SYSTEM_ACTOR,
                    "at": now,
                    "comment": _stall_message(c, days, c.updated_at, None).comment,
                    "payload": {
                        "stalled_since": c.updated_at.isoformat(),
                        "stalled_after_days": days,
                    },
                    "rules": ["ACC-1"],
                }
                for c in rows
            ],
        )
        result.conflicts += len(rows) - len(fired)
        fresh = [rows[i] for i, _ in fired]
        event_ids = [eid for _, eid in fired]
        directory = Directory.load(conn) if fresh else None
        if fresh:
            assert directory is not None
            deliveries = []
            for c, eid in zip(fresh, event_ids, strict=True):
                msg = _stall_message(c, days, c.updated_at, eid)
                people = directory.unit_supervisors(c.unit_id) or directory.admins
                deliveries += [(f"event:{eid}:{uid}", uid, msg) for uid in people]
            result.notifications += notify(conn, deliveries, now, smtp)
        if advance_watermark:
            _raise_watermark(conn, cutoff, now)
        uow.commit()
    result.stalled.extend(_stall_item(c, days) for c in fresh)
    return result


def _stall_item(c: Any, days: int) -> dict[str, Any]:
    return {
        "case_id": c.id,
        "organization": c.org_name,
        "stalled_since": c.updated_at,
        "stalled_after_days": days,
    }
