"""Case owners (issue 15, item 1): who answers for an open case, and how that changes.

Every open case has an owner — an active user of the case's unit, `cases.assignee_id` — or is
unassigned in its unit: a new case belongs to the caseworker who opened it, and a hand-over
(REG-6, `engine.cases.handover`) leaves it unassigned in the unit that takes it. Then:

* a caseworker (or supervisor) **of the case's unit claims** an unassigned case;
* a supervisor **assigns or reassigns** it within their scope, only to an active user of the
  case's unit whose role can take steps (`OWNER_ROLES`); reassigning needs a reason;
* the owner (or a supervisor) **delegates** it to such a colleague until a date, with a reason:
  until the end of that day (Asia/Shanghai) the delegate acts as owner — sees it under "mine",
  gets its reminders and first escalation level — while the owner still sees it under "mine".
  The delegation ends by itself after that day (judged when read: `owner_now`, no job), or
  earlier when the owner, the delegate or a supervisor ends it; a reassignment ends it too.

Every change is an audit event in `events` with its actor (and reason), listed in the history.

Ownership is responsibility, not permission: steps stay open to whoever the procedure's roles
and the unit scope allow, so a colleague covering for an absent owner needs no assignment first.

**Why an owner change does not move the case's version.** It changes who answers for the case,
not the case: a step a caseworker is taking while a supervisor reassigns the case is as right
afterwards as before, so the two must not conflict. The change is audited at the version the
case has (`case_version` unchanged), and `updated_at` stays too (ACC-1's stall clock measures
steps). The row lock every write of a case takes (PostgreSQL `FOR NO KEY UPDATE`, SQLite's
`BEGIN IMMEDIATE`) serializes it with a step and with another owner change without refusing
either; each change is judged on what the one before left (a second claim finds the case owned).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate
from sqlalchemy import Connection, insert, select, update

from engine.access.actor import Actor
from engine.calendar import local_date
from engine.cases.locking import lock_case
from engine.errors import Forbidden
from engine.inputs import InputSchema
from engine.oversight.recipients import owner_now
from engine.store.tables import Case, Event, Unit, User
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
events_t = Event.__table__
units_t = Unit.__table__
users_t = User.__table__

OWNER_ROLES = ("caseworker", "supervisor")
"""The roles that take steps, so may own a case (an administrator oversees; owns nothing)."""

SUPERVISING = ("supervisor", "admin")


# ---------------------------------------------------------------- who is who


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    display_name: str
    role: str
    unit_id: int
    active: bool


_PERSON = (
    users_t.c.id,
    users_t.c.username,
    users_t.c.display_name,
    users_t.c.role,
    users_t.c.unit_id,
    users_t.c.active,
)


def person(conn: Connection, user_id: int | None) -> Person | None:
    if user_id is None:
        return None
    row = conn.execute(select(*_PERSON).where(users_t.c.id == user_id)).first()
    return Person(*row) if row is not None else None


def colleagues(conn: Connection, unit_id: int) -> list[Person]:
    """Who may own a case of the unit: its active users whose role takes steps, by name."""
    rows = conn.execute(
        select(*_PERSON)
        .where(
            users_t.c.unit_id == unit_id,
            users_t.c.active.is_(True),
            users_t.c.role.in_(OWNER_ROLES),
        )
        .order_by(users_t.c.display_name, users_t.c.id)
    )
    return [Person(*r) for r in rows]


# ---------------------------------------------------------------- why not (None: allowed)


@dataclass(frozen=True)
class Denial:
    """Why an owner change or a correction is refused, in both languages ("en / zh").

    `forbidden`: the actor's role or unit (403); otherwise the case as it is now (422 naming
    `field`). The case page asks the same functions to decide which forms to draw."""

    message: str
    forbidden: bool = False
    field: str = "case"

    def error(self) -> Exception:
        if self.forbidden:
            return Forbidden(self.message)
        return ValidationError({self.field: [self.message]})


CLOSED = Denial("the case is closed / 案件已办结")


def delegation_running(case: Any, today: date) -> bool:
    return owner_now(case.assignee_id, case.delegate_id, case.delegated_until, today) not in (
        None,
        case.assignee_id,
    )


def claim_denial(case: Any, actor: Actor) -> Denial | None:
    if case.status != "open":
        return CLOSED
    if actor.role not in OWNER_ROLES or actor.unit_id != case.unit_id:
        return Denial(
            "only a caseworker or supervisor of the case's unit claims it "
            "/ 只有本单位的承办人员或主管可以认领",
            forbidden=True,
        )
    if case.assignee_id is not None:
        return Denial(
            "the case already has an owner; a supervisor reassigns it "
            "/ 案件已有承办人，如需更换请主管改派"
        )
    return None


def assign_denial(case: Any, actor: Actor) -> Denial | None:
    if case.status != "open":
        return CLOSED
    if actor.role not in SUPERVISING:
        return Denial("only a supervisor assigns a case / 只有主管可以分派案件", forbidden=True)
    return None


def delegate_denial(case: Any, actor: Actor) -> Denial | None:
    if case.status != "open":
        return CLOSED
    if case.assignee_id is None:
        return Denial(
            "nobody owns the case: claim or assign it first / 案件尚无承办人，请先认领或分派"
        )
    if actor.id != case.assignee_id and actor.role not in SUPERVISING:
        return Denial(
            "only the case's owner or a supervisor delegates it / 只有承办人或主管可以委托他人代办",
            forbidden=True,
        )
    return None


def end_delegation_denial(case: Any, actor: Actor, today: date) -> Denial | None:
    if not delegation_running(case, today):
        return Denial("the case is not delegated / 案件当前没有委托")
    if actor.id not in (case.assignee_id, case.delegate_id) and actor.role not in SUPERVISING:
        return Denial(
            "only the owner, the delegate or a supervisor ends a delegation "
            "/ 只有承办人、受托人或主管可以结束委托",
            forbidden=True,
        )
    return None


# ---------------------------------------------------------------- inputs

Reason = validate.Length(min=2, max=500)


class ClaimSchema(InputSchema):
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "a note for the history (optional)"},
    )


class AssignSchema(InputSchema):
    user = fields.String(
        required=True,
        validate=validate.Length(min=1, max=80),
        metadata={
            "description": "username of the new owner: an active caseworker or "
            "supervisor of the case's unit"
        },
    )
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=Reason,
        metadata={"description": "why (required when the case already has an owner)"},
    )


class DelegateSchema(InputSchema):
    user = fields.String(
        required=True,
        validate=validate.Length(min=1, max=80),
        metadata={"description": "username of the colleague who acts as owner meanwhile"},
    )
    until = fields.Date(
        required=True,
        metadata={"description": "last day of the delegation (Asia/Shanghai), today or later"},
    )
    reason = fields.String(
        required=True, validate=Reason, metadata={"description": "why (shown in the history)"}
    )


class EndDelegationSchema(ClaimSchema):
    pass


# ---------------------------------------------------------------- the changes


def _eligible(conn: Connection, case: Any, username: str) -> Person:
    found = conn.execute(select(*_PERSON).where(users_t.c.username == username)).first()
    who = Person(*found) if found is not None else None
    if who is None or not who.active:
        raise ValidationError({"user": [f"no active user {username!r} / 用户不存在或已停用"]})
    if who.unit_id != case.unit_id or who.role not in OWNER_ROLES:
        raise ValidationError(
            {
                "user": [
                    f"{username!r} is not a caseworker or supervisor of the case's unit "
                    "/ 该用户不是本案所在单位的承办人员或主管"
                ]
            }
        )
    return who


def _named(p: Person | None) -> dict[str, Any]:
    return {"id": p.id, "username": p.username, "name": p.display_name} if p else {}


def _record(
    uow: UnitOfWork,
    case: Any,
    kind: str,
    actor: Actor,
    now: datetime,
    reason: str | None,
    payload: dict[str, Any],
    values: dict[str, Any],
) -> int:
    """Write the owner columns and the audit event; the version stays (module docstring)."""
    uow.conn.execute(update(cases_t).where(cases_t.c.id == case.id).values(**values))
    return uow.conn.execute(
        insert(events_t)
        .values(
            case_id=case.id,
            kind=kind,
            case_version=case.version,
            actor_id=actor.id,
            actor_name=actor.display_name,
            at=now,
            comment=reason,
            payload=payload,
            rules=[],
        )
        .returning(events_t.c.id)
    ).scalar_one()


def _answer(case_id: int, version: int, event_id: int, **people: Any) -> dict[str, Any]:
    return {"id": case_id, "version": version, "event_id": event_id, **people}


def claim(
    uow: UnitOfWork, case_id: int, payload: Mapping[str, Any], *, actor: Actor
) -> dict[str, Any]:
    """A caseworker of the case's unit takes an unassigned case (it becomes theirs)."""
    data = ClaimSchema().load(dict(payload))
    with uow:
        case = lock_case(uow, case_id, actor)
        if denial := claim_denial(case, actor):
            raise denial.error()
        me = person(uow.conn, actor.id)
        event_id = _record(
            uow,
            case,
            "claimed",
            actor,
            uow.clock.now(),
            data["reason"],
            {"owner": _named(me)},
            {"assignee_id": actor.id, "delegate_id": None, "delegated_until": None},
        )
        uow.commit()
    return _answer(case_id, case.version, event_id, owner=actor.username)


