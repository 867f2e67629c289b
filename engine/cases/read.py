"""Reading one case: its page, its history, its events. Lists of cases: `engine.cases.listing`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engine.access.actor import Actor
from engine.cases.organization import load_organization
from engine.cases.service import load_case
from engine.definitions.model import Definitions
from engine.store.tables import Deadline, Event
from engine.store.unit_of_work import UnitOfWork

events_t = Event.__table__
deadlines_t = Deadline.__table__


def get_case(uow: UnitOfWork, defs: Definitions, case_id: int, *, actor: Actor) -> dict[str, Any]:
    with uow.reader() as r:
        row = load_case(r, case_id, actor)
        org = load_organization(r, row.organization_id).materialized()
        deadlines = [
            dict(d)
            for d in r.conn.execute(
                select(deadlines_t)
                .where(deadlines_t.c.case_id == case_id)
                .order_by(deadlines_t.c.id)
            ).mappings()
        ]
    definition = defs.get(row.procedure, row.definition_version)
    return {
        "id": row.id,
        "procedure": row.procedure,
        "definition_version": row.definition_version,
        "label": definition.label,
        "state": row.state,
        "state_label": definition.states[row.state].label,
        "version": row.version,
        "status": row.status,
        "data": row.data or {},
        "organization": org,
        "unit_id": row.unit_id,
        "opened_at": row.opened_at,
        "updated_at": row.updated_at,
        "closed_at": row.closed_at,
        "deadlines": deadlines,
    }


def history(uow: UnitOfWork, case_id: int, *, actor: Actor) -> list[dict[str, Any]]:
    with uow.reader() as r:
        load_case(r, case_id, actor)
        return [
            dict(e)
            for e in r.conn.execute(
                select(events_t).where(events_t.c.case_id == case_id).order_by(events_t.c.id)
            ).mappings()
        ]


def count_events(uow: UnitOfWork, case_id: int) -> int:
    with uow.reader() as r:
        return r.conn.execute(
            select(func.count()).where(events_t.c.case_id == case_id)
        ).scalar_one()
