"""Overdue and due deadlines as lists, within the actor's scope (API and CLI).

Overdue and due soon are the predicates of `engine.oversight.figures`: the cases behind these
rows are exactly the cases the report counts.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select

from engine.access.actor import Actor
from engine.access.scope import scope_unit_ids, units_filter
from engine.definitions.model import Definitions
from engine.oversight import figures
from engine.oversight.figures import Moment
from engine.store.tables import Case, Deadline, Organization, Unit
from engine.store.unit_of_work import UnitOfWork

orgs_t = Organization.__table__


units_t = Unit.__table__


cases_t = Case.__table__


deadlines_t = Deadline.__table__


def _deadline_query(unit_ids: list[int] | None) -> Select:
    return (
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
        .where(figures.open_case(), units_filter(cases_t.c.unit_id, unit_ids))
        .order_by(deadlines_t.c.due_at, deadlines_t.c.id)
    )


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
    uow: UnitOfWork,
    defs: Definitions,
    at: Moment,
    *,
    actor: Actor,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Overdue deadlines of open cases (ACC-1: the overdue record), oldest first."""
    with uow.reader() as r:
        q = _deadline_query(scope_unit_ids(r, actor)).where(figures.overdue(at))
        return _labelled(r.conn.execute(q.limit(limit).offset(offset)).mappings(), defs)


def due_deadlines(
    uow: UnitOfWork,
    defs: Definitions,
    at: Moment,
    *,
    actor: Actor,
    until: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Deadlines of open cases not yet run out that fall due soon, soonest first.

    "Soon" is the definition's own reminder window (`remind_before`, e.g. 7 days before the
    REG-5 month ends: `figures.due_soon`) unless `until` (a Shanghai date) asks for every
    deadline still running that ends by that day.
    """
    with uow.reader() as r:
        q = _deadline_query(scope_unit_ids(r, actor))
        if until is not None:
            q = q.where(
                deadlines_t.c.status == "open",
                deadlines_t.c.due_at > at.now,
                deadlines_t.c.due_date <= until,
            )
        else:
            q = q.where(figures.due_soon(at))
        return _labelled(r.conn.execute(q.limit(limit).offset(offset)).mappings(), defs)
