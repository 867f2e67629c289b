"""The one way a write outside `fire` takes a case: its row locked, its scope checked.

Attaching documents, a hand-over, an owner change and a supervisor's correction each change
one case beside the steps; each must queue behind a running step exactly as a step does, and
refuse a case of another unit with the same words as every other route.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.access.actor import Actor
from engine.errors import Forbidden, NotFound
from engine.store.tables import Case, Unit
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
units_t = Unit.__table__


def lock_case(uow: UnitOfWork, case_id: int, actor: Actor) -> Any:
    """The case row with its unit's path, locked like a step locks it (PostgreSQL `FOR NO KEY
    UPDATE`: the sweep's event inserts do not wait; SQLite: the write transaction's lock)."""
    row = uow.conn.execute(
        select(cases_t, units_t.c.path.label("unit_path"))
        .join(units_t, units_t.c.id == cases_t.c.unit_id)
        .where(cases_t.c.id == case_id)
        .with_for_update(of=cases_t, key_share=True)
    ).first()
    if row is None:
        raise NotFound("case", case_id)
    if not actor.can_see(row.unit_path):
        raise Forbidden(
            f"case {case_id} belongs to another unit; you can act only on your unit and below"
        )
    return row
