"""INS-2 "条件成熟时及时建立": an organization an instructor serves that reaches the conditions
for a Party organization gets a case of the `automatic` campaign kind's procedure by itself,
once per assignment (ledger `instructor_maturity`), with the same set-based opening as a
campaign (engine/cases/campaigns.py). The scheduler's coverage watch runs it every tick.
"""

from __future__ import annotations

from sqlalchemy import select

from engine.access.actor import Actor
from engine.cases.campaigns import (
    assign_t,
    criteria_sql,
    lock_procedure,
    maturity_t,
    open_cases,
    orgs_t,
    running_case,
)
from engine.definitions.model import Definitions
from engine.registry import CampaignKind
from engine.store import bulk
from engine.store.unit_of_work import UnitOfWork


def open_matured(
    uow: UnitOfWork, defs: Definitions, kind: CampaignKind, *, actor: Actor
) -> dict[str, int]:
    """INS-2 "条件成熟时及时建立": for every organization an instructor serves that meets the
    kind's condition now, a case of the kind's procedure — opened, or the running one recorded
    — once per assignment (ledger `instructor_maturity`). Run by the scheduler each tick."""
    definition = defs.get(kind.procedure)
    where = criteria_sql(kind.condition(defs.parameters))
    with uow:
        lock_procedure(uow, kind.procedure)
        now = uow.clock.now()
        seen = select(maturity_t.c.id).where(maturity_t.c.assignment_id == assign_t.c.id).exists()
        running = running_case(kind.procedure)
        rows = uow.conn.execute(
            select(
                orgs_t.c.id,
                orgs_t.c.unit_id,
                running.label("case_id"),
                assign_t.c.id.label("assignment_id"),
            )
            .join(assign_t, assign_t.c.organization_id == orgs_t.c.id)
            .where(assign_t.c.until.is_(None), orgs_t.c.status == "registered", where, ~seen)
            .order_by(assign_t.c.id)
        ).all()
        rows = list({r.id: r for r in rows}.values())  # one case per organization
        recorded = bulk.insert_rows(
            uow.conn,
            maturity_t,
            [
                {"assignment_id": r.assignment_id, "case_id": r.case_id, "opened_at": now}
                for r in rows
                if r.case_id is not None
            ],
            ignore_conflicts_on=["assignment_id"],
            returning=["id"],
        )
        opened = open_cases(
            uow,
            definition,
            kind,
            rows,
            {"opened_at": now},
            None,
            actor,
            now,
            gate_table=maturity_t,
            unique_on=("assignment_id",),
        )
        uow.commit()
    return {"opened": opened, "running": len(recorded)}
