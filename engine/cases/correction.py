"""Supervisor correction (issue 15, item 3): compensate, never rewrite history.

A supervisor (or an administrator) who sees a wrong step cannot edit or delete what happened:
every correction is a new event in the history, with its actor and a required reason, that
*compensates* for what it corrects. Each takes the case's version as the supervisor read it
and moves it on, in one transaction, like a step (`engine.cases.service.fire`): the case row is
locked first (PostgreSQL `FOR NO KEY UPDATE`, SQLite `BEGIN IMMEDIATE`), a stale version is a
`Conflict` with nothing written, and the `UPDATE … WHERE version = :seen` row count is checked
before the commit. So a step back racing a step: exactly one wins, the other gets `Conflict`.

* **step back** — the case returns to a state it was in before. The steps taken since the case
  last entered that state are *undone*: the deadlines they opened and that are still open are
  cancelled; the deadlines they met (or cancelled, or a terminal step closed) are reopened with
  their due dates recomputed from their anchor by today's calendar and their reminder and
  escalation ladder planned at this instant (levels already sent are not sent again: the
  ledger keys them). A case a terminal step closed is open again. One `stepped_back` event
  lists the undone steps (their events, triggers, actors) and the deadlines it touched.
  **The case's data is kept**, not restored: nothing records what a step's actions computed,
  only the input each step was given (its event's payload, listed again in this event), and
  the step, taken again, writes its fields anew. Effects outside the case (organization
  records, linked cases, documents, a hand-over to another unit) are not undone either: the
  event names the undone steps so that they can be corrected by their own means.
* **cancel** — the case ends (`status` closed) in the state it is in; its open deadlines are
  cancelled (`cancelled` event). A cancelled case stays cancelled: it cannot be stepped back.
* **suspend / resume** — while suspended, the sweep skips the case's deadlines (no reminder,
  no escalation), the case is not counted stalled, and every step is refused, citing the step's
  own rule with the suspension as the reason; the legal due dates do not move (the case page
  shows the suspension beside them). On resume whatever fell due meanwhile is sent by the next
  sweep, each level once, as after a scheduler's downtime.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from marshmallow import ValidationError, fields, validate
from sqlalchemy import insert, select, update

from engine.access.actor import Actor
from engine.calendar import local_date
from engine.cases.compensation import (
    compensation,
    deadline_item,
    earlier_states,
    trail_of,
    was_cancelled,
)
from engine.cases.locking import lock_case
from engine.cases.owners import SUPERVISING, Denial
from engine.definitions.model import Definition, Definitions
from engine.errors import Conflict, TransitionRefused
from engine.inputs import InputSchema
from engine.rules import Refusal
from engine.store.tables import Case, Deadline, Event
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
events_t = Event.__table__
deadlines_t = Deadline.__table__

ACTIONS = ("step_back", "cancel", "suspend", "resume")


# ---------------------------------------------------------------- why not (None: allowed)

ONLY_SUPERVISORS = Denial(
    "only a supervisor corrects a case (step back, cancel, suspend, resume) "
    "/ 只有主管可以纠正案件（退回、撤销、暂停、恢复）",
    forbidden=True,
)


def correction_denial(
    action: str, case: Any, actor: Actor, trail: list[Any], definition: Definition
) -> Denial | None:
    """Why `action` cannot be taken on the case now, or None."""
    if actor.role not in SUPERVISING:
        return ONLY_SUPERVISORS
    if action == "step_back":
        if was_cancelled(trail):
            return Denial("a cancelled case stays cancelled / 已撤销的案件不能退回")
        if not earlier_states(trail, case.state, definition):
            return Denial(
                "the case has no earlier state to return to / 案件没有可退回的前一环节",
                field="to_state",
            )
        return None
    if case.status != "open":
        return Denial("the case is closed / 案件已办结")
    if action == "suspend" and case.suspended_at is not None:
        return Denial("the case is already suspended / 案件已暂停")
    if action == "resume" and case.suspended_at is None:
        return Denial("the case is not suspended / 案件未暂停")
    return None


def halted_refusal(rule: str, status: str, suspended_at: datetime | None) -> Refusal | None:
    """Why no step can be taken on the case, citing the step's own rule (as the machine does
    for a step the procedure's order does not allow now): a supervisor suspended it, or ended
    it (a cancelled case stays in the state it was cancelled in, whose steps stay refused)."""
    if status != "open":
        return Refusal(
            rule,
            zh="案件已办结或已撤销，不能再办理步骤",
            en="The case is closed (finished or cancelled): no step can be taken",
            details={"status": status},
        )
    if suspended_at is None:
        return None
    day = local_date(suspended_at).isoformat()
    return Refusal(
        rule,
        zh=f"案件自 {day} 起已由主管暂停办理，恢复前不能办理任何步骤（法定期限不变）",
        en=f"The case is suspended by a supervisor since {day}: no step can be taken until "
        "it is resumed (the legal deadlines do not move)",
        details={"suspended_at": suspended_at.isoformat()},
    )


def refuse_if_halted(definition: Definition, case: Mapping[str, Any], trigger: str) -> None:
    """`fire`'s check: a suspended or ended case takes no step (`TransitionRefused`)."""
    if case["status"] == "open" and case.get("suspended_at") is None:
        return
    named = definition.transitions_named(trigger)
    refusal = halted_refusal(
        named[0].rules[0] if named else "PROC", case["status"], case.get("suspended_at")
    )
    assert refusal is not None
    raise TransitionRefused(refusal, trigger)


