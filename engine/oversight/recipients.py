"""Who is told: the unit tree and who supervises where (issue 5, ACC-1).

The escalation chain in a definition names roles, not people: `assignee`, `unit_supervisor`
(supervisors of the case's unit, or of its nearest ancestor that has any) and `upper_body`
(the next supervising body above that). Nobody found means the administrators: an
escalation is never silent.

`assignee` is the case's owner *now* (issue 15): the colleague an owner delegated to while the
delegation runs, else the owner; a case nobody owns goes to its unit's caseworkers, who are the
ones to claim it. `owner_now` is that rule, once, for the sweep, the calendar refresh and the
case lists alike.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, select

from engine.store.tables import Unit, User

units_t = Unit.__table__
users_t = User.__table__

SYSTEM_ACTOR = "system"
"""`events.actor_name` of everything the sweep records."""

TARGET_LABEL = {
    "assignee": ("承办人", "assignee"),
    "unit_supervisor": ("责任单位负责人", "supervisor of the responsible unit"),
    "upper_body": ("上级机关", "upper body"),
}


def owner_now(
    assignee_id: int | None,
    delegate_id: int | None,
    delegated_until: date | None,
    today: date,
    active: set[int] | None = None,
) -> int | None:
    """Who owns a case today: the delegate until the end of `delegated_until` (expiry is judged
    here, when read, so no job ends a delegation), else the owner. A delegate no longer active
    (`active` given and without them) hands it back to the owner; a delegation is the owner's,
    so an unowned case has none."""
    if (
        assignee_id is not None
        and delegate_id is not None
        and delegated_until is not None
        and today <= delegated_until
        and (active is None or delegate_id in active)
    ):
        return delegate_id
    return assignee_id


@dataclass
class Directory:
    """The unit tree, who supervises where and who works where, loaded once per sweep (small
    tables)."""

    parent: dict[int, int | None]
    supervisors: dict[int, list[int]]
    admins: list[int]
    caseworkers: dict[int, list[int]] = field(default_factory=dict)
    """Active caseworkers per unit: told of the deadlines of their unit's unowned cases."""

    @classmethod
    def load(cls, conn: Connection) -> Directory:
        parent = dict(conn.execute(select(units_t.c.id, units_t.c.parent_id)).all())
        supervisors: dict[int, list[int]] = defaultdict(list)
        caseworkers: dict[int, list[int]] = defaultdict(list)
        admins: list[int] = []
        for uid, role, unit_id in conn.execute(
            select(users_t.c.id, users_t.c.role, users_t.c.unit_id)
            .where(users_t.c.active.is_(True))
            .order_by(users_t.c.id)
        ):
            if role == "supervisor":
                supervisors[unit_id].append(uid)
            elif role == "caseworker":
                caseworkers[unit_id].append(uid)
            elif role == "admin":
                admins.append(uid)
        return cls(parent, dict(supervisors), admins, dict(caseworkers))

    def _nearest(self, unit_id: int | None) -> tuple[int | None, list[int]]:
        """The nearest unit at or above `unit_id` that has supervisors, and them."""
        seen: set[int] = set()
        while unit_id is not None and unit_id not in seen:
            seen.add(unit_id)
            if self.supervisors.get(unit_id):
                return unit_id, self.supervisors[unit_id]
            unit_id = self.parent.get(unit_id)
        return None, []

    def unit_supervisors(self, unit_id: int) -> list[int]:
        """Supervisors of the responsible unit, or of its nearest ancestor that has some."""
        return self._nearest(unit_id)[1]

    def upper_body(self, unit_id: int) -> list[int]:
        """Supervisors of the next body up from the one that supervises the unit
        (e.g. the comprehensive committee above a district bureau)."""
        found, _ = self._nearest(unit_id)
        if found is None:
            return []
        return self._nearest(self.parent.get(found))[1]

    def recipients(
        self, target: str, unit_id: int, assignee: int | None, active: set[int]
    ) -> list[int]:
        """Who a level goes to; nobody found means the administrators (never silent).

        `assignee` is the owner now (`owner_now`). Unowned, the unit's caseworkers are told
        (one of them claims it); an owner no longer active, the unit's supervisors (who
        reassign it)."""
        if target == "assignee":
            if assignee is None:
                people = list(self.caseworkers.get(unit_id, ()))
            else:
                people = [assignee] if assignee in active else []
            people = people or self.unit_supervisors(unit_id)
        elif target == "unit_supervisor":
            people = self.unit_supervisors(unit_id)
        else:
            people = self.upper_body(unit_id)
        return people or list(self.admins)
