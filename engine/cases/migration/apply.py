"""Writing one judged case: the statements of the run, built once and bound per case.

A run writes a case in about six statements; building them anew for each of thousands of
cases cost more than running them (SQLAlchemy's statement construction and cache-key work),
so they are module constants with bind parameters, as `engine.store.fire_sql` does for steps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from engine.access.actor import Actor
from engine.cases.intents import jsonable
from engine.cases.migration.report import CasePlan, Context
from engine.errors import Conflict
from engine.store.tables import Case, Deadline, Event, Organization

cases_t = Case.__table__
deadlines_t = Deadline.__table__
events_t = Event.__table__
orgs_t = Organization.__table__

EVENT_KIND = "migrated"
"""`events.kind` of a case moved to another definition version."""

CASES = select(cases_t, orgs_t.c.name.label("org_name")).join(
    orgs_t, orgs_t.c.id == cases_t.c.organization_id
)
"""Cases with their organization's name (the report names both)."""

_ORG_PREFIX = "org__"
_LOCK_CASE = (
    select(cases_t, orgs_t.c.name.label("org_name"))
    .add_columns(*(c.label(_ORG_PREFIX + c.name) for c in orgs_t.c))
    .join(orgs_t, orgs_t.c.id == cases_t.c.organization_id)
    .where(
        cases_t.c.id == bindparam("b_id"),
        cases_t.c.procedure == bindparam("b_procedure"),
        cases_t.c.definition_version == bindparam("b_version"),
    )
    # PostgreSQL FOR NO KEY UPDATE: a step on the case (FOR UPDATE) waits for the migration
    # and the other way round, while the sweep's audit events, which only need the case's key,
    # do not — the sweep may hold the case's deadline rows the migration waits for, and must
    # not in turn wait for the case (as engine.oversight.recalendar). SQLite renders nothing
    # here and serializes writers by BEGIN IMMEDIATE.
    .with_for_update(of=cases_t, key_share=True)
)
_LOCK_DEADLINES = (
    select(deadlines_t)
    .where(deadlines_t.c.case_id == bindparam("b_id"))
    .order_by(deadlines_t.c.id)
    .with_for_update()
)
_MOVE_CASE = (
    update(cases_t)
    .where(
        cases_t.c.id == bindparam("b_id"),
        cases_t.c.version == bindparam("b_expected"),
        cases_t.c.definition_version == bindparam("b_from"),
        cases_t.c.status == "open",
    )
    .values(
        definition_version=bindparam("b_to"),
        state=bindparam("b_state"),
        version=bindparam("b_version"),
        data=bindparam("b_data", type_=cases_t.c.data.type),
    )
)
_EVENT = insert(events_t).returning(events_t.c.id)
_OPEN_ROW = (deadlines_t.c.id == bindparam("b_id")) & (deadlines_t.c.status == "open")
_CANCEL = (
    update(deadlines_t)
    .where(_OPEN_ROW)
    .values(
        status="cancelled",
        closed_at=bindparam("b_now", type_=deadlines_t.c.closed_at.type),
        closed_by_event_id=bindparam("b_event"),
    )
)
_CARRIED_COLUMNS = (
    "key",
    "rule",
    "anchor_date",
    "due_date",
    "due_at",
    "remind_at",
    "provisional",
    "next_action_at",
)
_CARRY = (
    update(deadlines_t)
    .where(_OPEN_ROW)
    .values({c: bindparam(f"b_{c}", type_=deadlines_t.c[c].type) for c in _CARRIED_COLUMNS})
)
_DEADLINE_FIELDS = ("action", "key", "new_key", "rule", "deadline_id", "old_due", "new_due", "why")


def lock_case(
    conn: Connection, case_id: int, procedure: str, version: int
) -> tuple[Any, dict[str, Any]] | None:
    """The case row, locked, if it is still on the source version (else None), with its
    organization's columns (one round trip: a run pays for each of thousands of cases)."""
    row = conn.execute(
        _LOCK_CASE, {"b_id": case_id, "b_procedure": procedure, "b_version": version}
    ).first()
    if row is None:
        return None
    organization = {
        k.removeprefix(_ORG_PREFIX): v
        for k, v in row._mapping.items()
        if isinstance(k, str) and k.startswith(_ORG_PREFIX)
    }
    return row, organization


def case_deadlines(conn: Connection, case_id: int) -> list[Any]:
    """Every deadline row of the case, locked (the sweep skips locked rows)."""
    return list(conn.execute(_LOCK_DEADLINES, {"b_id": case_id}))


def event_payload(ctx: Context, plan: CasePlan) -> dict[str, Any]:
    """What the history keeps of a migration: both versions, the plan, and every change."""
    return jsonable(
        {
            "from_version": ctx.source.version,
            "to_version": ctx.target.version,
            "plan_sha256": ctx.plan.sha256,
            "data": [{"op": c.op, "path": c.path, "to": c.to} for c in plan.data_changes],
            "deadlines": [
                {k: getattr(d, k) for k in _DEADLINE_FIELDS} for d in plan.deadlines if d.changes
            ],
        }
    )


def write(conn: Connection, ctx: Context, row: Any, plan: CasePlan, actor: Actor) -> int:
    """Apply one judged case in the caller's transaction; returns the `migrated` event's id.

    The case, its event and its deadline rows: all in the transaction, or nothing."""
    version = row.version + 1
    moved = conn.execute(
        _MOVE_CASE,
        {
            "b_id": row.id,
            "b_expected": row.version,
            "b_from": ctx.source.version,
            "b_to": ctx.target.version,
            "b_state": plan.new_state,
            "b_version": version,
            "b_data": plan.data,
        },
    ).rowcount
    if moved != 1:  # the row is locked since it was read: the last line of defence only
        raise Conflict(row.id, row.version, -1, row.state)
    event_id = conn.execute(
        _EVENT,
        {
            "case_id": row.id,
            "kind": EVENT_KIND,
            "trigger": None,
            "from_state": plan.old_state,
            "to_state": plan.new_state,
            "case_version": version,
            "actor_id": actor.id,
            "actor_name": actor.display_name,
            "at": ctx.now,
            "comment": ctx.plan.reason,
            "payload": event_payload(ctx, plan),
            "rules": [],
        },
    ).scalar_one()
    cancelled = [
        {"b_id": d.deadline_id, "b_now": ctx.now, "b_event": event_id}
        for d in plan.deadlines
        if d.action == "cancelled"
    ]
    carried = [
        {"b_id": d.deadline_id, **{f"b_{c}": d.values[c] for c in _CARRIED_COLUMNS}}
        for d in plan.deadlines
        if d.action == "carried" and d.values is not None
    ]
    opened = [
        {**d.values, "case_id": row.id, "opened_by_event_id": event_id}
        for d in plan.deadlines
        if d.action == "opened" and d.values is not None
    ]
    for statement, params in ((_CANCEL, cancelled), (_CARRY, carried)):
        if params:
            conn.execute(statement, params)
    if opened:
        conn.execute(insert(deadlines_t), opened)
    return event_id