# ---------------------------------------------------------------- inputs


class Correction(InputSchema):
    """What every correction is told: why."""

    reason = fields.String(
        required=True,
        validate=validate.Length(min=2, max=500),
        metadata={"description": "why (shown in the history)"},
    )


class StepBack(Correction):
    to_state = fields.String(
        required=True,
        validate=validate.Length(min=1, max=60),
        metadata={"description": "a state the case was in before (see its control)"},
    )


class CorrectionSchema(Correction):
    """A correction with the case's version as the supervisor read it."""

    expected_version = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1)
    )


class StepBackSchema(StepBack, CorrectionSchema):
    pass


# ---------------------------------------------------------------- the corrections


def _locked(
    uow: UnitOfWork, defs: Definitions, case_id: int, action: str, data: Mapping, actor: Actor
) -> tuple[Any, Definition, list[Any]]:
    """The case, locked, checked for scope, role, version and `action`."""
    case = lock_case(uow, case_id, actor)
    if actor.role not in SUPERVISING:
        raise ONLY_SUPERVISORS.error()
    if case.version != data["expected_version"]:
        raise Conflict(case_id, data["expected_version"], case.version, case.state)
    definition = defs.get(case.procedure, case.definition_version)
    trail = trail_of(uow.conn, case_id)
    if denial := correction_denial(action, case, actor, trail, definition):
        raise denial.error()
    return case, definition, trail


def _move(uow: UnitOfWork, case: Any, expected: int, **values: Any) -> int:
    """The version-checked UPDATE (last line of defence: the row is locked since the read)."""
    version = expected + 1
    matched = uow.conn.execute(
        update(cases_t)
        .where(cases_t.c.id == case.id, cases_t.c.version == expected)
        .values(version=version, **values)
    ).rowcount
    if matched != 1:
        raise Conflict(case.id, expected, case.version, case.state)
    return version


def _event(
    uow: UnitOfWork,
    case: Any,
    kind: str,
    version: int,
    actor: Actor,
    now: datetime,
    reason: str,
    payload: dict[str, Any],
    to_state: str | None = None,
) -> int:
    """The correction's event: from the state it found the case in, to the state it leaves
    it in (the same one, but for a step back)."""
    return uow.conn.execute(
        insert(events_t)
        .values(
            case_id=case.id,
            kind=kind,
            from_state=case.state,
            to_state=to_state,
            case_version=version,
            actor_id=actor.id,
            actor_name=actor.display_name,
            at=now,
            comment=reason,
            payload=payload,
            rules=[],
        )
        .returning(events_t.c.id)
    ).scalar_one()


def _cancel_open(uow: UnitOfWork, case_id: int, event_id: int, now: datetime, *conds: Any) -> None:
    uow.conn.execute(
        update(deadlines_t)
        .where(deadlines_t.c.case_id == case_id, deadlines_t.c.status == "open", *conds)
        .values(status="cancelled", closed_at=now, closed_by_event_id=event_id)
    )


