"""Who acts: the Actor, the one unit-scope rule, and how a user becomes an Actor.

Every reader and service takes an Actor; the CLI passes `SYSTEM`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select, true

from engine.errors import NotFound
from engine.store.tables import Unit, User
from engine.store.unit_of_work import UnitOfWork

units_t = Unit.__table__


users_t = User.__table__


@dataclass(frozen=True)
class Actor:
    id: int | None
    username: str
    display_name: str
    role: str
    unit_id: int | None
    unit_path: str
    must_change_password: bool = False
    """The password was set by an administrator: the web UI asks for a new one first."""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_see(self, unit_path: str) -> bool:
        """A user sees their own unit and everything below it."""
        return self.is_admin or unit_path.startswith(self.unit_path)

    def scope(self, unit_path: Any) -> ColumnElement[bool]:
        """`can_see` as SQL, over a unit path column."""
        return true() if self.is_admin else unit_path.startswith(self.unit_path)


SYSTEM = Actor(None, "system", "系统 / system", "admin", None, "/")


def actor_for(uow: UnitOfWork, username: str) -> Actor:
    with uow.reader() as r:
        return actor_in(r, username)


def actor_in(uow: UnitOfWork, username: str) -> Actor:
    """`actor_for` inside a unit of work the caller has open (one read transaction, not two)."""
    row = uow.conn.execute(
        select(
            users_t.c.id,
            users_t.c.username,
            users_t.c.display_name,
            users_t.c.role,
            users_t.c.unit_id,
            units_t.c.path,
            users_t.c.active,
            users_t.c.must_change_password,
        )
        .join(units_t, units_t.c.id == users_t.c.unit_id)
        .where(users_t.c.username == username)
    ).first()
    if row is None or not row.active:
        raise NotFound("user", username)
    return Actor(
        row.id,
        row.username,
        row.display_name,
        row.role,
        row.unit_id,
        row.path,
        bool(row.must_change_password),
    )
