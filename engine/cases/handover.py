"""Handing a case to another unit (REG-6): the duty, its deadlines and its lateness go along.

Why a case moves rather than its deadlines being charged elsewhere: a deadline's escalation
chain and the ACC-1 figures are read from the case's unit (engine.oversight), and the people
who must act are that unit's. P1's REG-8 duty (form the Party organization within 3 months)
belongs to the responsible body determined under REG-6, not to the registration authority
that opened the case; so the step that records that body hands the case to its unit
(`hand_over: data.<path>` in the definition), and a supervisor can hand a case over by hand.

A hand-over is audited (`handed_over` event: from, to, reason) and leaves the case unassigned
in its new unit, whose caseworkers take it up. The version moves on a hand-over by hand, so a
form opened before it is refused as stale; inside a step the step's own version bump covers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from marshmallow import ValidationError, fields, validate
from sqlalchemy import insert, select, update

from engine.access.actor import SYSTEM, Actor
from engine.cases.deadlines import at_path
from engine.cases.locking import lock_case
from engine.cases.lookup import RecordLookup
from engine.definitions.model import TransitionDef
from engine.errors import Conflict, Forbidden
from engine.inputs import InputSchema
from engine.store.tables import Case, Event, Unit
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
events_t = Event.__table__
units_t = Unit.__table__


def _move(
    uow: UnitOfWork,
    case_id: int,
    from_unit: Mapping[str, Any] | None,
    to_unit: Mapping[str, Any],
    version: int,
    now: datetime,
    actor: Actor,
    comment: str | None,
    rules: list[str],
    bump: bool,
) -> int:
    values: dict[str, Any] = {
        "unit_id": to_unit["id"],
        "assignee_id": None,
        "delegate_id": None,  # the owner's delegation goes with the owner (engine.cases.owners)
        "delegated_until": None,
        "updated_at": now,
    }
    if bump:
        values["version"] = version
    uow.conn.execute(update(cases_t).where(cases_t.c.id == case_id).values(**values))
    return uow.conn.execute(
        insert(events_t)
        .values(
            case_id=case_id,
            kind="handed_over",
            case_version=version,
            actor_id=actor.id,
            actor_name=actor.display_name,
            at=now,
            comment=comment,
            payload={
                "from_unit_id": from_unit["id"] if from_unit else None,
                "from_unit": from_unit["name_zh"] if from_unit else None,
                "to_unit_id": to_unit["id"],
                "to_unit": to_unit["name_zh"],
                "to_unit_en": to_unit["name_en"],
            },
            rules=rules,
        )
        .returning(events_t.c.id)
    ).scalar_one()


def in_step(
    uow: UnitOfWork,
    case: Mapping[str, Any],
    t: TransitionDef,
    new_data: Mapping[str, Any],
    new_version: int,
    now: datetime,
    lookup: RecordLookup,
) -> int:
    """The step's `hand_over` path names a unit: the case goes there in the step's transaction.
    Returns the case's unit after the step."""
    assert t.hand_over is not None
    unit_id = at_path(new_data, t.hand_over.removeprefix("data."))
    if not isinstance(unit_id, int) or unit_id == case["unit_id"]:
        return int(case["unit_id"])
    to_unit = lookup("unit", unit_id)
    if to_unit is None:
        raise ValidationError({"unit_id": [f"no unit #{unit_id} / 单位 {unit_id} 不存在"]})
    from_unit = lookup("unit", case["unit_id"])
    _move(
        uow,
        case["id"],
        from_unit,
        to_unit,
        new_version,
        now,
        SYSTEM,
        f"随“{t.label.zh}”移交责任单位 / handed to the responsible unit with '{t.label.en}'",
        list(t.rules),
        bump=False,
    )
    return unit_id


class HandOverSchema(InputSchema):
    unit = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "code of the unit that takes the case over"},
    )
    reason = fields.String(
        required=True,
        validate=validate.Length(min=2, max=500),
        metadata={"description": "why the case changes hands (shown in the history)"},
    )
    expected_version = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1)
    )


def hand_over(
    uow: UnitOfWork, case_id: int, payload: Mapping[str, Any], *, actor: Actor
) -> dict[str, Any]:
    """A supervisor hands an open case to another unit (REG-6: to the responsible body)."""
    data = HandOverSchema().load(dict(payload))
    with uow:
        row = lock_case(uow, case_id, actor)
        if actor.role not in ("supervisor", "admin"):
            raise Forbidden("only a supervisor hands a case over / 只有主管可以移交案件")
        if row.status != "open":
            raise ValidationError({"unit": ["the case is closed / 案件已办结，不能移交"]})
        if row.version != data["expected_version"]:
            raise Conflict(case_id, data["expected_version"], row.version, row.state)
        lookup = RecordLookup(uow.conn)
        target = uow.conn.execute(
            select(units_t.c.id).where(units_t.c.code == data["unit"])
        ).scalar()
        if target is None:
            raise ValidationError({"unit": [f"no unit {data['unit']!r} / 单位不存在"]})
        if target == row.unit_id:
            raise ValidationError({"unit": ["the case is already there / 案件已在该单位"]})
        to_unit, from_unit = lookup("unit", target), lookup("unit", row.unit_id)
        assert to_unit is not None
        version = row.version + 1
        event_id = _move(
            uow,
            case_id,
            from_unit,
            to_unit,
            version,
            uow.clock.now(),
            actor,
            data["reason"],
            [],
            bump=True,
        )
        uow.commit()
        return {"id": case_id, "unit": data["unit"], "version": version, "event_id": event_id}