def step_back(
    uow: UnitOfWork, defs: Definitions, case_id: int, payload: Mapping[str, Any], *, actor: Actor
) -> dict[str, Any]:
    """Return the case to `to_state`, a state it was in, compensating the steps since."""
    data = StepBackSchema().load(dict(payload))
    with uow:
        case, definition, trail = _locked(uow, defs, case_id, "step_back", data, actor)
        targets = {s.state: s for s in earlier_states(trail, case.state, definition)}
        target = targets.get(data["to_state"])
        if target is None:
            raise ValidationError(
                {
                    "to_state": [
                        f"the case was not at {data['to_state']!r} before; one of: "
                        f"{', '.join(targets)} / 只能退回到案件曾经过的环节"
                    ]
                }
            )
        now = uow.clock.now()
        plan = compensation(uow, definition, case_id, target.entered_by_event_id, now)
        version = _move(
            uow,
            case,
            data["expected_version"],
            state=target.state,
            status="open",
            closed_at=None,
            updated_at=now,
        )
        event_id = _event(
            uow,
            case,
            "stepped_back",
            version,
            actor,
            now,
            data["reason"],
            plan.payload(reopened_case=case.status != "open"),
            to_state=target.state,
        )
        if plan.cancelled:
            _cancel_open(
                uow, case_id, event_id, now, deadlines_t.c.id.in_([d.id for d in plan.cancelled])
            )
        for d, values in plan.reopened:
            uow.conn.execute(update(deadlines_t).where(deadlines_t.c.id == d.id).values(**values))
        uow.commit()
    return {"id": case_id, "state": target.state, "version": version, "event_id": event_id}


def cancel(
    uow: UnitOfWork, defs: Definitions, case_id: int, payload: Mapping[str, Any], *, actor: Actor
) -> dict[str, Any]:
    """End the case where it stands, with a reason; its open deadlines are cancelled."""
    data = CorrectionSchema().load(dict(payload))
    with uow:
        case, _, _ = _locked(uow, defs, case_id, "cancel", data, actor)
        now = uow.clock.now()
        open_now = list(
            uow.conn.execute(
                select(deadlines_t.c.id, deadlines_t.c.key, deadlines_t.c.rule).where(
                    deadlines_t.c.case_id == case_id, deadlines_t.c.status == "open"
                )
            )
        )
        version = _move(
            uow,
            case,
            data["expected_version"],
            status="closed",
            closed_at=now,
            suspended_at=None,
            updated_at=now,
        )
        event_id = _event(
            uow,
            case,
            "cancelled",
            version,
            actor,
            now,
            data["reason"],
            {
                "cancelled_deadlines": [deadline_item(d) for d in open_now],
                "was_suspended": case.suspended_at is not None,
            },
            to_state=case.state,
        )
        _cancel_open(uow, case_id, event_id, now)
        uow.commit()
    return {"id": case_id, "state": case.state, "version": version, "event_id": event_id}


def suspend(
    uow: UnitOfWork, defs: Definitions, case_id: int, payload: Mapping[str, Any], *, actor: Actor
) -> dict[str, Any]:
    """Stop reminders, escalation and steps until resumed; the legal due dates stay."""
    data = CorrectionSchema().load(dict(payload))
    with uow:
        case, _, _ = _locked(uow, defs, case_id, "suspend", data, actor)
        now = uow.clock.now()
        version = _move(uow, case, data["expected_version"], suspended_at=now, updated_at=now)
        event_id = _event(
            uow,
            case,
            "suspended",
            version,
            actor,
            now,
            data["reason"],
            {"since": now.isoformat()},
            to_state=case.state,
        )
        uow.commit()
    return {"id": case_id, "state": case.state, "version": version, "event_id": event_id}


def resume(
    uow: UnitOfWork, defs: Definitions, case_id: int, payload: Mapping[str, Any], *, actor: Actor
) -> dict[str, Any]:
    """End a suspension: steps are possible again and the next sweep sends what fell due."""
    data = CorrectionSchema().load(dict(payload))
    with uow:
        case, _, _ = _locked(uow, defs, case_id, "resume", data, actor)
        now = uow.clock.now()
        version = _move(uow, case, data["expected_version"], suspended_at=None, updated_at=now)
        event_id = _event(
            uow,
            case,
            "resumed",
            version,
            actor,
            now,
            data["reason"],
            {
                "suspended_at": case.suspended_at.isoformat(),
                "days": (local_date(now) - local_date(case.suspended_at)).days,
            },
            to_state=case.state,
        )
        uow.commit()
    return {"id": case_id, "state": case.state, "version": version, "event_id": event_id}
