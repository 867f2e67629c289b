"""The units an actor may see: read once per transaction for the lists, checked for one record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    literal,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from engine.access.actor import Actor
from engine.errors import Forbidden
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


def require_visible(r: UnitOfWork, actor: Actor, unit_id: int | None, what: str) -> None:
    """Forbidden unless the actor sees the unit `what` belongs to (their unit and below).

    A record attached to no unit (a Party organization outside every organization) is the
    administrators' alone.
    """
    if actor.is_admin:
        return
    if unit_id is None:
        raise Forbidden(f"{what} is attached to no unit you see")
    path = r.conn.execute(select(units_t.c.path).where(units_t.c.id == unit_id)).scalar_one()
    if not actor.can_see(path):
        raise Forbidden(f"{what} belongs to another unit; you see only your unit and below")


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