def assign(
    uow: UnitOfWork, case_id: int, payload: Mapping[str, Any], *, actor: Actor
) -> dict[str, Any]:
    """A supervisor makes a colleague of the case's unit its owner; a running delegation ends."""
    data = AssignSchema().load(dict(payload))
    with uow:
        case = lock_case(uow, case_id, actor)
        if denial := assign_denial(case, actor):
            raise denial.error()
        who = _eligible(uow.conn, case, data["user"])
        if who.id == case.assignee_id:
            raise ValidationError({"user": ["already the case's owner / 已是本案承办人"]})
        if case.assignee_id is not None and not data["reason"]:
            raise ValidationError({"reason": ["a reassignment needs a reason / 改派须说明理由"]})
        before = person(uow.conn, case.assignee_id)
        event_id = _record(
            uow,
            case,
            "assigned",
            actor,
            uow.clock.now(),
            data["reason"],
            {"owner": _named(who), "previous_owner": _named(before)},
            {"assignee_id": who.id, "delegate_id": None, "delegated_until": None},
        )
        uow.commit()
    return _answer(case_id, case.version, event_id, owner=who.username)


def delegate(
    uow: UnitOfWork, case_id: int, payload: Mapping[str, Any], *, actor: Actor
) -> dict[str, Any]:
    """The owner (or a supervisor) has a colleague act as owner until a day, with a reason."""
    data = DelegateSchema().load(dict(payload))
    with uow:
        case = lock_case(uow, case_id, actor)
        if denial := delegate_denial(case, actor):
            raise denial.error()
        today = local_date(uow.clock.now())
        if data["until"] < today:
            raise ValidationError(
                {"until": [f"must be today ({today}) or later / 不得早于今天（{today}）"]}
            )
        who = _eligible(uow.conn, case, data["user"])
        if who.id == case.assignee_id:
            raise ValidationError(
                {"user": ["the owner cannot be their own delegate / 不能委托承办人本人"]}
            )
        event_id = _record(
            uow,
            case,
            "delegated",
            actor,
            uow.clock.now(),
            data["reason"],
            {
                "owner": _named(person(uow.conn, case.assignee_id)),
                "delegate": _named(who),
                "until": data["until"].isoformat(),
            },
            {"delegate_id": who.id, "delegated_until": data["until"]},
        )
        uow.commit()
    return _answer(
        case_id, case.version, event_id, delegate=who.username, until=data["until"].isoformat()
    )


def end_delegation(
    uow: UnitOfWork, case_id: int, payload: Mapping[str, Any], *, actor: Actor
) -> dict[str, Any]:
    """End a running delegation before its day: the owner acts again."""
    data = EndDelegationSchema().load(dict(payload))
    with uow:
        case = lock_case(uow, case_id, actor)
        now = uow.clock.now()
        if denial := end_delegation_denial(case, actor, local_date(now)):
            raise denial.error()
        event_id = _record(
            uow,
            case,
            "delegation_ended",
            actor,
            now,
            data["reason"],
            {"delegate": _named(person(uow.conn, case.delegate_id))},
            {"delegate_id": None, "delegated_until": None},
        )
        uow.commit()
    return _answer(case_id, case.version, event_id)
