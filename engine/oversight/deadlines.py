"""Overdue and due deadlines as lists, within the actor's scope (API and CLI)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select

from engine.access.actor import Actor
from engine.definitions.model import Definitions
from engine.directory.scoped import scoped_to
from engine.store.tables import Case, Deadline, Organization, Unit
from engine.store.unit_of_work import UnitOfWork

orgs_t = Organization.__table__


units_t = Unit.__table__


cases_t = Case.__table__


deadlines_t = Deadline.__table__


def _deadline_query(actor: Actor) -> Select:
    q = (
        select(
            deadlines_t.c.id,
            deadlines_t.c.case_id,
            deadlines_t.c.key,
            deadlines_t.c.rule,
            deadlines_t.c.status,
            deadlines_t.c.anchor_date,
            deadlines_t.c.due_date,
            deadlines_t.c.due_at,
            deadlines_t.c.remind_at,
            deadlines_t.c.provisional,
            deadlines_t.c.escalation_level,
            deadlines_t.c.opened_at,
            cases_t.c.procedure,
            cases_t.c.definition_version,
            cases_t.c.state.label("case_state"),
            cases_t.c.assignee_id,
            cases_t.c.organization_id,
            orgs_t.c.name.label("organization"),
            units_t.c.code.label("unit_code"),
        )
        .join(cases_t, cases_t.c.id == deadlines_t.c.case_id)
        .join(orgs_t, orgs_t.c.id == cases_t.c.organization_id)
        .join(units_t, units_t.c.id == cases_t.c.unit_id)
        .where(deadlines_t.c.status == "open")
        .order_by(deadlines_t.c.due_at, deadlines_t.c.id)
    )
    return scoped_to(q, actor)


def _labelled(rows: Any, defs: Definitions) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        item = dict(row)
        definition = defs.get(item["procedure"], item["definition_version"])
        spec = definition.deadline(item["key"])
        item["label"] = spec.label if spec else None
        out.append(item)
    return out


def overdue_deadlines(
    uow: UnitOfWork, defs: Definitions, *, actor: Actor, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Open deadlines whose period has run out (ACC-1: the overdue record), oldest first."""
    with uow.reader() as r:
        now = r.clock.now()
        q = _deadline_query(actor).where(deadlines_t.c.due_at < now).limit(limit).offset(offset)
        return _labelled(r.conn.execute(q).mappings(), defs)


def due_deadlines(
    uow: UnitOfWork,
    defs: Definitions,
    *,
    actor: Actor,
    until: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Open deadlines not yet overdue that fall due soon, soonest first.

    "Soon" is the definition's own reminder window (`remind_before`, e.g. 7 days before the
    REG-5 month ends) unless `until` (a Shanghai date) asks for everything due by that day.
    """
    with uow.reader() as r:
        now = r.clock.now()
        q = _deadline_query(actor).where(deadlines_t.c.due_at >= now)
        if until is not None:
            q = q.where(deadlines_t.c.due_date <= until)
        else:
            q = q.where(deadlines_t.c.remind_at.is_not(None), deadlines_t.c.remind_at <= now)
        return _labelled(r.conn.execute(q.limit(limit).offset(offset)).mappings(), defs)
