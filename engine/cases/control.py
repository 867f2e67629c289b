"""Who answers for a case and what may be done about it (issue 15): the one reader of a case's
owner, delegation, suspension and correction, for the case page, the API and the CLI.

Templates and clients hold no rules: each owner change and each correction comes with `None`
(allowed for this actor now) or the reason it is refused, from the same functions the writes
apply (`engine.cases.owners`, `engine.cases.correction`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from engine.access.actor import Actor
from engine.calendar import local_date
from engine.cases import owners
from engine.cases.compensation import EarlierState, earlier_states, trail_of, was_cancelled
from engine.cases.correction import ACTIONS, correction_denial
from engine.cases.owners import Person
from engine.cases.service import load_case
from engine.definitions.model import Definitions
from engine.store.tables import Event
from engine.store.unit_of_work import UnitOfWork

events_t = Event.__table__

OWNER_ACTIONS = ("claim", "assign", "delegate", "end_delegation")


@dataclass(frozen=True)
class Control:
    """A case's owner, delegation and suspension, and what the actor may do about them."""

    case_id: int
    version: int
    status: str
    state: str
    unit_id: int
    owner: Person | None
    delegate: Person | None
    """The colleague acting as owner, while the delegation runs (None after its last day)."""
    delegated_until: date | None
    acting: Person | None
    """Who answers for the case today: the delegate while the delegation runs, else the owner."""
    suspended_at: datetime | None
    suspension_reason: str | None
    cancelled: bool
    denials: dict[str, str | None]
    """Each of `OWNER_ACTIONS` and `correction.ACTIONS` → None (allowed) or why not."""
    colleagues: tuple[Person, ...] = ()
    """Who may be made owner or delegate (active caseworkers and supervisors of the unit),
    listed only for an actor who may assign or delegate."""
    earlier_states: tuple[EarlierState, ...] = field(default_factory=tuple)
    """Where a step back may return the case to, the most recent first (for supervisors)."""

    def may(self, action: str) -> bool:
        return self.denials.get(action, "unknown") is None


def _message(denial: Any) -> str | None:
    return None if denial is None else denial.message


def case_control(uow: UnitOfWork, defs: Definitions, case_id: int, *, actor: Actor) -> Control:
    """Read in one transaction; scoped like the case (`Forbidden` outside the actor's units)."""
    with uow.reader() as r:
        case = load_case(r, case_id, actor)
        today = local_date(r.clock.now())
        definition = defs.get(case.procedure, case.definition_version)
        trail = trail_of(r.conn, case_id)
        owner = owners.person(r.conn, case.assignee_id)
        running = owners.delegation_running(case, today)
        delegate = owners.person(r.conn, case.delegate_id) if running else None
        denials = {
            "claim": _message(owners.claim_denial(case, actor)),
            "assign": _message(owners.assign_denial(case, actor)),
            "delegate": _message(owners.delegate_denial(case, actor)),
            "end_delegation": _message(owners.end_delegation_denial(case, actor, today)),
        }
        for action in ACTIONS:
            denials[action] = _message(correction_denial(action, case, actor, trail, definition))
        picks = denials["assign"] is None or denials["delegate"] is None
        reason = None
        if case.suspended_at is not None:
            reason = r.conn.execute(
                select(events_t.c.comment)
                .where(events_t.c.case_id == case_id, events_t.c.kind == "suspended")
                .order_by(events_t.c.id.desc())
                .limit(1)
            ).scalar()
        return Control(
            case_id=case.id,
            version=case.version,
            status=case.status,
            state=case.state,
            unit_id=case.unit_id,
            owner=owner,
            delegate=delegate,
            delegated_until=case.delegated_until if running else None,
            acting=delegate or owner,
            suspended_at=case.suspended_at,
            suspension_reason=reason,
            cancelled=was_cancelled(trail),
            denials=denials,
            colleagues=tuple(owners.colleagues(r.conn, case.unit_id)) if picks else (),
            earlier_states=tuple(earlier_states(trail, case.state, definition))
            if denials["step_back"] is None
            else (),
        )
