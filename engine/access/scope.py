"""The units an actor may see, read once per transaction for the lists' filters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    literal,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from engine.access.actor import Actor
from engine.store.tables import (
    Unit,
    User,
)
from engine.store.unit_of_work import UnitOfWork

units_t = Unit.__table__


users_t = User.__table__


def scope_unit_ids(r: UnitOfWork, actor: Actor) -> list[int] | None:
    """The ids of the actor's unit and every unit below it; None for an administrator.

    Read first, in the same transaction, so that the case and organization queries filter
    on a list of unit ids and the planner can use the (unit_id, status, ...) indexes.
    """
    if actor.is_admin:
        return None
    return list(
        r.conn.execute(
            select(units_t.c.id).where(units_t.c.path.startswith(actor.unit_path, autoescape=True))
        ).scalars()
    )


def units_filter(column: Any, ids: list[int] | None) -> ColumnElement[bool]:
    return literal(True) if ids is None else column.in_(ids)


def credentials(uow: UnitOfWork, username: str) -> dict[str, Any] | None:
    """The stored password hash of an active user, for the login form; None if unknown."""
    with uow.reader() as r:
        row = r.conn.execute(
            select(users_t.c.id, users_t.c.password_hash, users_t.c.active).where(
                users_t.c.username == username
            )
        ).first()
    if row is None or not row.active:
        return None
    return {"id": row.id, "password_hash": row.password_hash}
